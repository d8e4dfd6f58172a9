/**
 * Applies a compose plan to the parsed files: removes `x-gmsa` and `credential_spec` (from the service
 * and from any map it merges them from), and puts `security_opt: [credentialspec=...]`, `hostname` and
 * `user` into the concrete map of the service in the last file that defines it, where `x-gmsa` was when it
 * was there (its comment moves along), else at the end. A service written as a bare alias (`api: *web`)
 * becomes `api: {<<: *web, ...}`. Nothing is edited through an alias.
 *
 * Afterwards every service of every file is read back with merge keys applied and compared with what it
 * was plus the intended changes: an edit that would leak into another service through a shared anchor is
 * refused, naming the service and the key. Files without changes are returned byte for byte.
 */
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { InvalidInputError } from '../errors';
import { CREDENTIAL_SPEC_KEY, GMSA_KEY, where, type ComposeProject, type ServiceSite } from './project';
import type { ServiceDecision } from './plan';
import { danglingAlias, dataKey, forgetAnchors, holdersOf, isMergePair, isScalar, isSeq, keyText, OVERRIDE_TAG, printDoc, RESET_TAG, servicesData, yamlLib, type ComposeDoc } from './yaml-doc';

export interface RewrittenFile {
  file: ComposeDoc;
  changed: boolean;
  text: string;
}

type Data = Record<string, unknown>;

export function ownIndex(map: YAMLMap, key: string): number {
  return map.items.findIndex((p) => !isMergePair(p) && keyText(p) === key);
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

/** Drops the cached data of every file of a project (before and after an edit pass). */
export function forgetProjectData(project: ComposeProject): void {
  for (const svc of project.services) {
    for (const site of svc.sites) {
      fileData.delete(site.file.doc);
      forgetAnchors(site.file.doc);
    }
  }
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

export function applyPlan(project: ComposeProject, decisions: readonly ServiceDecision[]): RewrittenFile[] {
  const Y = yamlLib();
  const decided = new Map<string, ServiceDecision>(decisions.map((d) => [d.service.name, d]));
  const changed = new Set<ComposeDoc>();

  // What every service is now, to check the result against.
  forgetProjectData(project);
  const before = new Map<ServiceSite, Data | undefined>();
  for (const svc of project.services) for (const site of svc.sites) before.set(site, siteData(site));

  const expected = new Map<ServiceSite, Data | undefined>();
  for (const svc of project.services) {
    const d = decided.get(svc.name);
    svc.sites.forEach((site, i) => {
      const b = before.get(site);
      if (!d) return expected.set(site, b);
      const e: Data = { ...(b ?? {}) };
      delete e[GMSA_KEY];
      delete e[CREDENTIAL_SPEC_KEY];
      if (i === svc.sites.length - 1) {
        const so = e.security_opt;
        e.security_opt = [...(Array.isArray(so) ? so : []), d.securityOpt];
        if (d.hostname !== undefined) e.hostname = d.hostname;
        if (d.user !== undefined) e.user = d.user;
      }
      return expected.set(site, e);
    });
  }

  for (const d of decisions) {
    const svc = d.service;
    // 1. Remove x-gmsa and credential_spec wherever the service gets them from.
    const last = svc.sites[svc.sites.length - 1] as ServiceSite;
    let insertAt: number | undefined;
    /** The removed x-gmsa's comments: the lines above it, and the one after a one-line value. */
    let moved: { commentBefore: string | null; spaceBefore: boolean; comment: string | null } | undefined;
    let added: Node | undefined;
    for (const site of svc.sites) {
      if (!site.map) continue;
      for (const key of [GMSA_KEY, CREDENTIAL_SPEC_KEY]) {
        for (const holder of holdersOf(site.file.doc, site.map, key)) {
          const i = ownIndex(holder, key);
          if (i < 0) continue;
          const pair = holder.items[i] as Pair;
          if (site === last && holder === site.map && !site.alias && insertAt === undefined) {
            insertAt = i;
            const k = pair.key as { commentBefore?: string | null; spaceBefore?: boolean };
            const v = pair.value as { comment?: string | null } | null;
            moved = { commentBefore: k.commentBefore ?? null, spaceBefore: k.spaceBefore ?? false, comment: v && isScalar(v) ? (v.comment ?? null) : null };
          }
          holder.items.splice(i, 1);
          changed.add(site.file);
        }
      }
    }

    // 2. Add security_opt, hostname and user to the last definition.
    const doc = last.file.doc;
    const map = concreteTarget(doc, last);
    changed.add(last.file);
    let at = insertAt ?? map.items.length;
    const firstAt = at;
    const soIndex = ownIndex(map, 'security_opt');
    const own = soIndex >= 0 ? (map.items[soIndex] as Pair) : undefined;
    if (own && isSeq(own.value) && own.value.tag === RESET_TAG && !own.value.anchor) {
      own.value.tag = OVERRIDE_TAG;
      added = doc.createNode(d.securityOpt);
      own.value.items = [added];
    } else if (own && isSeq(own.value)) {
      // (An anchored list that others alias changes for them too: the check below refuses that.)
      added = doc.createNode(d.securityOpt);
      own.value.items.push(added);
    } else {
      // None of its own (or an alias, or empty): a new list with what it had through merge keys or the alias.
      // (Read from before the edits: an earlier service's new list may now show through a merge key.)
      const had = before.get(last)?.security_opt;
      const items = [...(Array.isArray(had) ? had : []), d.securityOpt];
      const pair = doc.createPair('security_opt', items);
      added = (pair.value as YAMLSeq).items[items.length - 1] as Node;
      if (own) own.value = pair.value;
      else at = placePair(map, pair, at);
    }
    if (d.hostname !== undefined) at = placePair(map, doc.createPair('hostname', d.hostname), at);
    if (d.user !== undefined) at = placePair(map, doc.createPair('user', d.user), at);
    if (moved && at > firstAt) {
      const k = (map.items[firstAt] as Pair).key as { commentBefore?: string | null; spaceBefore?: boolean };
      if (moved.commentBefore) k.commentBefore = moved.commentBefore;
      if (moved.spaceBefore) k.spaceBefore = true;
    }
    if (moved?.comment && added && isScalar(added)) added.comment = moved.comment;
  }

  // 3. Every alias must still find its anchor.
  for (const file of changed) {
    const dangling = danglingAlias(file.doc);
    if (dangling !== undefined) {
      throw new InvalidInputError(
        `${file.label}: the anchor &${dangling} is defined inside an x-gmsa or credential_spec that docker gmsa removes, and used elsewhere (*${dangling})`,
        'Move the anchored value to a top-level x- extension (x-defaults: &name ...) and refer to it from both places.',
      );
    }
  }

  // 4. Every service must be what it was plus the intended changes, and nothing else.
  forgetProjectData(project);
  for (const svc of project.services) {
    for (const site of svc.sites) {
      const after = siteData(site);
      const want = expected.get(site);
      if (sameData(after, want)) continue;
      const keys = new Set([...Object.keys(after ?? {}), ...Object.keys(want ?? {})]);
      const diff = [...keys].filter((k) => !sameData(after?.[k], want?.[k]));
      throw new InvalidInputError(
        `${where(site)}: rewriting the gMSA services would also change ${diff.join(', ')} of this service, which shares a YAML anchor or merge key (<<) with one of them`,
        `Give service "${site.name}" its own ${diff[0] ?? 'settings'}, or move the shared settings into a top-level x- extension (x-defaults: &defaults) that the services merge.`,
      );
    }
  }

  return project.files.map((file) => ({ file, changed: changed.has(file), text: changed.has(file) ? printDoc(file) : file.text }));
}
