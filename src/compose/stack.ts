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
 * 3. `applyStack`: the edits, with the comment of `x-gmsa` kept, nothing edited through an alias, a
 *    top-level `configs: NAME: {external: true}`, and the result checked service by service against the
 *    intended changes (a change that would leak through a shared anchor is refused). Relative paths that
 *    docker stack deploy resolves from the first file's folder (configs/secrets file, env_file, bind
 *    sources) are made absolute, since the copies live in a temporary folder.
 */
import * as nodePath from 'node:path';
import type { Pair, YAMLMap, YAMLSeq } from 'yaml';
import { BuildRuleError, ConflictError, InvalidInputError, UnsupportedEngineError, UsageError } from '../errors';
import { hostnameRefusal, isolationRefusal, refusalError, userRefusal } from '../engine/build-rules';
import { NETWORK_SERVICE } from '../engine/run-plan';
import { FIRST_GMSA_BUILD, FREE_HOSTNAME_BUILD, releaseName } from '../engine/windows-builds';
import { serviceHostnameTemplate, MAX_HOSTNAME } from '../orchestrators/swarm-plan';
import type { BuildDecision } from '../orchestrators/swarm-nodes';
import { interpolate, type Lookup } from './env';
import { CREDENTIAL_SPEC_KEY, GMSA_KEY, where, type ComposeProject, type ComposeService, type GmsaRequest, type ServiceSite } from './project';
import { concreteTarget, forgetProjectData, ownIndex, placePair, sameData, siteData, type RewrittenFile } from './rewrite';
import { danglingAlias, deref, effectiveEntry, holdersOf, isMap, isScalar, isSeq, keyText, printDoc, toData, yamlLib, type ComposeDoc } from './yaml-doc';

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

function rootMap(file: ComposeDoc): YAMLMap | undefined {
  const root = file.doc.contents;
  return isMap(root) ? root : undefined;
}

/** Each file's service maps (aliases followed), by name, in file order. */
function serviceMaps(file: ComposeDoc): Array<{ name: string; map: YAMLMap }> {
  const root = rootMap(file);
  if (!root) return [];
  const services = effectiveEntry(file.doc, root, 'services');
  if (!services || !isMap(services.value)) return [];
  return services.value.items.flatMap((p) => {
    const m = deref(file.doc, p.value);
    return isMap(m) ? [{ name: keyText(p), map: m }] : [];
  });
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

function isCredentialSpecOpt(s: string): boolean {
  return /^\s*credentialspec\s*[=:]/i.test(s);
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
      notes.push(
        `Warning: ${at}: every task gets the hostname ${givenHostname}; containers sharing one gMSA and one hostname can lose their trust. ` +
          `Leave hostname: out (docker gmsa gives each task its own) or use a template such as ${serviceHostnameTemplate(account)}.`,
      );
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

/** Escapes `$` so docker stack deploy's interpolation leaves a value as it is. */
function escapeDollar(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

function withoutCredentialSpecOpts(v: unknown): unknown {
  return Array.isArray(v) ? v.filter((x) => !(typeof x === 'string' && isCredentialSpecOpt(x))) : v;
}

/** Adds `NAME: {external: true}` to the file's top-level configs (made when missing). */
function addExternalConfig(file: ComposeDoc, name: string): void {
  const root = rootMap(file);
  if (!root) throw new InvalidInputError(`${file.label}: the top level is not a map`, 'A compose file is a map with a services: key.');
  const i = ownIndex(root, 'configs');
  const doc = file.doc;
  if (i < 0) {
    if (effectiveEntry(doc, root, 'configs')) {
      throw new InvalidInputError(`${file.label}: configs comes from a YAML merge key`, 'Write the top-level configs: map out in the file; docker gmsa adds the gMSA configs to it.');
    }
    root.items.push(doc.createPair('configs', { [name]: { external: true } }));
    return;
  }
  const pair = root.items[i] as Pair;
  if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) {
    pair.value = doc.createNode({ [name]: { external: true } });
    return;
  }
  if (!isMap(pair.value)) {
    throw new InvalidInputError(`${file.label}: the top-level configs is ${deref(doc, pair.value) !== pair.value ? 'a YAML alias' : 'not a map'}`, 'Write configs: as a map of config names.');
  }
  const existing = pair.value.items.find((p) => keyText(p) === name);
  if (existing) {
    const d = toData(doc, existing.value);
    if (isObj(d) && (d.external === true || (isObj(d.external) && d.external.name === name)) && (d.name === undefined || d.name === name)) return;
    throw new ConflictError(
      `${file.label}: the top-level config ${name} is defined by the file, and docker gmsa would define it as the external config that holds the credential spec`,
      `Remove configs.${name} from the file (docker gmsa creates and adds it).`,
    );
  }
  pair.value.items.push(doc.createPair(name, { external: true }));
}

/** Compose keys of a service whose relative paths docker stack deploy resolves from the working folder. */
function absolutizeService(doc: ComposeDoc, map: YAMLMap, abs: (p: string) => string, seen: Set<unknown>): boolean {
  let changed = false;
  const fix = (node: unknown, transform: (s: string) => string | undefined): void => {
    if (!isScalar(node) || typeof node.value !== 'string' || seen.has(node)) return;
    const next = transform(node.value);
    seen.add(node);
    if (next !== undefined && next !== node.value) {
      node.value = next;
      changed = true;
    }
  };
  const relative = (s: string): string | undefined => (s === '' || s.includes('$') || nodePath.posix.isAbsolute(s) || nodePath.win32.isAbsolute(s) || s.startsWith('~') ? undefined : abs(s));
  const env = effectiveEntry(doc.doc, map, 'env_file');
  if (env) {
    if (isScalar(env.value)) fix(env.value, relative);
    else if (isSeq(env.value)) {
      for (const it of env.value.items) {
        const v = deref(doc.doc, it);
        if (isScalar(v)) fix(v, relative);
        else if (isMap(v)) fix(effectiveEntry(doc.doc, v, 'path')?.value, relative);
      }
    }
  }
  const vols = effectiveEntry(doc.doc, map, 'volumes');
  if (vols && isSeq(vols.value)) {
    for (const it of vols.value.items) {
      const v = deref(doc.doc, it);
      if (isScalar(v)) {
        fix(v, (s) => {
          const m = /^(\.{1,2}(?:[\\/][^:]*)?)(:.*)$/s.exec(s);
          return m ? `${abs(m[1] as string)}${m[2] as string}` : undefined;
        });
      } else if (isMap(v)) {
        const type = toData(doc.doc, effectiveEntry(doc.doc, v, 'type')?.value);
        if (type === 'bind') fix(effectiveEntry(doc.doc, v, 'source')?.value, (s) => (s.startsWith('.') ? relative(s) : undefined));
      }
    }
  }
  return changed;
}

/**
 * Makes the relative paths docker stack deploy resolves from its working folder (the first compose file's
 * folder, `base`) absolute: top-level configs/secrets `file`, and each service's env_file and bind-mount
 * sources written as relative paths. Values with `$` are left alone. Returns whether anything changed.
 */
export function absolutizePaths(file: ComposeDoc, base: string, platform: NodeJS.Platform): boolean {
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const abs = (p: string): string => path.resolve(base, p);
  const root = rootMap(file);
  if (!root) return false;
  let changed = false;
  const seen = new Set<unknown>();
  for (const top of ['configs', 'secrets']) {
    const e = effectiveEntry(file.doc, root, top);
    if (!e || !isMap(e.value)) continue;
    for (const p of e.value.items) {
      const m = deref(file.doc, p.value);
      if (!isMap(m)) continue;
      const f = effectiveEntry(file.doc, m, 'file')?.value;
      if (isScalar(f) && typeof f.value === 'string' && !seen.has(f)) {
        seen.add(f);
        const s = f.value;
        if (s !== '' && !s.includes('$') && !path.isAbsolute(s) && !s.startsWith('~')) {
          f.value = abs(s);
          changed = true;
        }
      }
    }
  }
  for (const { map } of serviceMaps(file)) if (absolutizeService(file, map, abs, seen)) changed = true;
  return changed;
}

export interface StackRewriteOptions {
  /** The folder docker stack deploy would resolve relative paths from (the first file's, or the current one). */
  base: string;
  platform: NodeJS.Platform;
}

/**
 * Applies the plan: removes x-gmsa, credential_spec and credentialspec security_opt entries wherever the
 * service gets them from, adds credential_spec: {config}, hostname and user to the last definition, and
 * the configs as external to that file's top-level configs. Returns every file's text (all of them go to
 * the temporary folder, with absolute paths).
 */
export function applyStack(project: ComposeProject, decisions: readonly StackDecision[], hidden: HiddenConfigSpecs, opts: StackRewriteOptions): RewrittenFile[] {
  const Y = yamlLib();
  const decided = new Map(decisions.map((d) => [d.service.name, d]));
  const changed = new Set<ComposeDoc>();
  const before = new Map<ServiceSite, Data | undefined>();
  forgetProjectData(project);
  for (const svc of project.services) for (const site of svc.sites) before.set(site, siteData(site));

  const expected = new Map<ServiceSite, Data | undefined>();
  for (const svc of project.services) {
    const d = decided.get(svc.name);
    svc.sites.forEach((site, i) => {
      const b = before.get(site);
      if (!d) return expected.set(site, b);
      const e: Data = { ...(b ?? {}) };
      if (d.request) {
        delete e[GMSA_KEY];
        delete e[CREDENTIAL_SPEC_KEY];
      }
      if (e.security_opt !== undefined) {
        const so = withoutCredentialSpecOpts(e.security_opt);
        if (Array.isArray(so) && so.length === 0) delete e.security_opt;
        else e.security_opt = so;
      }
      if (d.request && i === svc.sites.length - 1) {
        e[CREDENTIAL_SPEC_KEY] = { config: d.configName };
        if (d.hostname !== undefined) e.hostname = escapeDollar(d.hostname);
        if (d.user !== undefined) e.user = d.user;
      }
      return expected.set(site, e);
    });
  }

  for (const d of decisions) {
    const svc = d.service;
    const last = svc.sites[svc.sites.length - 1] as ServiceSite;
    let insertAt: number | undefined;
    let moved: { commentBefore: string | null; spaceBefore: boolean; comment: string | null } | undefined;
    for (const site of svc.sites) {
      if (!site.map) continue;
      // 1. credentialspec entries out of security_opt (the key goes when nothing is left).
      for (const holder of holdersOf(site.file.doc, site.map, 'security_opt')) {
        const i = ownIndex(holder, 'security_opt');
        const pair = holder.items[i] as Pair;
        const seq = deref(site.file.doc, pair.value);
        if (!isSeq(seq)) continue;
        const keep = seq.items.filter((it) => {
          const v = deref(site.file.doc, it);
          return !(isScalar(v) && typeof v.value === 'string' && isCredentialSpecOpt(v.value));
        });
        if (keep.length === seq.items.length) continue;
        changed.add(site.file);
        if (keep.length === 0) holder.items.splice(i, 1);
        else (seq as YAMLSeq).items = keep;
      }
      if (!d.request) continue;
      // 2. x-gmsa and credential_spec out, wherever the service gets them from.
      for (const key of [GMSA_KEY, CREDENTIAL_SPEC_KEY]) {
        for (const holder of holdersOf(site.file.doc, site.map, key)) {
          const i = ownIndex(holder, key);
          if (i < 0) continue;
          const pair = holder.items[i] as Pair;
          if (site === last && holder === site.map && !site.alias && insertAt === undefined) {
            insertAt = i;
            const k = pair.key as { commentBefore?: string | null; spaceBefore?: boolean };
            const v = pair.value as { comment?: string | null } | null;
            moved = { commentBefore: k.commentBefore ?? null, spaceBefore: k.spaceBefore ?? false, comment: v && (isScalar(v) || ((isMap(v) || isSeq(v)) && (v as { flow?: boolean }).flow)) ? (v.comment ?? null) : null };
          }
          holder.items.splice(i, 1);
          changed.add(site.file);
        }
      }
    }
    if (!d.request) continue;

    // 3. credential_spec: {config}, hostname and user in the last definition; the config at the top.
    const doc = last.file.doc;
    const map = concreteTarget(doc, last);
    changed.add(last.file);
    let at = insertAt ?? map.items.length;
    const firstAt = at;
    const cs = doc.createPair(CREDENTIAL_SPEC_KEY, { config: d.configName });
    at = placePair(map, cs, at);
    if (d.hostname !== undefined) at = placePair(map, doc.createPair('hostname', escapeDollar(d.hostname)), at);
    if (d.user !== undefined) at = placePair(map, doc.createPair('user', d.user), at);
    if (moved && at > firstAt) {
      const k = (map.items[firstAt] as Pair).key as { commentBefore?: string | null; spaceBefore?: boolean };
      if (moved.commentBefore) k.commentBefore = moved.commentBefore;
      if (moved.spaceBefore) k.spaceBefore = true;
    }
    if (moved?.comment) {
      const inner = (cs.value as YAMLMap).items[0]?.value;
      if (isScalar(inner)) inner.comment = moved.comment;
    }
    addExternalConfig(last.file, d.configName as string);
  }

  // 4. Every alias must still find its anchor.
  for (const file of changed) {
    const dangling = danglingAlias(file.doc);
    if (dangling !== undefined) {
      throw new InvalidInputError(
        `${file.label}: the anchor &${dangling} is defined inside something docker gmsa removes (x-gmsa, credential_spec or a credentialspec security_opt), and used elsewhere (*${dangling})`,
        'Move the anchored value to a top-level x- extension (x-defaults: &name ...) and refer to it from both places.',
      );
    }
  }

  // 5. Every service must be what it was plus the intended changes, and nothing else.
  forgetProjectData(project);
  for (const svc of project.services) {
    for (const site of svc.sites) {
      const after = siteData(site);
      const want = expected.get(site);
      if (sameData(after, want)) continue;
      const keys = new Set([...Object.keys(after ?? {}), ...Object.keys(want ?? {})]);
      const diff = [...keys].filter((k) => !sameData(after?.[k], want?.[k])).map((k) => (k === HIDDEN_KEY ? CREDENTIAL_SPEC_KEY : k));
      throw new InvalidInputError(
        `${where(site)}: rewriting the gMSA services would also change ${diff.join(', ')} of this service, which shares a YAML anchor or merge key (<<) with one of them`,
        `Give service "${site.name}" its own ${diff[0] ?? 'settings'}, or move the shared settings into a top-level x- extension (x-defaults: &defaults) that the services merge.`,
      );
    }
  }

  hidden.restore();
  return project.files.map((file) => {
    const moved = absolutizePaths(file, opts.base, opts.platform);
    const c = changed.has(file) || moved;
    return { file, changed: c, text: c ? printDoc(file) : file.text };
  });
}
