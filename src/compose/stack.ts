/**
 * `docker gmsa stack deploy` as pure steps on parsed compose files:
 *
 * 1. `hideConfigSpecs`: a `credential_spec: {config: X}` the user wrote is left as it is. The compose
 *    reader refuses `config:` (docker compose cannot use it), so these pairs are renamed for the reading
 *    and the rewrite, and named back before printing.
 * 2. `planStack`: for every service with `x-gmsa` or `credential_spec.file`, the swarm config that holds
 *    its spec (created by the plugin, content-addressed, `external: true` in the file), and the hostname
 *    and user by the Windows build of the nodes it may run on (the rules of `service create`: before
 *    17763 the gMSA name and one task per gMSA unless --force; from 17763 a per-task hostname template).
 *    `security_opt: [credentialspec=...]` is ignored by docker stack deploy, so it is dropped, with a
 *    warning.
 * 3. `stackEdits`: the plan as edits for the one edit pass (compose/rewrite.ts, shared with `compose`):
 *    x-gmsa, credential_spec and credentialspec security_opt entries out, `credential_spec: {config}`,
 *    hostname and user in, a top-level `configs: NAME: {external: true}`, the kept credential_specs named
 *    back before printing, and the relative paths docker stack deploy resolves from the first file's
 *    folder (configs/secrets file, env_file, bind sources) made absolute, since the copies live in a
 *    temporary folder. `applyStack` runs the pass on them.
 */
import type { Pair } from 'yaml';
import { isCredentialSpecOpt } from '../credspec/option';
import { BuildRuleError, InvalidInputError, UsageError } from '../errors';
import { hostnameRefusal, isolationRefusal, refusalError, sharedHostnameRefusal, userRefusal } from '../engine/build-rules';
import { NETWORK_SERVICE } from '../engine/run-plan';
import { FIRST_GMSA_BUILD, FREE_HOSTNAME_BUILD, releaseName } from '../engine/windows-builds';
import { serviceHostnameTemplate, MAX_HOSTNAME } from '../orchestrators/swarm-plan';
import type { BuildDecision } from '../orchestrators/swarm-nodes';
import { escapeInterpolation, interpolate, type Lookup } from './env';
import { CREDENTIAL_SPEC_KEY, GMSA_KEY, where, type ComposeProject, type ComposeService, type GmsaRequest } from './project';
import { applyEdits, ownIndex, siteData, type EditPlan, type KeyEdit, type RewrittenFile, type ServiceEdit } from './rewrite';
import { deref, effectiveEntry, holdersOf, isScalar, serviceMaps, toData, type ComposeDoc } from './yaml-doc';

type Data = Record<string, unknown>;

/** The key a user's `credential_spec: {config: X}` wears while the compose reader looks at the file. */
const HIDDEN_KEY = 'x-gmsa-stack-kept-credential-spec';

export interface HiddenConfigSpecs {
  /** Service names whose effective credential_spec is a config of the user's (left as it is). */
  services: Set<string>;
  /** Puts the original key back (before printing). */
  restore(): void;
}

function isObj(v: unknown): v is Data {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function hasConfig(file: ComposeDoc, pair: Pair): boolean {
  const d = toData(file.doc, deref(file.doc, pair.value));
  return isObj(d) && d.config !== undefined && d.config !== null;
}

/**
 * Renames every `credential_spec` whose value has `config:` (in a service or a map it merges) so the
 * compose reader does not see it. A service counts as keeping its config when its last credential_spec
 * (in file order) is one of them.
 */
export function hideConfigSpecs(files: readonly ComposeDoc[]): HiddenConfigSpecs {
  const renamed: Array<{ key: { value: unknown } }> = [];
  const last = new Map<string, boolean>();
  for (const file of files) {
    for (const { name, map } of serviceMaps(file)) {
      const entry = effectiveEntry(file.doc, map, CREDENTIAL_SPEC_KEY);
      if (entry) last.set(name, hasConfig(file, entry.pair));
      for (const holder of holdersOf(file.doc, map, CREDENTIAL_SPEC_KEY)) {
        const pair = holder.items[ownIndex(holder, CREDENTIAL_SPEC_KEY)] as Pair;
        if (!hasConfig(file, pair) || !isScalar(pair.key)) continue;
        pair.key.value = HIDDEN_KEY;
        renamed.push(pair as unknown as { key: { value: unknown } });
      }
    }
  }
  return {
    services: new Set([...last].filter(([, v]) => v).map(([k]) => k)),
    restore: () => {
      for (const p of renamed) p.key.value = CREDENTIAL_SPEC_KEY;
      renamed.length = 0;
    },
  };
}

/** What the plugin knows of a requested service's spec: its gMSA and the config holding it. */
export interface StackSpec {
  account: string;
  configName: string;
}

export interface StackPlanInput {
  project: ComposeProject;
  stack: string;
  lookup: Lookup;
  /** By service name, for every service with an x-gmsa or credential_spec.file request. */
  specs: ReadonlyMap<string, StackSpec>;
  /** Services that keep their own credential_spec.config. */
  kept: ReadonlySet<string>;
  /** The build decision for a service placed with these constraints. */
  buildFor: (constraints: readonly string[]) => BuildDecision;
  force: boolean;
  /** Services outside this stack that already use the gMSA (by lower-case account name). */
  othersOnSwarm: ReadonlyMap<string, readonly string[]>;
}

export interface StackDecision {
  service: ComposeService;
  /** The gMSA request that becomes credential_spec: {config} (absent: only security_opt is cleaned). */
  request?: GmsaRequest;
  account?: string;
  configName?: string;
  hostname?: string;
  user?: string;
  /** security_opt entries removed (credentialspec=...). */
  dropped: string[];
}

export interface StackPlan {
  decisions: StackDecision[];
  /** Configs to put in the top-level configs: as external, by the file that gets them. */
  notes: string[];
}

/** The service's settings, merged over its files (maps merged, the last value wins otherwise). */
function mergedData(svc: ComposeService): Data {
  const merge = (a: unknown, b: unknown): unknown => (isObj(a) && isObj(b) ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in b ? merge(a[k], b[k]) : a[k]])) : b);
  let out: Data = {};
  for (const site of svc.sites) out = merge(out, siteData(site) ?? {}) as Data;
  return out;
}

function text(v: unknown, lookup: Lookup): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return undefined;
  try {
    return interpolate(v, lookup).value;
  } catch {
    return v;
  }
}

/** deploy.placement.constraints over every file of the service (compose appends them). */
function constraintsOf(svc: ComposeService, lookup: Lookup): string[] {
  const out: string[] = [];
  for (const site of svc.sites) {
    const d = siteData(site);
    const deploy = d?.deploy;
    const c = isObj(deploy) && isObj(deploy.placement) ? deploy.placement.constraints : undefined;
    if (Array.isArray(c)) for (const x of c) {
      const s = text(x, lookup);
      if (s !== undefined && !out.includes(s)) out.push(s);
    }
  }
  return out;
}

export function planStack(input: StackPlanInput): StackPlan {
  const notes: string[] = [];
  const decisions: StackDecision[] = [];
  const lookup = input.lookup;
  const accountOf = (s: ComposeService): string | undefined => input.specs.get(s.name)?.account.toLowerCase();
  const ownNames = (name: string): boolean => name.startsWith(`${input.stack}_`);
  const buildNotes = new Set<string>();

  for (const svc of input.project.services) {
    const dropped = svc.securityOpt.filter((o) => isCredentialSpecOpt(o.value));
    const kept = input.kept.has(svc.name);
    if (kept && svc.request?.kind === 'x-gmsa') {
      throw new InvalidInputError(
        `${where(svc.request.site)}: has both x-gmsa and credential_spec: {config: ...}`,
        'Keep one: x-gmsa: ACCOUNT (docker gmsa stores the spec in a config), or your own credential_spec: {config: NAME}.',
      );
    }
    const req = svc.request && (svc.request.kind === 'x-gmsa' || svc.request.kind === 'file') && !kept ? svc.request : undefined;
    for (const o of dropped) {
      notes.push(
        `Warning: ${where(o.site, o.node)}: security_opt ${o.value} is ignored by docker stack deploy; it is left out of the deployed file${req ? '' : ' (use x-gmsa: ACCOUNT or credential_spec: {config: NAME} for a gMSA on swarm)'}.`,
      );
    }
    if (svc.request?.kind === 'registry' && !kept) {
      notes.push(`${where(svc.request.site)}: credential_spec.registry goes to docker stack deploy as it is: the registry value must exist on every Windows node.`);
    }
    if (!req) {
      if (dropped.length > 0) decisions.push({ service: svc, dropped: dropped.map((o) => o.value) });
      continue;
    }
    const spec = input.specs.get(svc.name);
    if (!spec) throw new Error(`no spec was resolved for service ${svc.name}`);
    const at = where(req.site);
    const data = mergedData(svc);
    const deploy = isObj(data.deploy) ? data.deploy : {};
    const constraints = constraintsOf(svc, lookup);
    const decision = input.buildFor(constraints);
    buildNotes.add(decision.note);
    const build = decision.build;
    const release = releaseName(build) ?? `build ${build}`;
    if (build < FIRST_GMSA_BUILD) {
      throw new BuildRuleError(`Windows build ${build} predates gMSA support for containers`, 'Use Windows Server 2016 (14393) or later on the Windows nodes; 2019 (17763) or later is best.');
    }
    const isolation = svc.isolation?.value;
    const isoRefused = isolationRefusal(build, isolation, { fix: `Set isolation: process on service "${svc.name}".` });
    if (isoRefused) throw refusalError(isoRefused, at);
    const networkService = req.kind === 'x-gmsa' && req.networkService;
    const given = svc.user?.value;
    if (networkService && given !== undefined && given.toLowerCase() !== NETWORK_SERVICE.toLowerCase()) {
      throw new UsageError(`${at}: x-gmsa network-service and user: ${given} both set the user`, `Remove user: from service "${svc.name}", or drop network-service from its x-gmsa.`);
    }
    const effectiveUser = networkService ? NETWORK_SERVICE : given;
    const userRefused = userRefusal(build, effectiveUser, {
      tasks: true,
      fix: `Run the app as ContainerAdministrator there (drop ${networkService ? 'network-service' : 'user:'}), or move the Windows nodes to Windows Server 2019.`,
    });
    if (userRefused) throw refusalError(userRefused, at);

    const account = spec.account;
    const givenHostname = svc.hostname?.value;
    const mode = (text(deploy.mode, lookup) ?? 'replicated').toLowerCase();
    const replicas = svc.replicas;
    let hostname: string | undefined;
    if (build < FREE_HOSTNAME_BUILD) {
      const hostRefused = hostnameRefusal(
        build,
        account,
        givenHostname,
        `Remove hostname: from service "${svc.name}" (docker gmsa sets it to ${account}), or run the stack on Windows Server 2019 (17763) or later nodes.`,
        'task',
      );
      if (hostRefused) throw refusalError(hostRefused, at);
      const twice: string[] = [];
      if (mode === 'global' || mode === 'global-job') twice.push(`mode: ${mode} runs a task on every eligible node`);
      else if (replicas > 1) twice.push(`it has ${replicas} replicas`);
      for (const key of ['update_config', 'rollback_config']) {
        const c = deploy[key];
        if (isObj(c) && (text(c.order, lookup) ?? '').toLowerCase() === 'start-first') twice.push(`${key}.order start-first starts the new task before the old one stops`);
      }
      const siblings = input.project.services.filter((o) => o !== svc && accountOf(o) === account.toLowerCase() && !input.kept.has(o.name)).map((o) => `"${o.name}"`);
      if (siblings.length > 0) twice.push(`the stack's service${siblings.length > 1 ? 's' : ''} ${siblings.join(', ')} use${siblings.length > 1 ? '' : 's'} it too`);
      const outside = (input.othersOnSwarm.get(account.toLowerCase()) ?? []).filter((n) => !ownNames(n));
      if (outside.length > 0) twice.push(`the service${outside.length > 1 ? 's' : ''} ${outside.join(', ')} already use${outside.length > 1 ? '' : 's'} it`);
      if (twice.length > 0 && !input.force) {
        throw new BuildRuleError(
          `${at}: on ${release} only one container per gMSA (${account}) may run at a time (two race at the domain controller and lose their trust), and ${twice.join('; ')}`,
          'Run one task per gMSA (deploy.replicas: 1, stop-first updates), give each service its own gMSA, move to Windows Server 2019 nodes, or pass --force if you accept intermittent failures.',
        );
      }
      if (twice.length > 0) notes.push(`Warning: ${at}: ${twice.join('; ')}: expect intermittent trust failures on ${release}.`);
      if (givenHostname === undefined) hostname = account;
    } else if (givenHostname === undefined) {
      hostname = serviceHostnameTemplate(account);
    } else if (!givenHostname.includes('{{') && (replicas > 1 || mode.startsWith('global'))) {
      const tasks = mode.startsWith('global') ? 'all the tasks (mode: global)' : `all the tasks (replicas: ${replicas})`;
      const shared = sharedHostnameRefusal(build, account, givenHostname, [tasks], input.force, {
        planned: true,
        fix: `Leave hostname: out of service "${svc.name}" (docker gmsa gives each task its own), use a template such as ${serviceHostnameTemplate(account)}, or pass --force if you accept intermittent failures.`,
      });
      if (shared) throw refusalError(shared, at);
      notes.push(`Warning: ${at}: every task gets the hostname ${givenHostname}; containers sharing one gMSA and one hostname can lose their trust (--force).`);
    }
    const finalHostname = hostname ?? givenHostname;
    if (finalHostname !== undefined && !finalHostname.includes('{{') && finalHostname.length > MAX_HOSTNAME) {
      notes.push(`Warning: ${at}: hostname ${finalHostname} is longer than ${MAX_HOSTNAME} characters; NetBIOS sees only the first ${MAX_HOSTNAME}.`);
    }
    const d: StackDecision = { service: svc, request: req, account, configName: spec.configName, dropped: dropped.map((o) => o.value) };
    if (hostname !== undefined) d.hostname = hostname;
    if (networkService && given === undefined) d.user = NETWORK_SERVICE;
    decisions.push(d);
  }
  return { decisions, notes: [...buildNotes, ...notes] };
}

export interface StackRewriteOptions {
  /** The folder docker stack deploy would resolve relative paths from (the first file's, or the current one). */
  base: string;
  platform: NodeJS.Platform;
}

/**
 * The plan as edits: x-gmsa, credential_spec and credentialspec security_opt entries out wherever the
 * service gets them from; credential_spec: {config}, hostname and user into the last definition, and the
 * config as external in that file's top-level configs; the user's own credential_spec: {config} named
 * back; every file's relative paths made absolute (all of them go to the temporary folder).
 */
export function stackEdits(decisions: readonly StackDecision[], hidden: HiddenConfigSpecs, opts: StackRewriteOptions): EditPlan {
  const edit = (d: StackDecision): ServiceEdit => {
    if (!d.request) return { service: d.service, remove: [], dropCredentialSpecOpts: true, set: [] };
    const set: KeyEdit[] = [{ key: CREDENTIAL_SPEC_KEY, value: { config: d.configName } }];
    if (d.hostname !== undefined) set.push({ key: 'hostname', value: escapeInterpolation(d.hostname) });
    if (d.user !== undefined) set.push({ key: 'user', value: d.user });
    return { service: d.service, remove: [GMSA_KEY, CREDENTIAL_SPEC_KEY], dropCredentialSpecOpts: true, set, externalConfigs: [d.configName as string] };
  };
  return {
    services: decisions.map(edit),
    absolutize: { base: opts.base, platform: opts.platform },
    renamed: { key: HIDDEN_KEY, shownAs: CREDENTIAL_SPEC_KEY, restore: () => hidden.restore() },
  };
}

/** Applies the plan with the one edit pass (compose/rewrite.ts); every file's text. */
export function applyStack(project: ComposeProject, decisions: readonly StackDecision[], hidden: HiddenConfigSpecs, opts: StackRewriteOptions): RewrittenFile[] {
  return applyEdits(project, stackEdits(decisions, hidden, opts));
}
