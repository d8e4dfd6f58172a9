/**
 * `docker gmsa run` as a pure planner: from the engine's profile, the credential spec and the user's own
 * `docker run` arguments, the exact `docker run` command that gives the container its gMSA under the rules
 * of that Windows build, or a refusal that says why and what to do instead.
 */
import type { CredentialSpec } from '../credspec/model';
import { isCredentialSpecOpt } from '../credspec/option';
import { BuildRuleError, InvalidInputError, UnsupportedEngineError, UsageError, type GmsaError } from '../errors';
import { allValues, lastValue, parseRunArgs, splitExecArgs, type ParsedDockerArgs } from './docker-args';
import type { HostProfile } from './profile';
import { compareApiVersions, FIRST_GMSA_BUILD, FREE_HOSTNAME_BUILD, RAW_SPEC_API, releaseName } from './windows-builds';
import {
  hostnameRefusal,
  isHyperV,
  isolationRefusal,
  LOCAL_SYSTEM,
  netbiosNote,
  NETWORK_SERVICE,
  refusalError,
  sharedHostnameRefusal,
  singleUseRefusal,
  userRefusal,
  type BuildRefusal,
} from './build-rules';

import { ACCOUNT_LABEL } from './container-gmsa';

export { NETWORK_SERVICE, LOCAL_SYSTEM, isHyperV, ACCOUNT_LABEL };

export type SpecMode = 'auto' | 'file' | 'raw';

export interface SpecChoice {
  /** The file name in the engine's CredentialSpecs folder, when the spec is known to be there. */
  storeName?: string;
  spec: CredentialSpec;
}

export interface RunRequest {
  account: string;
  spec: SpecChoice;
  profile: HostProfile;
  /** The user's arguments after ACCOUNT: [docker run options] IMAGE [COMMAND] [ARG...]. */
  dockerArgs: readonly string[];
  specMode: SpecMode;
  networkService: boolean;
  force: boolean;
  /** Running containers that already use this gMSA (names), for the one-container rule before 17763. */
  othersWithAccount: readonly string[];
  /** Running containers of this gMSA with the hostname given (names), for the shared-hostname rule from 17763. */
  sameHostname?: readonly string[];
  /** A hostname source for 17763+ when the user gives none (injected so tests are deterministic). */
  uniqueHostname: (account: string) => string;
}

export interface RunPlan {
  /** The docker CLI arguments after the global flags: ['run', ...]. */
  argv: string[];
  /** argv as it may be shown (--dry-run): a raw:// spec's PluginInput replaced by {@link REDACTED}. */
  shownArgv: string[];
  hostname: string;
  securityOpt: string;
  /** Things the user should know (stderr). */
  notes: string[];
}

/** A NetBIOS-safe (≤15 characters) hostname unique to this container: the gMSA name cut short plus a suffix. */
export function makeUniqueHostname(account: string, random: () => string): string {
  const suffix = random().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 4).padEnd(4, '0');
  return `${account.slice(0, 10)}-${suffix}`;
}

/** What --dry-run shows instead of a HostAccountConfig's PluginInput (the CCG plugin's secret input). */
export const REDACTED = '<redacted>';

/** True when the spec carries a HostAccountConfig, whose PluginInput is a secret. */
export function carriesHostSecret(spec: CredentialSpec): boolean {
  return spec.ActiveDirectoryConfig.HostAccountConfig !== undefined;
}

/** The spec with its PluginInput replaced by {@link REDACTED}, for output. */
export function redactSpec(spec: CredentialSpec): CredentialSpec {
  const host = spec.ActiveDirectoryConfig.HostAccountConfig;
  if (!host) return spec;
  return { ...spec, ActiveDirectoryConfig: { ...spec.ActiveDirectoryConfig, HostAccountConfig: { ...host, PluginInput: REDACTED } } };
}

/** The credentialspec= value: file:// when the spec is in the engine's store, else raw:// (API 1.40+). */
export function chooseDelivery(req: Pick<RunRequest, 'spec' | 'profile' | 'specMode'>): { value: string; note?: string } {
  const api = req.profile.apiVersion;
  const rawOk = api !== undefined && compareApiVersions(api, RAW_SPEC_API) >= 0;
  const file = req.spec.storeName;
  const raw = (): string => `raw://${JSON.stringify(req.spec.spec)}`;
  switch (req.specMode) {
    case 'file':
      if (!file) {
        throw new UsageError(
          '--spec-mode file needs a spec that is in the engine\'s CredentialSpecs folder',
          'Install it first (docker gmsa spec install FILE), name it with --spec NAME, or use --spec-mode raw.',
        );
      }
      return { value: `file://${file}` };
    case 'raw':
      if (!rawOk) throw rawRefusal(api);
      return { value: raw() };
    default:
      if (file) return { value: `file://${file}` };
      if (!rawOk) throw rawRefusal(api);
      return { value: raw(), note: 'The spec is not in the engine\'s CredentialSpecs folder: it is passed inline (credentialspec=raw://).' };
  }
}

function rawRefusal(api: string | undefined): UnsupportedEngineError {
  return new UnsupportedEngineError(
    `this engine speaks API ${api ?? 'of an unknown version'}; inline specs (raw://) need API ${RAW_SPEC_API} (engine 19.03) or later`,
    "Install the spec into the engine's CredentialSpecs folder (docker gmsa spec install FILE --root <a share of the Docker root>) and run again.",
  );
}

/** The isolation a container gets: the one asked for ('default' means none), else the engine's default. */
export function effectiveIsolation(asked: string | undefined, engineDefault: string | undefined): string | undefined {
  return asked && asked.toLowerCase() !== 'default' ? asked : engineDefault;
}

/** True when Hyper-V isolation with a gMSA hangs or fails on this build (1703, 1709, 1803). */
export function hypervGmsaBroken(build: number, isolation: string | undefined): boolean {
  return isolationRefusal(build, isolation) !== undefined;
}

/** True when `user` is Network Service or Local System, which can use the gMSA only from 1709 (16299) on. */
export function machineIdentityTooEarly(build: number, user: string | undefined): boolean {
  return userRefusal(build, user) !== undefined;
}

/** The refusal of Network Service or SYSTEM before 1709 (build-rules.ts), with the caller's next step. */
export function refuseMachineIdentity(build: number, user: string | undefined, hint: string): void {
  const refused = userRefusal(build, user, { fix: hint });
  if (refused) throw refusalError(refused);
}

export interface HostnameRequest {
  account: string;
  build: number;
  /** The hostname the user gave, if any. */
  given: string | undefined;
  /** Other containers that use the gMSA at the same time (the one-container rule before 17763). */
  othersWithAccount: readonly string[];
  force: boolean;
  uniqueHostname: (account: string) => string;
}

export interface HostnameDecision {
  /** Why the build's rules refuse the container (the caller phrases the error). */
  refused?: 'must-be-account' | 'one-container-per-gmsa';
  hostname: string;
  /** The hostname came from uniqueHostname (17763+, none given). */
  generated: boolean;
  /** Others share the gMSA before 17763 and force allowed it. */
  sharedAnyway: boolean;
}

/**
 * The hostname rule of a build: before 17763 the gMSA name and one container per gMSA; from 17763 on the
 * given hostname, else a unique one.
 */
export function decideHostname(req: HostnameRequest): HostnameDecision {
  if (req.build < FREE_HOSTNAME_BUILD) {
    const hostname = req.given ?? req.account;
    const shared = req.othersWithAccount.length > 0;
    if (req.given !== undefined && req.given.toLowerCase() !== req.account.toLowerCase()) {
      return { refused: 'must-be-account', hostname, generated: false, sharedAnyway: false };
    }
    if (shared && !req.force) return { refused: 'one-container-per-gmsa', hostname, generated: false, sharedAnyway: false };
    return { hostname, generated: false, sharedAnyway: shared };
  }
  if (req.given !== undefined) return { hostname: req.given, generated: false, sharedAnyway: false };
  return { hostname: req.uniqueHostname(req.account), generated: true, sharedAnyway: false };
}

/**
 * Why this engine cannot run any gMSA container, whatever the spec and arguments (checked before the spec
 * is looked up): it is not a Windows engine, or its build predates gMSA support.
 */
export function engineRefusal(p: HostProfile): GmsaError | undefined {
  if (p.osType !== 'windows') {
    return new UnsupportedEngineError(
      `the engine is a ${p.osType} engine: containers with a gMSA need a Windows engine (it refuses credentialspec security options)`,
      'Point docker at a Windows engine (docker --context NAME gmsa run ...), or add --dry-run to see the command.',
    );
  }
  const build = p.windowsBuild ?? FREE_HOSTNAME_BUILD;
  if (build < FIRST_GMSA_BUILD) {
    return new BuildRuleError(`Windows build ${build} predates gMSA support for containers`, 'Use Windows Server 2016 (14393) or later; 2019 (17763) or later is best.');
  }
  return undefined;
}

export function planRun(req: RunRequest): RunPlan {
  const p = req.profile;
  const refused = engineRefusal(p);
  if (refused) throw refused;
  const build = p.windowsBuild ?? FREE_HOSTNAME_BUILD;
  const parsed: ParsedDockerArgs = parseRunArgs(req.dockerArgs);
  const release = releaseName(build) ?? `build ${build}`;
  const notes: string[] = [];

  if (allValues(parsed, 'security-opt').some(isCredentialSpecOpt)) {
    throw new UsageError('--security-opt credentialspec=... is what docker gmsa adds: remove yours', 'Pick the spec with --spec NAME|FILE (before the account).');
  }

  // Isolation: Hyper-V with a gMSA hangs or fails on 1703/1709/1803.
  const asked = lastValue(parsed, 'isolation');
  const isolation = effectiveIsolation(asked, p.isolation);
  const isoRefused = isolationRefusal(build, isolation, { engineDefault: !asked });
  if (isoRefused) throw refusalError(isoRefused);

  // User: Network Service when asked; it needs 1709 (16299) or later.
  const user = lastValue(parsed, 'user');
  if (req.networkService && user !== undefined) {
    throw new UsageError(`--network-service and --user ${user} both set the user`, 'Keep one of them.');
  }
  const effectiveUser = req.networkService ? NETWORK_SERVICE : user;
  const userRefused = userRefusal(build, effectiveUser);
  if (userRefused) throw refusalError(userRefused);

  // Hostname.
  const given = lastValue(parsed, 'hostname');
  const decided = decideHostname({ account: req.account, build, given, othersWithAccount: req.othersWithAccount, force: req.force, uniqueHostname: req.uniqueHostname });
  if (decided.refused === 'must-be-account') throw refusalError(hostnameRefusal(build, req.account, given) as BuildRefusal);
  if (decided.refused === 'one-container-per-gmsa') throw refusalError(singleUseRefusal(build, req.account, req.othersWithAccount, false) as BuildRefusal);
  const sharedRefused = sharedHostnameRefusal(build, req.account, given, req.sameHostname ?? [], req.force);
  if (sharedRefused) throw refusalError(sharedRefused);
  if (given !== undefined && (req.sameHostname ?? []).length > 0 && build >= FREE_HOSTNAME_BUILD) {
    notes.push(`Warning: ${(req.sameHostname ?? []).join(', ')} also run${(req.sameHostname ?? []).length === 1 ? 's' : ''} with ${req.account} and the hostname ${given}: expect intermittent trust failures.`);
  }
  if (decided.sharedAnyway) notes.push(`Warning: ${req.othersWithAccount.join(', ')} also use ${req.account}: expect intermittent trust failures on ${release}.`);
  const hostname = decided.hostname;
  if (decided.generated) notes.push(`Hostname ${hostname}: each container with one gMSA needs its own hostname on ${release} (the network still sees the gMSA name).`);
  const longName = netbiosNote(hostname);
  if (longName) notes.push(longName);

  const delivery = chooseDelivery(req);
  const inlineSecret = delivery.value.startsWith('raw://') && carriesHostSecret(req.spec.spec);
  if (inlineSecret && req.specMode !== 'raw') {
    // Whatever runs docker run shows its arguments to every local user (ps) while the container runs.
    throw new InvalidInputError(
      `the credential spec of ${req.account} has a HostAccountConfig (its PluginInput is the CCG plugin's secret input) and is not in the engine's CredentialSpecs folder: passed inline (raw://) it would be on the docker run command line, which every user of this machine can read (ps), and in the container's configuration (docker inspect)`,
      `Install it into the engine's store (docker gmsa spec install FILE, with --root DIR when the engine is remote) and run with --spec NAME, or pass --spec-mode raw to send it inline anyway.`,
    );
  }
  if (inlineSecret) {
    notes.push(`Warning: --spec-mode raw puts the spec's HostAccountConfig (PluginInput included) on the docker run command line: every user of this machine can read it (ps) while docker runs, and docker inspect shows it.`);
  } else if (delivery.note) {
    notes.push(delivery.note);
  }
  const securityOpt = `credentialspec=${delivery.value}`;
  const shownOpt = inlineSecret ? `credentialspec=raw://${JSON.stringify(redactSpec(req.spec.spec))}` : securityOpt;

  const injected = ['--security-opt', securityOpt, '--label', `${ACCOUNT_LABEL}=${req.account}`];
  if (given === undefined) injected.push('--hostname', hostname);
  if (req.networkService) injected.push('--user', NETWORK_SERVICE);
  const argv = ['run', ...injected, ...req.dockerArgs];
  const shownArgv = argv.map((a, i) => (i === 2 && a === securityOpt ? shownOpt : a));
  return { argv, shownArgv, hostname, securityOpt, notes };
}

/** Our flags of `docker gmsa exec`, accepted anywhere among docker exec's options before CONTAINER. */
export const EXEC_OWN_FLAGS = ['network-service', 'system', 'dry-run', 'help'] as const;

export interface ExecFlags {
  help?: boolean;
  networkService?: boolean;
  system?: boolean;
  dryRun?: boolean;
}

export interface ExecPlan {
  /** --help (or -h) stood before CONTAINER: show the help, run nothing. */
  help: boolean;
  dryRun: boolean;
  identity: string;
  /** The docker CLI arguments after the global flags: ['exec', '--user', identity, ...the user's]. */
  argv: string[];
}

/**
 * `docker gmsa exec` as a pure planner: our flags out of the user's arguments (commander reads the ones in
 * front, the rest may stand among docker's options), docker's options kept as given, the identity set.
 * The build rule needs the engine: checkExecEngine.
 */
export function planExec(args: readonly string[], given: ExecFlags): ExecPlan {
  if (given.help) return { help: true, dryRun: given.dryRun === true, identity: given.system ? LOCAL_SYSTEM : NETWORK_SERVICE, argv: [] };
  const split = splitExecArgs(args, EXEC_OWN_FLAGS);
  const networkService = given.networkService === true || split.own.has('network-service');
  const system = given.system === true || split.own.has('system');
  const dryRun = given.dryRun === true || split.own.has('dry-run');
  const identity = system ? LOCAL_SYSTEM : NETWORK_SERVICE;
  if (split.own.has('help')) return { help: true, dryRun, identity, argv: [] };
  if (networkService && system) throw new UsageError('--network-service and --system exclude each other', 'Pick one.');
  if (split.parsed.rest.length === 0) throw new UsageError('missing COMMAND', 'Usage: docker gmsa exec [options] CONTAINER COMMAND [ARG...]');
  const user = lastValue(split.parsed, 'user');
  if (user !== undefined) throw new UsageError(`--user ${user} conflicts with the identity docker gmsa sets`, 'Drop --user, or use docker exec directly.');
  return { help: false, dryRun, identity, argv: ['exec', '--user', identity, ...split.dockerArgs] };
}

/** The engine's side of exec: Network Service and SYSTEM use the gMSA only from 1709 on. */
export function checkExecEngine(plan: ExecPlan, profile: HostProfile): void {
  if (profile.osType !== 'windows' || profile.windowsBuild === undefined) return;
  refuseMachineIdentity(profile.windowsBuild, plan.identity, 'On this host, use docker exec directly (as ContainerAdministrator).');
}
