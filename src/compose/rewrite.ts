/**
 * The one edit pass of `docker gmsa compose` and `docker gmsa stack deploy`. Both planners describe what
 * each gMSA service gets as data (an EditPlan: compose/plan.ts's composeEdits, compose/stack.ts's
 * stackEdits); this pass applies it to the parsed files and checks the result:
 *
 * 1. The service's `remove` keys (x-gmsa, credential_spec) go wherever the service gets them from: its map
 *    in every file and any map it merges them from; with `dropCredentialSpecOpts`, so do the
 *    `credentialspec=...` entries of its security_opt lists (the key goes when none is left).
 * 2. The `set` keys go into the concrete map of the service in the last file that defines it, in order,
 *    where the first removed key was (else at the end); an `append` adds to the list the service has (its
 *    own, through a merge key or an alias; a `!reset` list becomes `!override`). The removed key's comments
 *    move along: the lines above it to the first pair inserted, the one after a one-line or flow value to
 *    the first scalar the first `set` adds. A service written as a bare alias (`api: *web`) becomes
 *    `api: {<<: *web, ...}`. Nothing is edited through an alias. `externalConfigs` become
 *    `configs: NAME: {external: true}` at the top of that file.
 * 3. Every alias must still find its anchor, and every service of every file, read back with merge keys
 *    applied, must be what it was plus the intended changes: an edit that would leak into another service
 *    through a shared anchor is refused, naming the service and the key.
 * 4. Then keys renamed for reading are named back (`renamed`), relative paths are made absolute
 *    (`absolutize`, for copies that live in another folder), and the files are printed. Files without
 *    changes are returned byte for byte.
 */
import * as nodePath from 'node:path';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { isCredentialSpecOpt } from '../credspec/option';
import { ConflictError, InvalidInputError } from '../errors';
import { where, type ComposeProject, type ComposeService, type ServiceSite } from './project';
import {
  danglingAlias,
  dataKey,
  deref,
  effectiveEntry,
  forgetAnchors,
  holdersOf,
  isMap,
  isMergePair,
  isScalar,
  isSeq,
  keyText,
  OVERRIDE_TAG,
  printDoc,
  RESET_TAG,
  rootMap,
  serviceMaps,
  servicesData,
  toData,
  yamlLib,
  type ComposeDoc,
} from './yaml-doc';

export interface RewrittenFile {
  file: ComposeDoc;
  changed: boolean;
  text: string;
}

type Data = Record<string, unknown>;

/** The index of the map's own pair for `key` (merge keys are not own pairs), or -1. */
export function ownIndex(map: YAMLMap, key: string): number {
  const items = map.items;
  for (let i = 0; i < items.length; i++) {
    const p = items[i] as Pair;
    // Only a merge key has the text <<, so the merge check is needed for that key alone.
    if (keyText(p) === key && (key !== '<<' || !isMergePair(p))) return i;
  }
  return -1;
}

/**
 * Each file's service data, converted once: converting one service at a time resolves every alias by
 * walking the whole document again (yaml's Alias.resolve), which is quadratic for files with many services.
 * A site's data is found by its key node's value (dataKey), not its name: `null:` and `"null":` are different
 * keys with one name. The cache holds until forgetSiteData() is called after the document is edited.
 */
const fileData = new WeakMap<object, Map<unknown, unknown> | undefined>();

function servicesOf(doc: Document): Map<unknown, unknown> | undefined {
  if (!fileData.has(doc)) fileData.set(doc, servicesData(doc));
  return fileData.get(doc);
}

/** Drops the cached data of an edited document. */
export function forgetSiteData(doc: Document): void {
  fileData.delete(doc);
  forgetAnchors(doc);
}

/** Drops the cached service data of every file of a project (the alias index stays: it changes only with edits). */
export function forgetProjectData(project: ComposeProject): void {
  for (const file of project.files) fileData.delete(file.doc);
}

export function siteData(site: ServiceSite): Data | undefined {
  if (!site.map) return undefined;
  const d = servicesOf(site.file.doc)?.get(dataKey(site.pair));
  return d !== null && typeof d === 'object' && !Array.isArray(d) ? (d as Data) : undefined;
}

/** Deep equality of plain data; map key order does not matter (compose does not care about it). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Number.isNaN(a) && Number.isNaN(b);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameData((a as Data)[k], (b as Data)[k]));
}

/** Puts `pair` at `index`, or gives an existing own pair with the same key the new value (and keeps its comment). */
export function placePair(map: YAMLMap, pair: Pair, index: number): number {
  const existing = ownIndex(map, keyText(pair));
  if (existing >= 0) {
    const old = map.items[existing] as Pair;
    const comment = isScalar(old.value) ? old.value.comment : undefined;
    if (comment && isScalar(pair.value)) pair.value.comment = comment;
    old.value = pair.value;
    return index;
  }
  map.items.splice(Math.min(index, map.items.length), 0, pair);
  return index + 1;
}

/** The concrete map of the last site, made concrete when the service is a bare alias or empty. */
export function concreteTarget(doc: Document, site: ServiceSite): YAMLMap {
  if (site.alias || !site.map) {
    const Y = yamlLib();
    const map = new Y.YAMLMap();
    if (site.alias) map.items.push(doc.createPair('<<', site.pair.value));
    site.pair.value = map;
    site.map = map;
    site.alias = false;
  }
  return site.map as YAMLMap;
}

/** One key the service's last definition gets. */
export interface KeyEdit {
  key: string;
  value: unknown;
  /** Add `value` to the list the service has (security_opt) instead of replacing the key's value. */
  append?: boolean;
}

/** What one service gets. */
export interface ServiceEdit {
  service: ComposeService;
  /** Keys taken out wherever the service gets them from; the first one found in the last definition marks where `set` goes. */
  remove: readonly string[];
  /** Whether `credentialspec=...` entries are taken out of its security_opt lists likewise. */
  dropCredentialSpecOpts?: boolean;
  /** Keys the last definition gets, in this order (none: the last definition is left alone). */
  set: readonly KeyEdit[];
  /** Names declared `external: true` in the top-level configs of the last definition's file. */
  externalConfigs?: readonly string[];
}

export interface EditPlan {
  services: readonly ServiceEdit[];
  /** Relative paths docker resolves from `base` (configs/secrets file, env_file, bind sources) made absolute. */
  absolutize?: { base: string; platform: NodeJS.Platform };
  /** A key renamed while the files were read: messages show it as `shownAs`; `restore` names it back before printing. */
  renamed?: { key: string; shownAs: string; restore: () => void };
}

/** The removed key's comments: the lines above it, and the one after a one-line (or flow) value. */
interface MovedComments {
  commentBefore: string | null;
  spaceBefore: boolean;
  comment: string | null;
}

function commentsOf(pair: Pair): MovedComments {
  const k = pair.key as { commentBefore?: string | null; spaceBefore?: boolean };
  const v = pair.value as { comment?: string | null; flow?: boolean } | null;
  const oneLine = v !== null && (isScalar(v) || ((isMap(v) || isSeq(v)) && v.flow === true));
  return { commentBefore: k.commentBefore ?? null, spaceBefore: k.spaceBefore ?? false, comment: oneLine ? (v.comment ?? null) : null };
}

/** The first scalar of a value node: itself, or the first value of a map or list. */
function firstScalar(node: unknown): Node | undefined {
  const n = isMap(node) ? node.items[0]?.value : isSeq(node) ? node.items[0] : node;
  return isScalar(n) ? n : undefined;
}

/** Takes the credentialspec entries out of every security_opt the site gets; whether anything changed. */
function dropCredentialSpecEntries(site: ServiceSite & { map: YAMLMap }): boolean {
  const doc = site.file.doc;
  let changed = false;
  for (const holder of holdersOf(doc, site.map, 'security_opt')) {
    const i = ownIndex(holder, 'security_opt');
    const seq = deref(doc, (holder.items[i] as Pair).value);
    if (!isSeq(seq)) continue;
    const keep = seq.items.filter((it) => {
      const v = deref(doc, it);
      return !(isScalar(v) && typeof v.value === 'string' && isCredentialSpecOpt(v.value));
    });
    if (keep.length === seq.items.length) continue;
    changed = true;
    if (keep.length === 0) holder.items.splice(i, 1);
    else seq.items = keep;
  }
  return changed;
}

/**
 * A node for a value docker gmsa writes: text and other scalars directly, lists of them as a block list,
 * anything else through the document (doc.createNode sets up alias bookkeeping for every call, the cost
 * of an edit pass over a thousand services).
 */
function nodeOf(doc: Document, value: unknown): Node {
  const Y = yamlLib();
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return new Y.Scalar(value);
  if (Array.isArray(value)) {
    const seq = new Y.YAMLSeq();
    for (const v of value) seq.items.push(nodeOf(doc, v));
    return seq;
  }
  return doc.createNode(value) as Node;
}

function pairOf(doc: Document, key: string, value: unknown): Pair {
  const Y = yamlLib();
  return new Y.Pair(new Y.Scalar(key), nodeOf(doc, value));
}

/** Adds `edit.value` to the list the service has; returns the next insertion index and the added item. */
function appendTo(doc: Document, map: YAMLMap, edit: KeyEdit, had: unknown, at: number): { at: number; node: Node | undefined } {
  const i = ownIndex(map, edit.key);
  const own = i >= 0 ? (map.items[i] as Pair) : undefined;
  if (own && isSeq(own.value) && own.value.tag === RESET_TAG && !own.value.anchor) {
    own.value.tag = OVERRIDE_TAG;
    const node = nodeOf(doc, edit.value);
    own.value.items = [node];
    return { at, node };
  }
  if (own && isSeq(own.value)) {
    // (An anchored list that others alias changes for them too: the check refuses that.)
    const node = nodeOf(doc, edit.value);
    own.value.items.push(node);
    return { at, node };
  }
  // None of its own (or an alias, or empty): a new list with what it had through merge keys or the alias.
  // (`had` is from before the edits: an earlier service's new list may now show through a merge key.)
  const items = [...(Array.isArray(had) ? had : []), edit.value];
  const pair = pairOf(doc, edit.key, items);
  const node = (pair.value as YAMLSeq).items[items.length - 1] as Node | undefined;
  if (own) own.value = pair.value;
  else at = placePair(map, pair, at);
  return { at, node };
}

/** The service's data as the edit intends it (for every site: the removals; for the last: the keys set). */
function intended(edit: ServiceEdit, data: Data | undefined, last: boolean): Data {
  const e: Data = { ...(data ?? {}) };
  for (const k of edit.remove) delete e[k];
  const so = e.security_opt;
  if (edit.dropCredentialSpecOpts && Array.isArray(so)) {
    const keep = so.filter((x) => !(typeof x === 'string' && isCredentialSpecOpt(x)));
    if (keep.length === 0 && so.length > 0) delete e.security_opt;
    else e.security_opt = keep;
  }
  if (last) {
    for (const s of edit.set) {
      const had = e[s.key];
      e[s.key] = s.append ? [...(Array.isArray(had) ? had : []), s.value] : s.value;
    }
  }
  return e;
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}

/** What the pass removes, as the dangling-alias refusal names it. */
function removedThings(edits: readonly ServiceEdit[]): string {
  const keys = [...new Set(edits.flatMap((e) => e.remove))];
  if (!edits.some((e) => e.dropCredentialSpecOpts)) return `an ${orList(keys)} that docker gmsa removes`;
  return `something docker gmsa removes (${orList([...keys, 'a credentialspec security_opt'])})`;
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
    const obj = (v: unknown): v is Data => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (obj(d) && (d.external === true || (obj(d.external) && d.external.name === name)) && (d.name === undefined || d.name === name)) return;
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

/** Applies the plan to the project's files and checks the result (see the top of this file); every file's text. */
export function applyEdits(project: ComposeProject, plan: EditPlan): RewrittenFile[] {
  const edits = new Map<string, ServiceEdit>(plan.services.map((e) => [e.service.name, e]));
  const changed = new Set<ComposeDoc>();

  // What every service is now, to check the result against.
  forgetProjectData(project);
  const before = new Map<ServiceSite, Data | undefined>();
  for (const svc of project.services) for (const site of svc.sites) before.set(site, siteData(site));

  const expected = new Map<ServiceSite, Data | undefined>();
  for (const svc of project.services) {
    const edit = edits.get(svc.name);
    svc.sites.forEach((site, i) => expected.set(site, edit ? intended(edit, before.get(site), i === svc.sites.length - 1) : before.get(site)));
  }

  for (const edit of plan.services) {
    const svc = edit.service;
    const last = svc.sites[svc.sites.length - 1] as ServiceSite;
    // 1. Take out what the service gets from wherever it gets it.
    let insertAt: number | undefined;
    let moved: MovedComments | undefined;
    for (const site of svc.sites) {
      if (!site.map) continue;
      if (edit.dropCredentialSpecOpts && dropCredentialSpecEntries(site as ServiceSite & { map: YAMLMap })) changed.add(site.file);
      for (const key of edit.remove) {
        for (const holder of holdersOf(site.file.doc, site.map, key)) {
          const i = ownIndex(holder, key);
          if (i < 0) continue;
          const pair = holder.items[i] as Pair;
          if (site === last && holder === site.map && !site.alias && insertAt === undefined) {
            insertAt = i;
            moved = commentsOf(pair);
          }
          holder.items.splice(i, 1);
          changed.add(site.file);
        }
      }
    }
    if (edit.set.length === 0) continue;

    // 2. The keys it gets, in the last definition; the configs at the top of that file.
    const doc = last.file.doc;
    const map = concreteTarget(doc, last);
    changed.add(last.file);
    let at = insertAt ?? map.items.length;
    const firstAt = at;
    let commentTo: Node | undefined;
    edit.set.forEach((s, n) => {
      let node: Node | undefined;
      if (s.append) ({ at, node } = appendTo(doc, map, s, before.get(last)?.[s.key], at));
      else {
        const pair = pairOf(doc, s.key, s.value);
        at = placePair(map, pair, at);
        node = firstScalar(pair.value);
      }
      if (n === 0) commentTo = node;
    });
    if (moved && at > firstAt) {
      const k = (map.items[firstAt] as Pair).key as { commentBefore?: string | null; spaceBefore?: boolean };
      if (moved.commentBefore) k.commentBefore = moved.commentBefore;
      if (moved.spaceBefore) k.spaceBefore = true;
    }
    if (moved?.comment && commentTo && isScalar(commentTo)) commentTo.comment = moved.comment;
    for (const name of edit.externalConfigs ?? []) addExternalConfig(last.file, name);
  }

  // 3. Every alias must still find its anchor. (What the edited files were is forgotten here: their
  //    aliases and data are read again.)
  for (const file of changed) forgetSiteData(file.doc);
  for (const file of changed) {
    const dangling = danglingAlias(file.doc);
    if (dangling !== undefined) {
      throw new InvalidInputError(
        `${file.label}: the anchor &${dangling} is defined inside ${removedThings(plan.services)}, and used elsewhere (*${dangling})`,
        'Move the anchored value to a top-level x- extension (x-defaults: &name ...) and refer to it from both places.',
      );
    }
  }

  // 4. Every service must be what it was plus the intended changes, and nothing else.
  const shown = (k: string): string => (plan.renamed && k === plan.renamed.key ? plan.renamed.shownAs : k);
  for (const svc of project.services) {
    for (const site of svc.sites) {
      const after = siteData(site);
      const want = expected.get(site);
      if (sameData(after, want)) continue;
      const keys = new Set([...Object.keys(after ?? {}), ...Object.keys(want ?? {})]);
      const diff = [...keys].filter((k) => !sameData(after?.[k], want?.[k])).map(shown);
      throw new InvalidInputError(
        `${where(site)}: rewriting the gMSA services would also change ${diff.join(', ')} of this service, which shares a YAML anchor or merge key (<<) with one of them`,
        `Give service "${site.name}" its own ${diff[0] ?? 'settings'}, or move the shared settings into a top-level x- extension (x-defaults: &defaults) that the services merge.`,
      );
    }
  }

  // 5. Names back, paths absolute, and the files printed.
  plan.renamed?.restore();
  const abs = plan.absolutize;
  return project.files.map((file) => {
    const c = (abs !== undefined && absolutizePaths(file, abs.base, abs.platform)) || changed.has(file);
    return { file, changed: c, text: c ? printDoc(file) : file.text };
  });
}
