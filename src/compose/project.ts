/**
 * What the compose files of a project ask for, service by service: the gMSA (`x-gmsa` or
 * `credential_spec`) and the settings its build rules depend on (hostname, user, isolation, security_opt,
 * replicas, profiles), merged across the files as compose merges them (later files win, sequences append,
 * `!reset` removes, `!override` replaces) and with `${VAR}` resolved. Refuses the shapes compose or the
 * engine would get wrong, naming the file, the service and the fix. Pure (given parsed documents).
 */
import type { Pair, YAMLMap } from 'yaml';
import { accountNameProblem, splitAccountName } from '../credspec/model';
import { checkSpecName, specNameFromArg } from '../credspec/naming';
import { InvalidInputError, UsageError } from '../errors';
import { interpolate, InterpolationError, type Lookup } from './env';
import { deref, effectiveEntries, effectiveEntry, isMap, isScalar, keyText, lineOf, OVERRIDE_TAG, RESET_TAG, toData, type ComposeDoc, type Entry } from './yaml-doc';

export const GMSA_KEY = 'x-gmsa';
export const CREDENTIAL_SPEC_KEY = 'credential_spec';
const X_GMSA_KEYS = ['account', 'spec', 'network-service'];

/** One file's definition of one service. */
export interface ServiceSite {
  file: ComposeDoc;
  name: string;
  /** The `NAME: ...` pair under `services`. */
  pair: Pair;
  /** The service's map (an alias's target when the service is written as `NAME: *anchor`). */
  map?: YAMLMap;
  /** The service is written as a bare alias (`api: *web`). */
  alias: boolean;
}

interface Located<T> {
  value: T;
  site: ServiceSite;
  /** Where it is written (for the line in messages). */
  node?: unknown;
}

export type GmsaRequest =
  | { kind: 'x-gmsa'; account: string; spec?: string; networkService: boolean; site: ServiceSite }
  | { kind: 'file'; file: string; site: ServiceSite }
  | { kind: 'registry'; value: string; site: ServiceSite };

export interface ComposeService {
  name: string;
  /** In file order. */
  sites: ServiceSite[];
  request?: GmsaRequest;
  hostname?: Located<string>;
  user?: Located<string>;
  isolation?: Located<string>;
  /** The effective security_opt entries, resolved. */
  securityOpt: Located<string>[];
  /** scale, else deploy.replicas, else 1. */
  replicas: number;
  profiles: string[];
}

export interface ComposeProject {
  files: ComposeDoc[];
  services: ComposeService[];
  /** Things docker gmsa does not follow (include, extends), to mention when a service asks for a gMSA. */
  unfollowed: string[];
  /** Top-level `name:` (last file that sets it), resolved. */
  name?: string;
  /** Things to tell the user (corrected values, unset variables). */
  notes: string[];
}

export function where(site: ServiceSite, node?: unknown): string {
  const line = node !== undefined ? lineOf(site.file, node) : lineOf(site.file, site.pair.key);
  return `${site.file.label}${line !== undefined ? `:${line}` : ''}: service "${site.name}"`;
}

/** A map read from YAML (not binary data, a date, a set or an ordered map, which are objects too). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** What a value that is not text or a map is, for messages: its kind and how the file writes it. */
function describeValue(site: ServiceSite, value: unknown, node: unknown): string {
  const written = isScalar(node) ? site.file.written.get(node)?.source : undefined;
  const src = written ?? String(value);
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${src}`;
  if (typeof value === 'boolean') return `the boolean ${src}`;
  if (value instanceof Date) return `the date ${written ?? value.toISOString()}`;
  if (value instanceof Uint8Array) return 'binary data (!!binary)';
  if (value instanceof Set) return 'a set (!!set)';
  if (value instanceof Map) return 'an ordered map (!!omap)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  const tag = (node as { tag?: string } | null)?.tag;
  return tag ? `a value tagged ${tag}` : 'a value that is not text';
}

/** For a value YAML read as a number, boolean or date that may be meant as text: how to write it as text. */
function quoteHint(site: ServiceSite, value: unknown, node: unknown, example: (quoted: string) => string): string {
  if (!(typeof value === 'number' || typeof value === 'boolean' || value instanceof Date)) return '';
  const src = isScalar(node) ? site.file.written.get(node)?.source : undefined;
  return src !== undefined ? `YAML reads ${src} as a ${value instanceof Date ? 'date' : typeof value}; if it is meant as text, quote it (${example(JSON.stringify(src))}). ` : '';
}

const X_GMSA_HINT = 'Write x-gmsa: ACCOUNT, or x-gmsa: {account: ACCOUNT, spec: NAME, network-service: true} (spec and network-service are optional).';

/** Resolves ${VAR} in every string of a value; errors name the place. */
function resolveVars(value: unknown, lookup: Lookup, site: ServiceSite, node: unknown, key: string, notes: string[]): unknown {
  if (typeof value === 'string') {
    try {
      const r = interpolate(value, lookup);
      for (const u of r.unset) notes.push(`Warning: ${where(site, node)}: ${key}: the variable ${u} is not set; it counts as an empty string.`);
      return r.value;
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      throw new InvalidInputError(`${where(site, node)}: ${key}: ${err.message}`, 'Set the variable (in the environment or the .env file), or write a literal $ as $$.');
    }
  }
  if (Array.isArray(value)) return value.map((v) => resolveVars(v, lookup, site, node, key, notes));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVars(v, lookup, site, node, key, notes)]));
  }
  return value;
}

function sitesOf(file: ComposeDoc): ServiceSite[] {
  const root = file.doc.contents;
  if (root === null || root === undefined) return [];
  if (!isMap(root)) throw new InvalidInputError(`${file.label}: the top level is not a map`, 'A compose file is a map with a services: key.');
  const entry = effectiveEntry(file.doc, root, 'services');
  if (!entry || entry.value === null || entry.value === undefined || (isScalar(entry.value) && entry.value.value === null)) return [];
  if (!isMap(entry.value)) throw new InvalidInputError(`${file.label}: services is not a map`, 'Write services: as a map of service names.');
  if (entry.holder !== root || deref(file.doc, entry.pair.value) !== entry.pair.value) {
    throw new InvalidInputError(`${file.label}: services comes from a YAML alias or merge key`, 'Write the services: map out in the file; docker gmsa edits it in place.');
  }
  return entry.value.items.map((pair) => {
    const name = keyText(pair);
    const raw = pair.value;
    const target = deref(file.doc, raw);
    const site: ServiceSite = { file, name, pair, alias: raw !== target };
    if (isMap(target)) site.map = target;
    else if (target !== null && target !== undefined && !(isScalar(target) && target.value === null)) {
      throw new InvalidInputError(`${file.label}: service "${name}" is not a map`, `Write services.${name} as a map of settings.`);
    }
    return site;
  });
}

interface Found {
  entry: Entry;
  site: ServiceSite;
  data: unknown;
}

function lookupKey(site: ServiceSite, key: string, entries?: ReadonlyMap<string, Entry>): Found | undefined {
  if (!site.map) return undefined;
  const entry = entries ? entries.get(key) : effectiveEntry(site.file.doc, site.map, key);
  if (!entry) return undefined;
  // The data is converted when it is read: several settings (deploy, extends) only need the entry.
  let data: { value: unknown } | undefined;
  return {
    entry,
    site,
    get data(): unknown {
      data ??= { value: toData(site.file.doc, entry.value) };
      return data.value;
    },
  };
}

/** The settings mergeSite reads, looked up in one pass over each definition. */
const SITE_KEYS: ReadonlySet<string> = new Set([GMSA_KEY, CREDENTIAL_SPEC_KEY, 'hostname', 'user', 'isolation', 'security_opt', 'profiles', 'scale', 'deploy']);

function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function asCount(v: unknown): number | undefined {
  const s = asString(v);
  if (s === undefined || !/^\d+$/.test(s.trim())) return undefined;
  return Number(s.trim());
}

function readGmsa(found: Found, lookup: Lookup, notes: string[]): GmsaRequest {
  const { site, entry } = found;
  const node = entry.pair.value ?? entry.pair.key;
  const raw = found.data;
  /** A refusal at `at` (the value's own line), with the accepted forms in the hint. */
  const refuse = (at: unknown, what: string, value?: unknown, example?: (q: string) => string): InvalidInputError =>
    new InvalidInputError(`${where(site, at ?? node)}: ${what}`, `${example ? quoteHint(site, value, at, example) : ''}${X_GMSA_HINT}`);
  if (typeof raw !== 'string' && !isPlainObject(raw)) {
    throw refuse(entry.value ?? node, `x-gmsa must be an account name or a map with account (and optionally spec, network-service), not ${describeValue(site, raw, entry.value)}`, raw, (q) => `x-gmsa: ${q}`);
  }
  const data = resolveVars(raw, lookup, site, node, GMSA_KEY, notes);
  let account: string;
  let spec: string | undefined;
  let networkService = false;
  if (typeof data === 'string') {
    account = data.trim();
  } else {
    const obj = data as Record<string, unknown>;
    const map = isMap(entry.value) ? entry.value : undefined;
    const nodeOf = (key: string): unknown => (map ? (effectiveEntry(site.file.doc, map, key)?.value ?? node) : node);
    const unknown = Object.keys(obj).filter((k) => !X_GMSA_KEYS.includes(k));
    if (unknown.length > 0) throw refuse(node, `x-gmsa has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (allowed: ${X_GMSA_KEYS.join(', ')})`);
    const a = obj.account;
    if (a === undefined) throw refuse(node, 'x-gmsa has no account');
    if (typeof a !== 'string') throw refuse(nodeOf('account'), `x-gmsa account must be the account name, not ${describeValue(site, a, nodeOf('account'))}`, a, (q) => `account: ${q}`);
    account = a.trim();
    if (obj.spec !== undefined && obj.spec !== null) {
      if (typeof obj.spec !== 'string' || obj.spec.trim() === '') {
        throw refuse(nodeOf('spec'), `x-gmsa spec must be the name or path of a credential spec, not ${describeValue(site, obj.spec, nodeOf('spec'))}`, obj.spec, (q) => `spec: ${q}`);
      }
      spec = obj.spec.trim();
    }
    const ns = obj['network-service'];
    if (ns === true || ns === 'true') networkService = true;
    else if (ns === false || ns === 'false' || ns === undefined || ns === null) networkService = false;
    else throw refuse(nodeOf('network-service'), `x-gmsa network-service must be true or false, not ${describeValue(site, ns, nodeOf('network-service'))}`);
  }
  const bare = splitAccountName(account).name;
  const problem = accountNameProblem(bare);
  if (problem) throw refuse(node, `x-gmsa account ${JSON.stringify(account)}: ${problem.message}`);
  return spec !== undefined ? { kind: 'x-gmsa', account: bare, spec, networkService, site } : { kind: 'x-gmsa', account: bare, networkService, site };
}

function readCredentialSpec(found: Found, lookup: Lookup, notes: string[]): GmsaRequest {
  const { site, entry } = found;
  const node = entry.pair.value ?? entry.pair.key;
  const data = resolveVars(found.data, lookup, site, node, CREDENTIAL_SPEC_KEY, notes);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidInputError(`${where(site, node)}: credential_spec must be a map with one of file, registry or config`, 'Write credential_spec: {file: NAME.json} (a file in the engine\'s CredentialSpecs folder), or use x-gmsa: ACCOUNT.');
  }
  const obj = data as Record<string, unknown>;
  const kinds = ['file', 'registry', 'config'].filter((k) => obj[k] !== undefined && obj[k] !== null);
  const unknown = Object.keys(obj).filter((k) => !['file', 'registry', 'config'].includes(k) && !k.startsWith('x-'));
  if (unknown.length > 0 || kinds.length !== 1) {
    throw new InvalidInputError(
      `${where(site, node)}: credential_spec needs exactly one of file, registry or config${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : kinds.length > 1 ? ` (it has ${kinds.join(' and ')})` : ''}`,
      'Keep one of them, or replace credential_spec with x-gmsa: ACCOUNT.',
    );
  }
  const kind = kinds[0] as 'file' | 'registry' | 'config';
  const given = obj[kind];
  if (typeof given !== 'string') {
    const at = isMap(entry.value) ? (effectiveEntry(site.file.doc, entry.value, kind)?.value ?? node) : node;
    throw new InvalidInputError(
      `${where(site, at)}: credential_spec.${kind} must be text, not ${describeValue(site, given, at)}`,
      `${quoteHint(site, given, at, (q) => `${kind}: ${q}`)}Write credential_spec: {file: NAME.json} (a file in the engine's CredentialSpecs folder), or use x-gmsa: ACCOUNT.`,
    );
  }
  const value = given.trim();
  if (kind === 'config') {
    throw new UsageError(
      `${where(site, node)}: credential_spec.config names a swarm config, which only swarm services can use; docker compose starts plain containers`,
      `Deploy the file to a swarm with docker gmsa stack deploy, or use credential_spec: {file: ...} or x-gmsa: ACCOUNT for docker compose.`,
    );
  }
  if (value === '') throw new InvalidInputError(`${where(site, node)}: credential_spec.${kind} is empty`, `Give the ${kind === 'file' ? 'file name in the CredentialSpecs folder' : 'registry value name'}.`);
  if (kind === 'registry') return { kind: 'registry', value: value.replace(/^registry:\/\//i, ''), site };
  let file = value;
  if (/^file:\/\//i.test(file)) {
    file = file.replace(/^file:\/\//i, '');
    notes.push(`Warning: ${where(site, node)}: credential_spec.file is a file name, not a URL: "${value}" was read as "${file}".`);
  }
  // The engine joins the name to its CredentialSpecs folder: only a plain file name there is safe, and only
  // then can docker gmsa check it in the store. The store's naming rules decide.
  let checked: string;
  try {
    checked = checkSpecName(file);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    let why = err.message;
    try {
      // A value like raw://... or registry://...: say which kind of spec it is.
      specNameFromArg(file);
    } catch (kind) {
      if (kind instanceof InvalidInputError && /:\/\//.test(file)) why = kind.message;
    }
    throw new InvalidInputError(
      `${where(site, node)}: credential_spec.file: ${why}`,
      "credential_spec.file names a file in the engine's CredentialSpecs folder. Install the spec there (docker gmsa spec install FILE) and give its file name, or use x-gmsa: {account: ACCOUNT, spec: FILE} for a spec file elsewhere (docker gmsa passes it inline).",
    );
  }
  if (checked !== file) {
    // The store reads NAME.json for NAME; the engine reads exactly NAME: they must be the same file.
    throw new InvalidInputError(
      `${where(site, node)}: credential_spec.file ${JSON.stringify(file)} has no .json extension; the engine reads exactly the name it is given, and credential specs are .json files`,
      `Write credential_spec: {file: ${checked}}.`,
    );
  }
  return { kind: 'file', file, site };
}

/** Reads the project. `lookup` resolves variables (environment, then .env). */
export function readProject(files: ComposeDoc[], lookup: Lookup): ComposeProject {
  const notes: string[] = [];
  const byName = new Map<string, ComposeService>();
  let projectName: string | undefined;
  for (const file of files) {
    const root = file.doc.contents;
    if (isMap(root)) {
      const n = effectiveEntry(file.doc, root, 'name');
      const s = n ? asString(toData(file.doc, n.value)) : undefined;
      if (s !== undefined) {
        try {
          projectName = interpolate(s, lookup).value;
        } catch {
          projectName = s;
        }
      }
    }
    for (const site of sitesOf(file)) {
      let svc = byName.get(site.name);
      if (!svc) {
        svc = { name: site.name, sites: [], securityOpt: [], replicas: 1, profiles: [] };
        byName.set(site.name, svc);
      }
      svc.sites.push(site);
      mergeSite(svc, site, lookup);
    }
  }
  for (const svc of byName.values()) finish(svc, lookup, notes);
  const unfollowed: string[] = [];
  for (const file of files) {
    const root = file.doc.contents;
    if (isMap(root) && effectiveEntry(file.doc, root, 'include')) {
      unfollowed.push(`Warning: ${file.label}: services from included files are passed on as they are; an x-gmsa or credential_spec in them is not rewritten.`);
    }
  }
  for (const svc of byName.values()) {
    const ext = svc.sites.find((site) => lookupKey(site, 'extends'));
    if (ext) {
      unfollowed.push(
        `Warning: ${where(ext)}: extends is not followed: a gMSA it inherits is not planned for it (give it its own x-gmsa), and it inherits what docker gmsa adds to the service it extends.`,
      );
    }
  }
  const project: ComposeProject = { files, services: [...byName.values()], unfollowed, notes };
  if (projectName !== undefined) project.name = projectName;
  return project;
}

interface Accumulated {
  gmsa?: Found;
  credentialSpec?: Found;
  scale?: number;
  replicas?: number;
}
const acc = new WeakMap<ComposeService, Accumulated>();

function tagOf(f: Found): string | undefined {
  return f.entry.tag;
}

function scalarSetting(f: Found | undefined, lookup: Lookup, key: string, notes: string[]): { reset: boolean; value?: Located<string> } | undefined {
  if (!f) return undefined;
  if (tagOf(f) === RESET_TAG) return { reset: true };
  const s = asString(resolveVars(f.data, lookup, f.site, f.entry.pair.value, key, notes));
  return s === undefined ? { reset: true } : { reset: false, value: { value: s, site: f.site, node: f.entry.pair.key } };
}

/** Applies one file's definition of a service on top of what earlier files gave. */
function mergeSite(svc: ComposeService, site: ServiceSite, lookup: Lookup): void {
  // Compose itself warns about unset variables in these settings.
  const notes: string[] = [];
  const a = acc.get(svc) ?? {};
  acc.set(svc, a);
  const entries = site.map ? effectiveEntries(site.file.doc, site.map, SITE_KEYS) : undefined;
  const gmsa = lookupKey(site, GMSA_KEY, entries);
  const cred = lookupKey(site, CREDENTIAL_SPEC_KEY, entries);
  if (gmsa) {
    if (tagOf(gmsa) === RESET_TAG) delete a.gmsa;
    else a.gmsa = gmsa;
  }
  if (cred) {
    if (tagOf(cred) === RESET_TAG) delete a.credentialSpec;
    else a.credentialSpec = cred;
  }
  for (const key of ['hostname', 'user', 'isolation'] as const) {
    const s = scalarSetting(lookupKey(site, key, entries), lookup, key, notes);
    if (!s) continue;
    if (s.reset || !s.value) delete svc[key];
    else svc[key] = s.value;
  }
  const so = lookupKey(site, 'security_opt', entries);
  if (so) {
    if (tagOf(so) === RESET_TAG || tagOf(so) === OVERRIDE_TAG) svc.securityOpt = [];
    if (tagOf(so) !== RESET_TAG && Array.isArray(so.data)) {
      for (const item of so.data) {
        const s = asString(resolveVars(item, lookup, site, so.entry.pair.value, 'security_opt', notes));
        if (s !== undefined && !svc.securityOpt.some((o) => o.value === s)) svc.securityOpt.push({ value: s, site, node: so.entry.pair.key });
      }
    }
  }
  const profiles = lookupKey(site, 'profiles', entries);
  if (profiles) {
    if (tagOf(profiles) === RESET_TAG || tagOf(profiles) === OVERRIDE_TAG) svc.profiles = [];
    if (tagOf(profiles) !== RESET_TAG && Array.isArray(profiles.data)) {
      for (const p of profiles.data) {
        const s = asString(resolveVars(p, lookup, site, profiles.entry.pair.value, 'profiles', notes));
        if (s !== undefined && !svc.profiles.includes(s)) svc.profiles.push(s);
      }
    }
  }
  const scale = lookupKey(site, 'scale', entries);
  if (scale) {
    if (tagOf(scale) === RESET_TAG) delete a.scale;
    else {
      const n = asCount(resolveVars(scale.data, lookup, site, scale.entry.pair.value, 'scale', notes));
      if (n !== undefined) a.scale = n;
    }
  }
  const deploy = lookupKey(site, 'deploy', entries);
  if (deploy) {
    if (tagOf(deploy) === RESET_TAG) delete a.replicas;
    else if (isMap(deploy.entry.value)) {
      const r = effectiveEntry(site.file.doc, deploy.entry.value, 'replicas');
      if (r && r.tag === RESET_TAG) delete a.replicas;
      else if (r) {
        const n = asCount(resolveVars(toData(site.file.doc, r.value), lookup, site, r.pair.value, 'deploy.replicas', notes));
        if (n !== undefined) a.replicas = n;
      }
    }
  }
  svc.replicas = a.scale ?? a.replicas ?? 1;
}

/** Reads the service's gMSA request once every file has been applied. */
function finish(svc: ComposeService, lookup: Lookup, notes: string[]): void {
  const a = acc.get(svc) ?? {};
  if (a.gmsa && a.credentialSpec) {
    const g = a.gmsa;
    const c = a.credentialSpec;
    throw new InvalidInputError(
      `${where(g.site, g.entry.pair.key)}: has both x-gmsa and credential_spec${c.site.file !== g.site.file ? ` (credential_spec in ${c.site.file.label})` : ''}`,
      'Keep one: x-gmsa: ACCOUNT (docker gmsa finds the spec), or credential_spec: {file: NAME.json}.',
    );
  }
  if (a.gmsa) svc.request = readGmsa(a.gmsa, lookup, notes);
  else if (a.credentialSpec) svc.request = readCredentialSpec(a.credentialSpec, lookup, notes);
}

/** The services compose starts with these profiles (none, `*` = all): those without profiles, or with one of them. */
export function isActive(svc: ComposeService, profiles: readonly string[]): boolean {
  if (svc.profiles.length === 0) return true;
  if (profiles.includes('*')) return true;
  return svc.profiles.some((p) => profiles.includes(p));
}
