/**
 * Which gMSA a container runs with, and which running containers share one: the one home of the rule
 * that `run` (single use before 2019, shared hostnames from 2019), `compose`, `verify` and `doctor` use.
 *
 * A container's gMSA is what its credential spec says (the last credentialspec= security option wins, as
 * on the engine): a raw:// spec is read inline; a file:// or config:// spec is read through the reader
 * the caller hands in (the engine's store when this machine reads it, the swarm's config), else the
 * `io.docker-gmsa.account` label docker gmsa puts on what it starts stands in. Pure except for the
 * reader and the engine calls of {@link runningWithGmsa}.
 */
import { credentialSpecValue } from '../credspec/option';
import type { EngineClient } from './client';

/** The label docker gmsa puts on every container it starts: the gMSA name. */
export const ACCOUNT_LABEL = 'io.docker-gmsa.account';

/** How a container's spec was handed to the engine. */
export type SpecDelivery =
  | { kind: 'raw'; json: string }
  | { kind: 'file'; name: string }
  | { kind: 'config'; id: string }
  | { kind: 'registry'; name: string }
  | { kind: 'other'; value: string };

export interface ContainerGmsa {
  /** The credentialspec= value as the engine holds it. */
  option: string;
  delivery: SpecDelivery;
  /** The gMSA: the spec's MachineAccountName, else the label. */
  account?: string;
  /** The spec's DnsName, when the spec could be read. */
  domain?: string;
  /** Whether the spec itself was read (inline, or through the reader). */
  read: boolean;
}

/** Reads a file:// or config:// spec (undefined: not readable from here). */
export type SpecReader = (delivery: SpecDelivery) => Promise<Buffer | string | undefined>;

/** The credentialspec= value of a container's security options (the last one wins, as on the engine). */
export function credentialSpecOption(container: any): string | undefined {
  const values = ((container?.HostConfig?.SecurityOpt ?? []) as unknown[]).flatMap((o) => {
    const v = typeof o === 'string' ? credentialSpecValue(o) : undefined;
    return v === undefined ? [] : [v];
  });
  const value = values[values.length - 1];
  return value === '' ? undefined : value;
}

export function deliveryOf(value: string): SpecDelivery {
  const m = /^([a-z]+):\/\/(.*)$/is.exec(value);
  const scheme = m?.[1]?.toLowerCase();
  const rest = m?.[2] ?? '';
  if (scheme === 'raw') return { kind: 'raw', json: rest };
  if (scheme === 'file') return { kind: 'file', name: rest };
  if (scheme === 'config') return { kind: 'config', id: rest };
  if (scheme === 'registry') return { kind: 'registry', name: rest };
  return { kind: 'other', value };
}

/** MachineAccountName and DnsName of a spec's text (a BOM allowed); nothing when it is not a spec. */
export function specIdentity(text: string): { account?: string; domain?: string } {
  try {
    const v = JSON.parse(text.replace(/^\uFEFF/, '')) as { DomainJoinConfig?: { MachineAccountName?: unknown; DnsName?: unknown } };
    const j = v?.DomainJoinConfig;
    const out: { account?: string; domain?: string } = {};
    if (typeof j?.MachineAccountName === 'string' && j.MachineAccountName !== '') out.account = j.MachineAccountName;
    if (typeof j?.DnsName === 'string' && j.DnsName !== '') out.domain = j.DnsName;
    return out;
  } catch {
    return {};
  }
}

function labelOf(container: any): string | undefined {
  const l = container?.Config?.Labels?.[ACCOUNT_LABEL];
  return typeof l === 'string' && l !== '' ? l : undefined;
}

/** The container's gMSA and domain, as far as this machine can tell; undefined when it has no credential spec. */
export async function containerGmsa(container: any, read?: SpecReader): Promise<ContainerGmsa | undefined> {
  const option = credentialSpecOption(container);
  if (option === undefined) return undefined;
  const delivery = deliveryOf(option);
  let text: string | undefined;
  if (delivery.kind === 'raw') text = delivery.json;
  else if (read && (delivery.kind === 'file' || delivery.kind === 'config')) {
    const got = await read(delivery).catch(() => undefined);
    if (got !== undefined) text = typeof got === 'string' ? got : got.toString('utf8');
  }
  const id = text !== undefined ? specIdentity(text) : {};
  const account = id.account ?? labelOf(container);
  const out: ContainerGmsa = { option, delivery, read: text !== undefined };
  if (account !== undefined) out.account = account;
  if (id.domain !== undefined) out.domain = id.domain;
  return out;
}

export interface GmsaPeer {
  name: string;
  hostname: string;
  /** The compose project that made it (label com.docker.compose.project), when one did. */
  composeProject?: string;
}

/**
 * The running containers (but `exceptId`) whose gMSA is `account`, with their hostnames, sorted by name.
 * Compared without case, as Windows compares account names.
 */
export async function runningWithGmsa(client: EngineClient, account: string, o: { read?: SpecReader; exceptId?: string } = {}): Promise<GmsaPeer[]> {
  return (await runningByGmsa(client, [account], o)).get(account.toLowerCase()) ?? [];
}

/**
 * {@link runningWithGmsa} for several gMSAs in one pass over the engine's containers (each inspected
 * once): by lower-cased account name, every asked account present (with no peers: an empty list).
 */
export async function runningByGmsa(client: EngineClient, accounts: Iterable<string>, o: { read?: SpecReader; exceptId?: string } = {}): Promise<Map<string, GmsaPeer[]>> {
  const out = new Map<string, GmsaPeer[]>();
  for (const a of accounts) out.set(a.toLowerCase(), []);
  if (out.size === 0) return out;
  const running = await client.listContainers(false);
  await Promise.all(
    running
      .filter((r) => r?.Id !== o.exceptId)
      .map(async (r) => {
        const c = await client.inspectContainer(String(r.Id));
        if (!c?.State?.Running || (o.exceptId !== undefined && c.Id === o.exceptId)) return;
        const g = await containerGmsa(c, o.read);
        if (g === undefined) return;
        const hostname = String(c.Config?.Hostname ?? '');
        // A spec this machine cannot read, on a container started without docker gmsa: before 2019 its
        // hostname is the gMSA name, which is the best evidence there is.
        const account = (g.account ?? hostname).toLowerCase();
        const peers = out.get(account);
        if (!peers) return;
        const peer: GmsaPeer = { name: String(c.Name ?? r.Names?.[0] ?? r.Id).replace(/^\//, ''), hostname };
        const project = c.Config?.Labels?.['com.docker.compose.project'];
        if (typeof project === 'string' && project !== '') peer.composeProject = project;
        peers.push(peer);
      }),
  );
  for (const peers of out.values()) peers.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

/** The peers whose hostname is `hostname` (without case): the shared-hostname rule's evidence. */
export function sameHostname(peers: readonly GmsaPeer[], hostname: string): string[] {
  return peers.filter((p) => p.hostname.toLowerCase() === hostname.toLowerCase()).map((p) => p.name);
}

/**
 * The reader of {@link containerGmsa}: file:// from the engine's store when this machine reads it (the
 * caller's SpecStore, or none), config:// from the swarm when the engine is a manager (a worker's answer
 * is an error, read as "not readable").
 */
export function specReader(store: { read(name: string): Promise<{ bytes: Buffer }> } | undefined, client?: EngineClient): SpecReader {
  // Many containers name the same spec: each file or config is read once per reader.
  const seen = new Map<string, Promise<Buffer | undefined>>();
  const once = (key: string, read: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> => {
    let p = seen.get(key);
    if (!p) seen.set(key, (p = read()));
    return p;
  };
  return async (d) => {
    if (d.kind === 'file' && store) return once(`file:${d.name.toLowerCase()}`, async () => (await store.read(d.name)).bytes);
    if (d.kind === 'config' && client) {
      return once(`config:${d.id}`, async () => {
        const data = (await client.inspectConfig(d.id))?.Spec?.Data;
        return typeof data === 'string' ? Buffer.from(data, 'base64') : undefined;
      });
    }
    return undefined;
  };
}
