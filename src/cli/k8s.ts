/**
 * `docker gmsa k8s`: the Kubernetes manifests for a gMSA (orchestrators/k8s.ts writes them), and the spec
 * lookup shared with `servicefabric` (resolveOrchestratorSpec: resolveRunSpec with this command's wording).
 */
import type { Command } from 'commander';
import { basename, resolve } from 'node:path';
import { normalizeAccountName } from '../credspec/model';
import { checkSpecName } from '../credspec/naming';
import { GmsaError, UnsupportedEngineError, UsageError } from '../errors';
import type { SpecChoice } from '../engine/run-plan';
import type { SpecStore } from '../credspec/store';
import { DEFAULT_IMAGE, DEFAULT_NAMESPACE, DEFAULT_REPLICAS, DEFAULT_SERVICE_ACCOUNT, planK8s, renderK8sJson, renderK8sYaml, type K8sRequest } from '../orchestrators/k8s';
import type { Deps } from './deps';
import { localStore, looksLikeFile, resolveRunSpec, RUN_WORDING } from './run-spec';
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
 * Finds and validates the spec for ACCOUNT as `run` does (resolveRunSpec): --spec FILE, else --spec NAME or
 * the one spec for ACCOUNT in --root's store or the local engine's. Errors print the report and stop;
 * messages name `command` instead of `run`.
 */
export async function resolveOrchestratorSpec(
  command: string,
  accountArg: string,
  o: { spec?: string; root?: string },
  deps: Deps,
): Promise<OrchestratorSpec> {
  const account = normalizeAccountName(accountArg);
  const isFile = o.spec !== undefined && looksLikeFile(o.spec, deps.cwd);
  let store: SpecStore | undefined;
  if (o.root !== undefined) {
    store = localStore(o.root, undefined, deps.cwd);
  } else if (!isFile) {
    const where = o.spec === undefined ? `the spec of ${account}` : `the spec ${o.spec}`;
    const hint = 'Give the spec file with --spec FILE, or point --root at the Docker root folder whose CredentialSpecs holds it.';
    try {
      store = localStore(undefined, await (await deps.engine()).profile(), deps.cwd);
    } catch (err) {
      if (!(err instanceof GmsaError)) throw err;
      throw new UnsupportedEngineError(`cannot look up ${where} in the engine's CredentialSpecs folder: ${err.message}`, hint);
    }
    if (!store) {
      throw new UnsupportedEngineError(`cannot look up ${where}: the engine's CredentialSpecs folder is not on this machine`, hint);
    }
  }

  const choice: SpecChoice = await resolveRunSpec(account, o.spec, store, deps, {
    ...RUN_WORDING,
    outcome: 'nothing was generated',
    mismatchHint: (primary) => `Run docker gmsa ${command} ${primary}, or pick the spec of ${account} with --spec.`,
  });

  let label: string;
  let path: string | undefined;
  if (isFile) {
    label = o.spec as string;
    path = resolve(deps.cwd, label);
  } else {
    label = choice.storeName ?? o.spec ?? account;
    if (store && choice.storeName) path = store.pathFor(choice.storeName);
  }
  const out: OrchestratorSpec = { ...choice, account, label };
  if (path !== undefined) out.path = path;
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

interface K8sOptions {
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
  program
    .command('k8s')
    .description('Kubernetes manifests for a gMSA: GMSACredentialSpec, RBAC to use it, an example Deployment')
    .argument('<account>', 'the gMSA whose credential spec the manifests carry')
    .option('--namespace <ns>', 'namespace of the RoleBinding and the Deployment', DEFAULT_NAMESPACE)
    .option('--service-account <name>', 'service account the pods run as, allowed to use the spec', DEFAULT_SERVICE_ACCOUNT)
    .option('--name <name>', 'GMSACredentialSpec name (default: the gMSA name in lower case)')
    .option('--spec <name|file>', 'the credential spec (default: the one in the store for ACCOUNT)')
    .addOption(rootOption())
    .option('--image <image>', 'image of the example Deployment', DEFAULT_IMAGE)
    .option('--replicas <n>', 'replicas of the example Deployment', parseReplicas, DEFAULT_REPLICAS)
    .option('--format <format>', 'yaml (default) or json (a List)')
    .addHelpText(
      'after',
      `
Prints one YAML stream to apply with kubectl. The cluster needs the GMSACredentialSpec CRD and the gMSA
admission webhook (github.com/kubernetes-sigs/windows-gmsa) first. The spec is validated before anything is
printed.

Examples:
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
