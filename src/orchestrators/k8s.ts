/**
 * Kubernetes manifests for a gMSA, as kubernetes-sigs/windows-gmsa expects them:
 *
 * 1. the cluster-scoped `GMSACredentialSpec` (windows.k8s.io/v1) holding the credential spec under `credspec:`
 *    with the file's own keys and casing;
 * 2. a ClusterRole allowing verb `use` on that one gmsacredentialspecs resource (the admission webhook runs a
 *    LocalSubjectAccessReview for exactly this: verb use, group windows.k8s.io, the resource name);
 * 3. a RoleBinding granting it to a ServiceAccount in a namespace;
 * 4. an example Deployment naming the spec at pod level (securityContext.windowsOptions.gmsaCredentialSpecName).
 *
 * Output is one YAML stream (or a JSON `List`), written here without a YAML library: every string is plain
 * only when no YAML 1.1 or 1.2 reader can take it for anything else, and double-quoted otherwise.
 *
 * Pure: no file system, no network. Invalid names throw InvalidInputError.
 */
import type { CredentialSpec } from '../credspec/model';
import { InvalidInputError } from '../errors';

// ---------------------------------------------------------------------------------------------------------
// YAML text

/** A JSON-shaped value as YAML block text ending with a newline, printed by the yaml package (compose/yaml-doc.ts). */
export function toYaml(value: unknown): string {
  const { printData } = require('../compose/yaml-doc') as typeof import('../compose/yaml-doc');
  return printData(value);
}

/** `# text` lines; line breaks and other control characters inside a line become spaces. */
export function yamlComment(lines: readonly string[]): string {
  return lines.map((l) => `# ${l.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g, ' ')}`.trimEnd() + '\n').join('');
}

// ---------------------------------------------------------------------------------------------------------
// Kubernetes names

/** The longest NAME accepted: it is also the example Deployment's name and the value of its `app` label. */
export const MAX_RESOURCE_NAME_LENGTH = 63;
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const DEFAULT_IMAGE = 'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022';
export const DEFAULT_REPLICAS = 1;
/** Replicas is an int32 in the Deployment API. */
export const MAX_REPLICAS = 2147483647;

export const CRD_GROUP = 'windows.k8s.io';
export const CRD_VERSION = 'v1';
export const CRD_KIND = 'GMSACredentialSpec';
export const CRD_RESOURCE = 'gmsacredentialspecs';

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

/** Why `value` is not an RFC 1123 label (what namespaces must be), if it is not; undefined when it is. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length > 63) return `it is ${value.length} characters long; at most 63 are allowed`;
  if (!DNS_LABEL.test(value)) return "only lower-case letters, digits and '-' are allowed, starting and ending with a letter or digit";
  return undefined;
}

/**
 * Why `value` is not an RFC 1123 subdomain (what most object names must be) of at most `max` characters,
 * if it is not; undefined when it is.
 */
export function dns1123SubdomainProblem(value: string, max = 253): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length > max) return `it is ${value.length} characters long; at most ${max} are allowed`;
  if (!value.split('.').every((label) => DNS_LABEL.test(label))) {
    return "only lower-case letters, digits, '-' and '.' are allowed, each dot-separated part starting and ending with a letter or digit";
  }
  return undefined;
}

/**
 * The default resource name for a gMSA: the account in lower case, with anything an RFC 1123 subdomain
 * cannot hold turned into '-' (gMSA names may contain '_' and other characters Kubernetes refuses).
 * Empty when nothing usable is left.
 */
export function defaultResourceName(account: string): string {
  const labels = account
    .toLowerCase()
    .split('.')
    .map((l) => l.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((l) => l !== '');
  let name = labels.join('.').slice(0, MAX_RESOURCE_NAME_LENGTH);
  name = name.replace(/[-.]+$/, '');
  return name;
}

function refuseName(flag: string, value: string, problem: string, example: string): never {
  throw new InvalidInputError(`invalid ${flag} ${JSON.stringify(value)}: ${problem}`, `Use a Kubernetes name such as ${example}.`);
}

// ---------------------------------------------------------------------------------------------------------
// The manifests

export interface K8sRequest {
  /** The credential spec as read from its file: every key, in the file's order and casing. */
  spec: CredentialSpec;
  /** GMSACredentialSpec name (default: the gMSA name in lower case). */
  name?: string;
  namespace?: string;
  serviceAccount?: string;
  image?: string;
  replicas?: number;
  /** Where the spec came from (a file or store name), for the header comment. */
  source?: string;
}

export interface K8sDocument {
  /** Comment lines written above the document in YAML (without `# `). */
  comment: string[];
  object: Record<string, unknown>;
}

export interface K8sPlan {
  account: string;
  name: string;
  namespace: string;
  serviceAccount: string;
  clusterRoleName: string;
  roleBindingName: string;
  image: string;
  replicas: number;
  documents: K8sDocument[];
  /** What the cluster must have for the manifests to work (comments in YAML, notes beside JSON). */
  requirements: string[];
}

function checkImage(image: string): string {
  if (image.length === 0 || /[\s\u0000-\u001f\u007f]/.test(image)) {
    throw new InvalidInputError(
      `invalid --image ${JSON.stringify(image)}: an image reference has no spaces or control characters`,
      `Give an image such as ${DEFAULT_IMAGE}.`,
    );
  }
  return image;
}

function checkReplicas(replicas: number): number {
  if (!Number.isSafeInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    throw new InvalidInputError(`invalid --replicas ${String(replicas)}: expected a whole number from 0 to ${MAX_REPLICAS}`, 'Give the number of pods, e.g. --replicas 2.');
  }
  return replicas;
}

/** Validates the names and builds the four objects. Throws InvalidInputError for an unusable name. */
export function planK8s(req: K8sRequest): K8sPlan {
  const account = req.spec.DomainJoinConfig.MachineAccountName;
  const domain = req.spec.DomainJoinConfig.NetBiosName;
  const pluginInput: unknown = req.spec.ActiveDirectoryConfig?.HostAccountConfig?.PluginInput;
  if (pluginInput !== undefined && typeof pluginInput !== 'string') {
    // The GMSACredentialSpec CRD's schema types PluginInput as a string: the API server refuses anything else.
    throw new InvalidInputError(
      `the spec's HostAccountConfig.PluginInput is ${Array.isArray(pluginInput) ? 'an array' : pluginInput === null ? 'null' : 'an object'}, but the ${CRD_KIND} CRD types it as a string`,
      'Object-form PluginInput is for aws/credentials-fetcher on Linux; for Windows nodes write it as a JSON string, e.g. "{\\"credentialArn\\": \\"arn:aws:secretsmanager:...\\"}" (docker gmsa spec create --ccg-plugin aws-ecs --ccg-input ARN).',
    );
  }

  let name: string;
  if (req.name !== undefined) {
    name = req.name;
    const problem = dns1123SubdomainProblem(name, MAX_RESOURCE_NAME_LENGTH);
    if (problem) refuseName('--name', name, problem, defaultResourceName(name) || defaultResourceName(account) || 'webapp01');
  } else {
    name = defaultResourceName(account);
    if (name === '') {
      throw new InvalidInputError(
        `cannot make a Kubernetes name out of the gMSA name ${JSON.stringify(account)}`,
        'Give one with --name, e.g. --name webapp01.',
      );
    }
  }
  const namespace = req.namespace ?? DEFAULT_NAMESPACE;
  const nsProblem = dns1123LabelProblem(namespace);
  if (nsProblem) refuseName('--namespace', namespace, nsProblem, 'default or web-apps');
  const serviceAccount = req.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  const saProblem = dns1123SubdomainProblem(serviceAccount);
  if (saProblem) refuseName('--service-account', serviceAccount, saProblem, `default or ${name}`);
  const image = checkImage(req.image ?? DEFAULT_IMAGE);
  const replicas = checkReplicas(req.replicas ?? DEFAULT_REPLICAS);

  const clusterRoleName = `use-gmsa-${name}`;
  const roleBindingName = `${serviceAccount}-use-gmsa-${name}`;
  const labels = { app: name };

  const requirements = [
    `The cluster needs the ${CRD_KIND} CRD and the gMSA admission webhook (kubernetes-sigs/windows-gmsa) installed first:`,
    `without the CRD, kubectl apply fails with: no matches for kind "${CRD_KIND}" in version "${CRD_GROUP}/${CRD_VERSION}".`,
    'Without the webhook, nothing fills in the credential spec and the pods start without the gMSA.',
  ];

  const credspecDoc: K8sDocument = {
    comment: [
      `gMSA ${domain}\\${account} for Kubernetes, generated by docker gmsa k8s${req.source ? ` from ${req.source}` : ''}.`,
      ...requirements,
      '',
      `1. ${CRD_KIND} ${name} (cluster-scoped): the credential spec, unchanged.`,
    ],
    object: {
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: CRD_KIND,
      metadata: { name },
      credspec: req.spec,
    },
  };

  const clusterRoleDoc: K8sDocument = {
    comment: [
      `2. ClusterRole ${clusterRoleName}: verb "use" on this credential spec and no other.`,
      'The webhook refuses a pod whose service account lacks it ("service account ... is not authorized to `use`',
      'GMSA cred spec ..."). Missing RBAC is the most common failure.',
    ],
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: clusterRoleName },
      rules: [{ apiGroups: [CRD_GROUP], resources: [CRD_RESOURCE], verbs: ['use'], resourceNames: [name] }],
    },
  };

  const bindingComment = [`3. RoleBinding ${roleBindingName}: grants ${clusterRoleName} to the service account ${serviceAccount} in the namespace ${namespace}.`];
  if (serviceAccount !== DEFAULT_SERVICE_ACCOUNT || namespace !== DEFAULT_NAMESPACE) {
    bindingComment.push(`The namespace and the service account must exist (kubectl create serviceaccount ${serviceAccount} -n ${namespace}).`);
  }
  const roleBindingDoc: K8sDocument = {
    comment: bindingComment,
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: roleBindingName, namespace },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
    },
  };

  const deploymentDoc: K8sDocument = {
    comment: [
      `4. Example Deployment ${name}: Windows nodes only, the credential spec named at pod level, run as ${serviceAccount}.`,
      `It is admitted only with the ${CRD_KIND} CRD and the admission webhook installed in the cluster; the webhook`,
      'checks the RBAC above and copies the spec into each pod. Deployed with RANDOM_HOSTNAME=true, the webhook also',
      'gives each pod a random hostname (unless spec.hostname is set), so replicas sharing one gMSA do not lose trust.',
      'Inside, the gMSA is used by Network Service and Local System (IIS app pools use it by default).',
    ],
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: { ...labels } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: serviceAccount,
            securityContext: { windowsOptions: { gmsaCredentialSpecName: name } },
            nodeSelector: { 'kubernetes.io/os': 'windows' },
            containers: [{ name: 'app', image }],
          },
        },
      },
    },
  };

  return {
    account,
    name,
    namespace,
    serviceAccount,
    clusterRoleName,
    roleBindingName,
    image,
    replicas,
    documents: [credspecDoc, clusterRoleDoc, roleBindingDoc, deploymentDoc],
    requirements,
  };
}

/** The manifests as one YAML stream, documents separated by `---`, each with its comment. */
export function renderK8sYaml(plan: K8sPlan): string {
  return plan.documents.map((d) => yamlComment(d.comment) + toYaml(d.object)).join('---\n');
}

/** The manifests as a JSON `List` (what `kubectl get -o json` prints for several objects). */
export function renderK8sJson(plan: K8sPlan): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: plan.documents.map((d) => d.object) }, null, 2)}\n`;
}
