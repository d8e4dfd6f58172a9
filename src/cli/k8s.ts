/**
 * `docker gmsa k8s`: the Kubernetes manifests for a gMSA (orchestrators/k8s.ts writes them), and the spec
 * lookup shared with `servicefabric` (resolveOrchestratorSpec: the one lookup, cli/spec-lookup.ts, with this command's wording).
 */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { normalizeAccountName } from '../credspec/model';
import { checkSpecName, defaultSpecFileName } from '../credspec/naming';
import { UsageError } from '../errors';
import type { SpecChoice } from '../engine/run-plan';
import { DEFAULT_IMAGE, DEFAULT_NAMESPACE, DEFAULT_REPLICAS, DEFAULT_SERVICE_ACCOUNT, planK8s, renderK8sJson, renderK8sYaml, type K8sRequest } from '../orchestrators/k8s';
import type { Deps } from './deps';
import { addLookupOptions, lookupDirectory, type LookupFlags } from './ad-shared';
import { RUN_WORDING } from './run-spec';
import { rootOption } from './spec-shared';

/** The spec an orchestrator command generates from, and where it came from. */
export interface OrchestratorSpec extends SpecChoice {
  /** The bare gMSA name as typed (no domain, no $). */
  account: string;
  /** What the user named: the store name, or the --spec argument. */
  label: string;
  /** The file on this machine, when the spec came from a file or the store. */
  path?: string;
}

/**
 * The spec for ACCOUNT by the one lookup (cli/spec-lookup.ts): --spec, else the store of --root or of the
 * engine the docker CLI would use (when this machine reads it), else built from Active Directory. Errors
 * print the report and stop; messages name `command` instead of `run`.
 */
export async function resolveOrchestratorSpec(
  command: string,
  accountArg: string,
  o: { spec?: string; root?: string } & LookupFlags,
  deps: Deps,
): Promise<OrchestratorSpec> {
  const { findSpec, offlineWanted } = require('./spec-lookup') as typeof import('./spec-lookup');
  const account = normalizeAccountName(accountArg);
  const found = await findSpec(
    {
      account,
      ...(o.spec !== undefined ? { spec: o.spec } : {}),
      ...(o.root !== undefined ? { root: o.root } : {}),
      profile: 'ask',
      directory: lookupDirectory(o),
      offline: offlineWanted(o.offline, deps.env),
      wording: {
        ...RUN_WORDING,
        outcome: 'nothing was generated',
        mismatchHint: (primary) => `Run docker gmsa ${command} ${primary}, or pick the spec of ${account} with --spec.`,
        remoteHint: () => 'Give the spec file with --spec FILE, or point --root at the Docker root folder whose CredentialSpecs holds it.',
      },
    },
    deps,
  );
  const out: OrchestratorSpec = { spec: found.spec, account, label: found.origin.kind === 'directory' ? defaultSpecFileName(found.spec.DomainJoinConfig.NetBiosName, account) : found.label };
  if (found.storeName !== undefined) out.storeName = found.storeName;
  if (found.path !== undefined) out.path = found.path;
  return out;
}

/** The file name the spec has (or gets with `spec install`) in a CredentialSpecs folder. */
export function specFileName(spec: OrchestratorSpec): string {
  if (spec.storeName) return spec.storeName;
  return checkSpecName(basename(spec.path ?? spec.label));
}

function parseReplicas(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw new UsageError(`invalid --replicas "${value}"`, 'Give a whole number of pods, e.g. --replicas 2.');
  return Number(value);
}

interface K8sOptions extends LookupFlags {
  namespace?: string;
  serviceAccount?: string;
  name?: string;
  spec?: string;
  root?: string;
  image?: string;
  replicas?: number;
  format?: string;
}

export function registerK8s(program: Command, deps: Deps): void {
  const cmd = program
    .command('k8s')
    .description('Kubernetes manifests for a gMSA: GMSACredentialSpec, RBAC to use it, an example Deployment')
    .argument('<account>', 'the gMSA whose credential spec the manifests carry')
    .option('--namespace <ns>', 'namespace of the RoleBinding and the Deployment', DEFAULT_NAMESPACE)
    .option('--service-account <name>', 'service account the pods run as, allowed to use the spec', DEFAULT_SERVICE_ACCOUNT)
    .option('--name <name>', 'GMSACredentialSpec name (default: the gMSA name in lower case)')
    .option('--spec <name|file>', 'the credential spec (default: found by the lookup: the store, swarm configs, Active Directory)')
    .addOption(rootOption())
    .option('--image <image>', 'image of the example Deployment', DEFAULT_IMAGE)
    .option('--replicas <n>', 'replicas of the example Deployment', parseReplicas, DEFAULT_REPLICAS)
    .option('--format <format>', 'yaml (default) or json (a List)');
  addLookupOptions(cmd)
    .addHelpText(
      'after',
      `
Prints one YAML stream to apply with kubectl. The cluster needs the GMSACredentialSpec CRD and the gMSA
admission webhook (github.com/kubernetes-sigs/windows-gmsa) first. The spec is validated before anything is
printed. Without --spec or --root the spec is the engine's (when this machine reads its CredentialSpecs
folder), else built from Active Directory as spec create builds it (GMSA_DOMAIN/GMSA_LDAP_URL or
--domain/--server; never with --offline).

Examples:
  docker gmsa k8s webapp01 --server ldaps://dc01.contoso.com > webapp01.yaml
  docker gmsa k8s webapp01 --root /mnt/docker > webapp01.yaml
  docker gmsa k8s webapp01 --spec ./contoso_webapp01.json --namespace shop --service-account web | kubectl apply -f -`,
    )
    .action(async (account: string, o: K8sOptions) => {
      const format = o.format ?? 'yaml';
      if (format !== 'yaml' && format !== 'json') throw new UsageError(`unknown format "${format}"`, 'Use --format yaml or --format json.');
      const spec = await resolveOrchestratorSpec('k8s', account, o, deps);
      const req: K8sRequest = { spec: spec.spec, source: spec.storeName ?? basename(spec.label) };
      if (o.name !== undefined) req.name = o.name;
      if (o.namespace !== undefined) req.namespace = o.namespace;
      if (o.serviceAccount !== undefined) req.serviceAccount = o.serviceAccount;
      if (o.image !== undefined) req.image = o.image;
      if (o.replicas !== undefined) req.replicas = o.replicas;
      const plan = planK8s(req);
      if (format === 'json') {
        deps.io.out(renderK8sJson(plan));
        deps.io.err(plan.requirements.join('\n') + '\n');
      } else {
        deps.io.out(renderK8sYaml(plan));
      }
    });
}
