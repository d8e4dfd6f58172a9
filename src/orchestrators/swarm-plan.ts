/**
 * `docker gmsa service create|update` as pure planners: from the credential spec's config, the Windows
 * build the tasks will run on and the user's own `docker service create|update` arguments, the exact
 * docker command to run, or a refusal that says why and what to do instead.
 *
 * The docker CLI does the attaching: `--credential-spec config://NAME` makes it look the config up, store
 * its ID in Privileges.CredentialSpec.Config and add it to ContainerSpec.Configs with a Runtime target. On
 * `service update` the CLI 28 also drops the previous Runtime config, but it adds the named config a
 * second time when it is already the service's credential spec, so an unchanged spec is never passed again.
 *
 * Hostnames (tasks on one gMSA):
 * - before Windows Server 2019 (17763) the hostname must be the gMSA name and only one container per gMSA
 *   may run at a time: `--hostname ACCOUNT` is added, and anything that runs two tasks at once (replicas
 *   above 1, global mode, start-first updates, another service on the same gMSA) is refused unless --force;
 * - from 17763 on the hostname is free, but several containers sharing a gMSA and a hostname can lose their
 *   trust (microsoft/Windows-Containers#405), so each task gets its own: the swarm template
 *   `<account, 8 chars>-{{printf "%.6s" .Task.ID}}`, expanded when the task is created (at most 15
 *   characters, NetBIOS's limit). `.Task.Slot` would not do: every task of a global service has slot 0, and
 *   two services on one gMSA both have a slot 1. A `--hostname` of the user's own is kept.
 */
import { BuildRuleError, UnsupportedEngineError, UsageError } from '../errors';
import { hostnameRefusal, isolationRefusal, netbiosNote, refusalError, sharedHostnameRefusal, userRefusal } from '../engine/build-rules';
import { allValues, lastValue, parseServiceCreateArgs, parseServiceUpdateArgs, type ParsedDockerArgs } from '../engine/docker-args';
import { describeEndpoint, type ResolvedEndpoint } from '../engine/endpoint';
import type { HostProfile } from '../engine/profile';
import { NETWORK_SERVICE } from '../engine/run-plan';
import {
  compareApiVersions,
  FIRST_GMSA_BUILD,
  FREE_HOSTNAME_BUILD,
  RAW_SPEC_API,
  releaseName,
} from '../engine/windows-builds';
import { ACCOUNT_LABEL } from './swarm-config';
import type { BuildDecision } from './swarm-nodes';

/** NetBIOS names are at most 15 characters. */
export const MAX_HOSTNAME = 15;
const TASK_ID_CHARS = 6;

/**
 * Why this engine cannot take swarm gMSA commands, or undefined when it can: it must be an active swarm
 * manager, speaking API 1.40+ (Runtime configs, engine 19.03).
 */
export function managerRefusal(profile: HostProfile, endpoint: Pick<ResolvedEndpoint, 'host' | 'contextName' | 'source'>): UnsupportedEngineError | undefined {
  const where = describeEndpoint(endpoint);
  if (profile.swarm.role === 'worker') {
    return new UnsupportedEngineError(
      `the Docker engine at ${where} is a swarm worker; configs and services can only be managed on a swarm manager`,
      'Point docker at a manager (docker --context MANAGER gmsa ..., or -H), or promote this node from a manager (docker node promote NODE).',
    );
  }
  if (profile.swarm.role !== 'manager') {
    return new UnsupportedEngineError(
      `the Docker engine at ${where} is not a swarm manager (swarm state: ${profile.swarm.state}); gMSA services need one`,
      'Point docker at a swarm manager (docker --context MANAGER gmsa ..., or -H), or make this engine one: docker swarm init.',
    );
  }
  if (profile.apiVersion !== undefined && compareApiVersions(profile.apiVersion, RAW_SPEC_API) < 0) {
    return new UnsupportedEngineError(
      `the swarm manager at ${where} speaks API ${profile.apiVersion}; credential specs in configs need API ${RAW_SPEC_API} (engine 19.03) or later`,
      'Upgrade the managers\' engines to 19.03 or later.',
    );
  }
  return undefined;
}

/** The per-task hostname template for 17763+: at most 15 characters once swarm expands it. */
export function serviceHostnameTemplate(account: string): string {
  const prefix = account.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_HOSTNAME - 1 - TASK_ID_CHARS).replace(/-+$/, '');
  return `${prefix || 'gmsa'}-{{printf "%.${TASK_ID_CHARS}s" .Task.ID}}`;
}

function isTemplate(hostname: string): boolean {
  return hostname.includes('{{');
}

function credentialSpecGiven(p: ParsedDockerArgs): boolean {
  return p.options.some((o) => o.name === 'credential-spec');
}

function uint(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

export interface ServiceCreateRequest {
  account: string;
  /** The config holding the spec (created or reused before the command runs). */
  configName: string;
  build: BuildDecision;
  /** The user's arguments after ACCOUNT: [docker service create options] IMAGE [COMMAND] [ARG...]. */
  dockerArgs: readonly string[];
  networkService: boolean;
  force: boolean;
  /** Other services that already use this gMSA (names), for the one-container rule before 17763. */
  othersWithAccount: readonly string[];
}

export interface ServicePlan {
  /** The docker CLI arguments after the global flags: ['service', 'create', ...]. */
  argv: string[];
  /** The hostname the tasks get (a template from 17763 on). */
  hostname: string;
  /** Things the user should know (stderr). */
  notes: string[];
}

/** How many tasks of this service can run at the same time, as far as the arguments tell. */
function concurrentTasks(p: ParsedDockerArgs): { count: number; why: string } {
  const mode = (lastValue(p, 'mode') ?? 'replicated').toLowerCase();
  if (mode === 'global' || mode === 'global-job') return { count: Infinity, why: `--mode ${mode} runs a task on every eligible node` };
  const replicas = uint(lastValue(p, 'replicas')) ?? 1;
  if (mode === 'replicated-job') {
    const concurrent = uint(lastValue(p, 'max-concurrent')) ?? replicas;
    return { count: concurrent, why: `--mode replicated-job runs ${concurrent} task${concurrent === 1 ? '' : 's'} at a time` };
  }
  return { count: replicas, why: `--replicas ${replicas}` };
}

export function planServiceCreate(req: ServiceCreateRequest): ServicePlan {
  const parsed = parseServiceCreateArgs(req.dockerArgs);
  if (credentialSpecGiven(parsed)) {
    throw new UsageError('--credential-spec is what docker gmsa adds: remove yours', 'Pick the spec with --spec NAME|FILE (before the account).');
  }
  const build = req.build.build;
  const release = releaseName(build);
  if (build < FIRST_GMSA_BUILD) {
    throw new BuildRuleError(`Windows build ${build} predates gMSA support for containers`, 'Use Windows Server 2016 (14393) or later on the Windows nodes; 2019 (17763) or later is best.');
  }
  const notes: string[] = [req.build.note];

  const isolation = lastValue(parsed, 'isolation');
  const isoRefused = isolationRefusal(build, isolation, { fix: 'Use --isolation process.' });
  if (isoRefused) throw refusalError(isoRefused);

  const user = lastValue(parsed, 'user');
  if (req.networkService && user !== undefined) {
    throw new UsageError(`--network-service and --user ${user} both set the user`, 'Keep one of them.');
  }
  const effectiveUser = req.networkService ? NETWORK_SERVICE : user;
  const userRefused = userRefusal(build, effectiveUser, { tasks: true, fix: 'Run the app as ContainerAdministrator (the default) there, or move the Windows nodes to Windows Server 2019.' });
  if (userRefused) throw refusalError(userRefused);

  const given = lastValue(parsed, 'hostname');
  const tasks = concurrentTasks(parsed);
  let hostname: string;
  if (build < FREE_HOSTNAME_BUILD) {
    const hostRefused = hostnameRefusal(build, req.account, given, `Drop --hostname (docker gmsa sets it to ${req.account}), or run the service on Windows Server 2019 (17763) or later nodes.`, 'task');
    if (hostRefused) throw refusalError(hostRefused);
    const twice: string[] = [];
    if (tasks.count > 1) twice.push(tasks.why);
    for (const flag of ['update-order', 'rollback-order']) {
      if ((lastValue(parsed, flag) ?? '').toLowerCase() === 'start-first') twice.push(`--${flag} start-first starts the new task before the old one stops`);
    }
    if (req.othersWithAccount.length > 0) {
      twice.push(`the service${req.othersWithAccount.length === 1 ? '' : 's'} ${req.othersWithAccount.join(', ')} already use${req.othersWithAccount.length === 1 ? 's' : ''} the gMSA ${req.account}`);
    }
    if (twice.length > 0 && !req.force) {
      throw new BuildRuleError(
        `on ${release} only one container per gMSA may run at a time (two race at the domain controller and lose their trust), and ${twice.join('; ')}`,
        `Run one task (--replicas 1, --mode replicated, stop-first updates) per gMSA, give each service its own gMSA, move to Windows Server 2019 nodes, or pass --force if you accept intermittent failures.`,
      );
    }
    if (twice.length > 0) notes.push(`Warning: ${twice.join('; ')}: expect intermittent trust failures on ${release}.`);
    hostname = given ?? req.account;
    if (given === undefined) notes.push(`Hostname ${hostname}: on ${release} the tasks' hostname must be the gMSA name.`);
  } else if (given !== undefined) {
    hostname = given;
    if (!isTemplate(given) && tasks.count > 1) {
      const fix = `Leave --hostname out (docker gmsa gives each task its own), use a template such as ${serviceHostnameTemplate(req.account)}, or pass --force if you accept intermittent failures.`;
      const shared = sharedHostnameRefusal(build, req.account, given, [`all the tasks (${tasks.why})`], req.force, { fix, planned: true });
      if (shared) throw refusalError(shared);
      notes.push(`Warning: every task gets the hostname ${given} (${tasks.why}); containers sharing one gMSA and one hostname can lose their trust (--force).`);
    }
  } else {
    hostname = serviceHostnameTemplate(req.account);
    notes.push(`Hostname ${hostname}: a name per task, expanded by swarm when the task starts (at most ${MAX_HOSTNAME} characters).`);
  }
  const longName = isTemplate(hostname) ? undefined : netbiosNote(hostname);
  if (longName) notes.push(longName);
  const constraints = allValues(parsed, 'constraint');
  if (parsed.options.some((o) => o.name === 'no-resolve-image') && !constraints.some((c) => /node\.platform\.os/i.test(c))) {
    // Swarm places an image by the platforms the CLI resolved from the registry; without them a Windows
    // image can be scheduled on a Linux node (where it fails).
    notes.push('Note: with --no-resolve-image swarm does not know the image is a Windows image; add --constraint node.platform.os==windows on a mixed swarm.');
  }

  const injected = ['--credential-spec', `config://${req.configName}`, '--label', `${ACCOUNT_LABEL}=${req.account}`, '--container-label', `${ACCOUNT_LABEL}=${req.account}`];
  if (given === undefined) injected.push('--hostname', hostname);
  if (req.networkService) injected.push('--user', NETWORK_SERVICE);
  return { argv: ['service', 'create', ...injected, ...req.dockerArgs], hostname, notes };
}

/** The service's current credential spec config, as far as the engine tells. */
export interface CurrentConfig {
  id: string;
  name?: string;
  /** io.docker-gmsa.account, when the config has it. */
  account?: string;
  /** io.docker-gmsa.sha256, when the config has it. */
  sha256?: string;
}

export interface ServiceUpdateRequest {
  account: string;
  /** The service as GET /services/{id} returns it. */
  service: any;
  /** The config that holds the new spec: its name, and its ID when it exists already. */
  config: { name: string; id?: string; sha256: string };
  /** The config the service's credential spec points at now, when it points at one. */
  current?: CurrentConfig;
  /** The user's arguments after ACCOUNT: [docker service update options] SERVICE. */
  dockerArgs: readonly string[];
  networkService: boolean;
}

export interface UpdatePlan {
  /** The docker CLI arguments after the global flags, or undefined when there is nothing to run. */
  argv?: string[];
  /** The credential spec changes (a new config goes in). */
  changed: boolean;
  /** The service as the user named it. */
  service: string;
  notes: string[];
}

export function planServiceUpdate(req: ServiceUpdateRequest): UpdatePlan {
  const parsed = parseServiceUpdateArgs(req.dockerArgs);
  if (parsed.rest.length > 0) {
    throw new UsageError(`docker service update takes one SERVICE, not ${[parsed.target, ...parsed.rest].join(' ')}`, 'Usage: docker gmsa service update [options] ACCOUNT [docker service update options] SERVICE');
  }
  if (credentialSpecGiven(parsed)) {
    throw new UsageError('--credential-spec is what docker gmsa adds: remove yours', 'Pick the spec with --spec NAME|FILE (before the account).');
  }
  const serviceName = parsed.target;
  const spec = req.service?.Spec ?? {};
  const container = spec.TaskTemplate?.ContainerSpec;
  if (!container) {
    throw new UnsupportedEngineError(`${serviceName} is not a container service (it has no ContainerSpec)`, 'Credential specs apply to container services only.');
  }
  const notes: string[] = [];
  const current = req.current;
  const changed = !(current !== undefined && (current.id === req.config.id || (current.sha256 !== undefined && current.sha256 === req.config.sha256)));

  const extra: string[] = [];
  const user = lastValue(parsed, 'user');
  if (req.networkService) {
    if (user !== undefined) throw new UsageError(`--network-service and --user ${user} both set the user`, 'Keep one of them.');
    if (String(container.User ?? '').toLowerCase() !== NETWORK_SERVICE.toLowerCase()) extra.push('--user', NETWORK_SERVICE);
  }

  if (!changed) {
    const argv = extra.length > 0 || parsed.options.length > 0 ? ['service', 'update', ...extra, ...req.dockerArgs] : undefined;
    return { argv, changed: false, service: serviceName, notes };
  }

  const injected = ['--credential-spec', `config://${req.config.name}`];
  const oldAccount = current?.account ?? (typeof spec.Labels?.[ACCOUNT_LABEL] === 'string' ? (spec.Labels[ACCOUNT_LABEL] as string) : undefined);
  const hadSpec = container.Privileges?.CredentialSpec && Object.values(container.Privileges.CredentialSpec as Record<string, unknown>).some((v) => typeof v === 'string' && v !== '');
  if (oldAccount === undefined || oldAccount.toLowerCase() !== req.account.toLowerCase()) {
    injected.push('--label-add', `${ACCOUNT_LABEL}=${req.account}`, '--container-label-add', `${ACCOUNT_LABEL}=${req.account}`);
  }
  const given = lastValue(parsed, 'hostname');
  const hostname = String(container.Hostname ?? '');
  if (oldAccount !== undefined && oldAccount.toLowerCase() !== req.account.toLowerCase()) {
    notes.push(`${serviceName} used the gMSA ${oldAccount}; it now uses ${req.account}.`);
    if (given === undefined && hostname.toLowerCase() === oldAccount.toLowerCase()) {
      injected.push('--hostname', req.account);
      notes.push(`Hostname ${hostname} was the old gMSA name: it becomes ${req.account}.`);
    } else if (given === undefined && hostname === serviceHostnameTemplate(oldAccount)) {
      injected.push('--hostname', serviceHostnameTemplate(req.account));
    }
  } else if (!hadSpec) {
    if (given === undefined && hostname.toLowerCase() !== req.account.toLowerCase()) {
      notes.push(
        `${serviceName} had no credential spec; its hostname is left as it is${hostname ? ` (${hostname})` : ''}. On Windows nodes older than Windows Server 2019 it must be the gMSA name: add --hostname ${req.account}.`,
      );
    }
  }
  return { argv: ['service', 'update', ...injected, ...extra, ...req.dockerArgs], changed: true, service: serviceName, notes };
}
