/**
 * Credential specs as swarm configs: the bytes a config holds, its name and labels, and which existing
 * config can be reused. Pure: the engine calls are in swarm.ts.
 *
 * - Data: the spec as UTF-8 JSON (two-space indent, a final newline), whatever encoding the file had. A
 *   Windows engine hands the config's bytes to the container as they are, so a UTF-16 file would not do.
 *   Re-serialising also makes the content hash depend on the spec, not on its white space.
 * - Name: `gmsa-<netbios>_<account>-<first 8 hex of sha256(data)>`, lower case, only [a-z0-9_.-], at most 64
 *   characters (swarm's limit), e.g. `gmsa-contoso_webapp01-1a2b3c4d`. A changed spec gets a new name:
 *   configs are immutable, so a rotation is a new config plus a service update.
 * - Labels: `io.docker-gmsa.account` (the spec's MachineAccountName), `io.docker-gmsa.domain` (its DnsName)
 *   and `io.docker-gmsa.sha256` (the full hash). A config carrying the account and hash labels is a gMSA
 *   config: the only kind `configs prune` ever removes.
 */
import { createHash } from 'node:crypto';
import type { CredentialSpec } from '../credspec/model';
import { ACCOUNT_LABEL } from '../engine/run-plan';

/** The label `run` puts on containers; on configs, services and service containers here too. */
export { ACCOUNT_LABEL };
export const DOMAIN_LABEL = 'io.docker-gmsa.domain';
export const SHA256_LABEL = 'io.docker-gmsa.sha256';
/** Swarm refuses longer config names. */
export const MAX_CONFIG_NAME = 64;
const PREFIX = 'gmsa-';
const SHORT_HASH = 8;

export interface ConfigPlan {
  name: string;
  labels: Record<string, string>;
  /** The config's content: the spec as UTF-8 JSON. */
  data: Buffer;
  /** sha256 of data, hex. */
  sha256: string;
  account: string;
  domain: string;
}

/** The bytes stored in the config. */
export function configData(spec: CredentialSpec): Buffer {
  return Buffer.from(JSON.stringify(spec, null, 2) + '\n', 'utf8');
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function namePart(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-');
}

/**
 * `gmsa-<netbios>_<account>-<hash8>`. Characters swarm does not allow become `-`; the middle is cut so the
 * whole name stays within 64 characters (the hash keeps cut names apart).
 */
export function configName(netbios: string, account: string, sha256: string): string {
  const suffix = `-${sha256.slice(0, SHORT_HASH)}`;
  const room = MAX_CONFIG_NAME - PREFIX.length - suffix.length;
  const middle = `${namePart(netbios)}_${namePart(account)}`.slice(0, room);
  return `${PREFIX}${middle}${suffix}`;
}

export function planConfig(spec: CredentialSpec): ConfigPlan {
  const data = configData(spec);
  const sha256 = sha256Hex(data);
  const djc = spec.DomainJoinConfig;
  const account = djc.MachineAccountName;
  const domain = djc.DnsName;
  return {
    name: configName(djc.NetBiosName, account, sha256),
    labels: { [ACCOUNT_LABEL]: account, [DOMAIN_LABEL]: domain, [SHA256_LABEL]: sha256 },
    data,
    sha256,
    account,
    domain,
  };
}

/** A config as the Engine API lists it, reduced to what the plugin uses. */
export interface SwarmConfig {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Decoded Spec.Data, when the engine sent it. */
  data?: Buffer;
  createdAt?: string;
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
  return out;
}

export function configFromApi(c: any): SwarmConfig {
  const spec = c && typeof c === 'object' && c.Spec && typeof c.Spec === 'object' ? c.Spec : {};
  const out: SwarmConfig = { id: String(c?.ID ?? ''), name: String(spec.Name ?? ''), labels: labelsOf(spec.Labels) };
  if (typeof spec.Data === 'string') out.data = Buffer.from(spec.Data, 'base64');
  if (typeof c?.CreatedAt === 'string') out.createdAt = c.CreatedAt;
  return out;
}

/** Made by docker gmsa (or labelled as if): it carries both the account and the hash label. */
export function isGmsaConfig(c: SwarmConfig): boolean {
  return typeof c.labels[ACCOUNT_LABEL] === 'string' && typeof c.labels[SHA256_LABEL] === 'string';
}

/**
 * An existing config that holds exactly the planned content: a gMSA config whose hash label is the plan's
 * and whose data (when the engine sent it) really hashes to it. The one with the planned name wins.
 */
export function pickReusable(plan: ConfigPlan, existing: readonly SwarmConfig[]): SwarmConfig | undefined {
  const same = existing.filter(
    (c) => isGmsaConfig(c) && c.labels[SHA256_LABEL] === plan.sha256 && (c.data === undefined || sha256Hex(c.data) === plan.sha256),
  );
  return same.find((c) => c.name === plan.name) ?? same[0];
}

/** The plan as people read it (--dry-run): name, labels and content. */
export function describeConfigPlan(plan: ConfigPlan, reuse: SwarmConfig | undefined): string {
  const lines = [
    reuse ? `Config ${reuse.name} (exists, ${reuse.id}: reused)` : `Config ${plan.name} (would be created)`,
    ...Object.entries(plan.labels).map(([k, v]) => `  label ${k}=${v}`),
    '  data:',
    ...plan.data.toString('utf8').trimEnd().split('\n').map((l) => `    ${l}`),
  ];
  return lines.join('\n') + '\n';
}
