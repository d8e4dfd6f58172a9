/**
 * Compose files as YAML documents that can be edited and printed back with their comments, key order,
 * blank lines, quoting, anchors, aliases and merge keys intact. The only place that loads the `yaml`
 * package, and only when a function here is first called (never at start-up).
 *
 * Merge keys (`<<: *defaults`) are read as compose reads them: a key in the map itself wins, then the
 * merge sources in order, each with its own merge keys. Edits go to concrete maps, never through an alias.
 */
import type { Alias, Document, Node, Pair, ToStringOptions, YAMLMap, YAMLSeq } from 'yaml';
import { InvalidInputError } from '../errors';

type YamlLib = typeof import('yaml');

let loaded: YamlLib | undefined;

/**
 * yaml marks each node with a registered symbol, which its isMap(), isScalar()... read. The checks below
 * read it directly (one property read: they run for every node of a large file, several times), once the
 * loaded library is seen to mark its nodes that way; otherwise they call yaml's own functions.
 */
const NODE_TYPE = Symbol.for('yaml.node.type');
const MARK = { alias: Symbol.for('yaml.alias'), map: Symbol.for('yaml.map'), pair: Symbol.for('yaml.pair'), scalar: Symbol.for('yaml.scalar'), seq: Symbol.for('yaml.seq') };
let marked = false;

/** The yaml package, loaded on first use. */
export function yamlLib(): YamlLib {
  if (!loaded) {
    const Y = require('yaml') as YamlLib;
    const mark = (n: object): unknown => (n as Record<symbol, unknown>)[NODE_TYPE];
    marked =
      mark(new Y.Alias('a')) === MARK.alias &&
      mark(new Y.YAMLMap()) === MARK.map &&
      mark(new Y.Pair(null)) === MARK.pair &&
      mark(new Y.Scalar(null)) === MARK.scalar &&
      mark(new Y.YAMLSeq()) === MARK.seq;
    loaded = Y;
  }
  return loaded;
}

function markOf(n: unknown): unknown {
  return n !== null && typeof n === 'object' ? (n as Record<symbol, unknown>)[NODE_TYPE] : undefined;
}

/** Compose's own tags (compose-go): a value that replaces, or removes, what earlier files set. */
export const RESET_TAG = '!reset';
export const OVERRIDE_TAG = '!override';

/** Tag definitions for !reset and !override on maps, sequences and scalars, so they parse and print back. */
function composeTags(Y: YamlLib): NonNullable<import('yaml').ParseOptions & import('yaml').SchemaOptions>['customTags'] {
  const tags: unknown[] = [];
  // No identify(): these tags are only ever written explicitly, and yaml asks identify() of every tag for
  // every value it prints.
  for (const tag of [RESET_TAG, OVERRIDE_TAG]) {
    tags.push({ tag, collection: 'map', nodeClass: Y.YAMLMap });
    tags.push({ tag, collection: 'seq', nodeClass: Y.YAMLSeq });
    tags.push({ tag, resolve: (s: string) => s });
  }
  return tags as never;
}

export interface ComposeDoc {
  /** Absolute path, or '-' for standard input. */
  path: string;
  /** How messages name the file (the path as the user gave it, or '(stdin)'). */
  label: string;
  text: string;
  doc: Document.Parsed;
  /** Print options that follow the file's own indentation and flow-collection spacing. */
  style: ToStringOptions;
  /** Warnings the parser gave (unknown tags...), with line and column. */
  warnings: string[];
  /** Folded block scalars (`>`) as written, so printing keeps their line breaks (see printDoc). */
  folded: Map<object, FoldedSource>;
  /** One-line scalars as written (0755, yes, 1e3, "x"...), so printing keeps their spelling. */
  written: Map<object, { value: unknown; type: unknown; source: string }>;
  /** The file's line break. */
  eol: '\n' | '\r\n';
}

interface FoldedSource {
  value: string;
  /** '' (clip) or '-' (strip). */
  chomp: string;
  /** The body lines without their common indentation. */
  lines: string[];
}

interface Positioned {
  pos: [number, number];
  message: string;
}

function position(err: Positioned, lines: { linePos(offset: number): { line: number; col: number } }): string {
  const p = lines.linePos(err.pos[0]);
  return p.line > 0 ? `:${p.line}:${p.col}` : '';
}

function shortMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?\s*$/, '');
}

/**
 * How deeply a compose file may nest collections, as written and with its aliases expanded. Compose files
 * use a handful of levels; the bound keeps every recursive step (the yaml package's own, ours) far from
 * the stack's limit, so a runaway file gets an error naming its line instead of a stack overflow.
 */
export const MAX_NESTING = 200;

const NESTING_HINT = (label: string): string =>
  `A compose file needs a few levels of nesting; look in ${label} for brackets that are never closed or indentation that keeps growing (docker gmsa reads at most ${MAX_NESTING} levels).`;

type CstToken = import('yaml').CST.Token;

/**
 * Passes the parser's documents on, after checking (with an explicit stack, no recursion) that no
 * collection is nested more than MAX_NESTING deep, before the yaml package's composer recurses into them.
 */
function* nestingChecked(tokens: Iterable<CstToken>, label: string, lines: { linePos(offset: number): { line: number; col: number } }): Generator<CstToken> {
  for (const top of tokens) {
    const stack: Array<[CstToken, number]> = [[top, 0]];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const [tok, depth] = next;
      let items: ReadonlyArray<{ key?: CstToken | null; value?: CstToken }> = [];
      if (tok.type === 'document') items = tok.value ? [{ value: tok.value }] : [];
      else if (tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection') {
        if (depth + 1 > MAX_NESTING) {
          const p = lines.linePos(tok.offset);
          throw new InvalidInputError(`${label}:${p.line}:${p.col}: the YAML nests collections more than ${MAX_NESTING} levels deep`, NESTING_HINT(label));
        }
        items = tok.items;
      } else continue;
      const d = tok.type === 'document' ? depth : depth + 1;
      for (const it of items) {
        if (it.key) stack.push([it.key, d]);
        if (it.value) stack.push([it.value, d]);
      }
    }
    yield top;
  }
}

/**
 * Parses one compose file. YAML errors become InvalidInputError naming the file, line and column (the
 * first error; the count when there are more).
 */
/**
 * Reads and parses compose files as given on the command line (`-` is standard input, read once even when
 * named twice); relative paths are taken from `cwd`. Errors name the file.
 */
export async function readComposeFiles(files: readonly string[], cwd: string, readStdin: () => Promise<Buffer>): Promise<ComposeDoc[]> {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const { resolve } = require('node:path') as typeof import('node:path');
  const { fsError } = require('../errors') as typeof import('../errors');
  const docs: ComposeDoc[] = [];
  let stdin: string | undefined;
  for (const f of files) {
    let text: string;
    const abs = f === '-' ? '-' : resolve(cwd, f);
    if (f === '-') {
      stdin ??= (await readStdin()).toString('utf8');
      text = stdin;
    } else {
      try {
        text = readFileSync(abs, 'utf8');
      } catch (err) {
        throw fsError(err, 'read', abs);
      }
    }
    docs.push(parseComposeText(abs, f === '-' ? '(stdin)' : f, text));
  }
  return docs;
}

export function parseComposeText(path: string, label: string, text: string): ComposeDoc {
  const Y = yamlLib();
  // parseDocument's steps, with the nesting checked between the parser (iterative) and the composer.
  const lines = new Y.LineCounter();
  const composer = new Y.Composer({ merge: true, customTags: composeTags(Y), uniqueKeys: true });
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(nestingChecked(new Y.Parser(lines.addNewLine).parse(text), label, lines), true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new Y.YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  if (!doc) throw new Error('the YAML composer gave no document');
  if (doc.errors.length > 0) {
    const first = doc.errors[0] as (typeof doc.errors)[number];
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? 's' : ''})` : '';
    throw new InvalidInputError(
      `${label}${position(first, lines)}: ${shortMessage(first.message)}${more}`,
      `Fix the YAML in ${label}; docker compose cannot read it either.`,
    );
  }
  checkAliases(doc, label, lines);
  labels.set(doc, label);
  const warnings = doc.warnings.map((w) => `${label}${position(w, lines)}: ${shortMessage(w.message)}`);
  const eol = /\r\n/.test(text) && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n';
  const index = indexDocument(doc, text);
  anchorIndex.set(doc, index.targets);
  return { path, label, text, doc, style: detectStyle(text, index.flowPadding), warnings, folded: index.folded, written: index.written, eol };
}

/**
 * Refuses, naming the line, an alias inside the value of its own anchor (`x-a: &a {<<: *a}`: a value
 * that contains itself, which converting to data would follow forever), and aliases that nest the data
 * more than MAX_NESTING levels deep once expanded. One pass in document order: an alias refers to the
 * last anchor of its name before it, which is either still open (an ancestor: the cycle) or finished, and
 * then its expanded depth is known. The recursion is bounded by the nesting nestingChecked allowed.
 */
function checkAliases(doc: Document, label: string, lines: { linePos(offset: number): { line: number; col: number } }): void {
  const anchors = new Map<string, Node>();
  const open = new Set<unknown>();
  const depthOf = new Map<unknown, number>();
  // The nodes of the data with every alias expanded, counted without expanding anything (an anchored
  // value's count is known when an alias refers to it).
  const sizeOf = new Map<unknown, number>();
  let expanded = 0;
  const pos = (n: Node): { line: number; col: number } => lines.linePos(n.range?.[0] ?? 0);
  const at = (n: Node): string => `${label}:${pos(n).line}:${pos(n).col}`;
  /** The expanded depth of `node`, found at `level` (the collections around it). */
  const walk = (node: unknown, level: number): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) return 0; // the composer reported it
      if (open.has(target)) {
        throw new InvalidInputError(
          `${at(node)}: the alias *${node.source} is inside the value it refers to (&${node.source}, from line ${pos(target).line}), so that value would contain itself`,
          `Point *${node.source} at a value defined before and outside it (x-base: &base {...}, then <<: *base where it is needed); docker compose refuses a value that contains itself too.`,
        );
      }
      expanded += sizeOf.get(target) ?? 0;
      if (expanded > MAX_EXPANDED_NODES) throw expansionRefused(label, TOO_MANY_EXPANSIONS);
      const d = depthOf.get(target) ?? 0;
      if (level + d > MAX_NESTING) {
        throw new InvalidInputError(
          `${at(node)}: with the alias *${node.source} expanded, the data nests more than ${MAX_NESTING} levels deep`,
          `An alias nests the whole value it refers to where it stands; check the anchors (&name) and aliases (*name) of ${label} that lead to line ${pos(node).line}.`,
        );
      }
      return d;
    }
    if (!isYamlNode(node) && !isPair(node)) return 0;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node as Node);
    open.add(node);
    const start = expanded;
    if (!isPair(node)) expanded += 1;
    let depth = 0;
    if (isPair(node)) depth = Math.max(walk(node.key, level), walk(node.value, level));
    else if (isMap(node) || isSeq(node)) {
      for (const it of node.items as unknown[]) depth = Math.max(depth, walk(it, level + 1));
      depth += 1;
    }
    open.delete(node);
    if (anchor) {
      depthOf.set(node, depth);
      sizeOf.set(node, expanded - start);
    }
    return depth;
  };
  walk(doc.contents, 0);
}

/**
 * Every node under `node` in document order (a pair's key before its value, a collection before its
 * items), depth first: what yaml's visit() does for our purposes, without the frozen path array it
 * builds for every node (the cost of a visit, in time and garbage, on a large file).
 */
function walkNodes(node: unknown, fn: (n: Node) => void): void {
  const Y = yamlLib();
  const walk = (n: unknown): void => {
    if (isPair(n)) {
      walk(n.key);
      walk(n.value);
      return;
    }
    if (isMap(n) || isSeq(n)) {
      fn(n);
      for (const it of n.items as unknown[]) walk(it);
    } else if (isScalar(n) || isAlias(n)) fn(n);
  };
  walk(Y.isDocument(node) ? node.contents : node);
}

/** What one walk of a parsed document learns for printing and alias resolution. */
interface DocumentIndex {
  /** One-line plain and quoted scalars with their source text. */
  written: Map<object, { value: unknown; type: unknown; source: string }>;
  /** The folded block scalars printing would re-wrap (see foldedSource). */
  folded: Map<object, FoldedSource>;
  /** Whether the first non-empty flow collection has a space inside its bracket. */
  flowPadding?: boolean;
  /** What each alias refers to (see aliasTargets). */
  targets: Map<Alias, Node | undefined>;
}

/**
 * Alias targets as a walk in document order meets the nodes: an alias refers to the last node before it
 * with its anchor, as YAML defines it. `see` takes every node; `targets` is the answer.
 */
function aliasTracker(): { see(n: Node): void; targets: Map<Alias, Node | undefined> } {
  const targets = new Map<Alias, Node | undefined>();
  const last = new Map<string, Node>();
  return {
    targets,
    see: (n) => {
      if (isAlias(n)) targets.set(n, last.get(n.source));
      else {
        const anchor = (n as { anchor?: string }).anchor;
        if (anchor) last.set(anchor, n);
      }
    },
  };
}

function indexDocument(doc: Document, text: string): DocumentIndex {
  // Maps, not WeakMaps: they live as long as the document, and a WeakMap of every scalar costs the garbage
  // collector more than it saves.
  const aliases = aliasTracker();
  const out: DocumentIndex = { written: new Map(), folded: new Map(), targets: aliases.targets };
  walkNodes(doc, (n) => {
    aliases.see(n);
    if (isScalar(n)) {
      // A scalar's range starts after its anchor and tag and ends with its value: its spelling.
      const range = n.range;
      if (!range) return;
      if (n.type === 'PLAIN' || n.type === 'QUOTE_SINGLE' || n.type === 'QUOTE_DOUBLE') {
        const source = text.slice(range[0], range[1]);
        if (!/[\r\n]/.test(source)) out.written.set(n, { value: n.value, type: n.type, source });
      } else if (n.type === 'BLOCK_FOLDED') {
        const f = foldedSource(n, text, range);
        if (f) out.folded.set(n, f);
      }
    } else if (out.flowPadding === undefined && (isMap(n) || isSeq(n)) && n.flow && n.items.length > 0 && n.range) {
      out.flowPadding = text[n.range[0] + 1] === ' ';
    }
  });
  return out;
}

/**
 * A folded block scalar printing would re-wrap (with lineWidth 0, onto one line): one with a plain `>` or
 * `>-` header, no comment, no more-indented lines, and text that starts without a space.
 */
function foldedSource(node: import('yaml').Scalar, text: string, range: readonly number[]): FoldedSource | undefined {
  if (typeof node.value !== 'string') return undefined;
  // The range holds the header line (indicator, then maybe a comment) and the body lines.
  const start = range[0] ?? 0;
  const eol = text.indexOf('\n', start);
  if (eol < 0 || eol >= (range[1] ?? 0)) return undefined;
  const header = text.slice(start, eol).trimEnd();
  if (header !== '>' && header !== '>-') return undefined;
  if ((header === '>-') !== !node.value.endsWith('\n') || node.value.endsWith('\n\n') || /^\s/.test(node.value)) return undefined;
  const lines = text.slice(eol + 1, range[1]).replace(/\r/g, '').replace(/\n+$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => (/^ */.exec(l) as RegExpExecArray)[0].length);
  if (indents.length === 0) return undefined;
  const base = Math.min(...indents);
  if (indents.some((i) => i !== base) || lines.some((l) => /^ *\t/.test(l))) return undefined;
  return { value: node.value, chomp: header.slice(1), lines: lines.map((l) => (l.trim() === '' ? '' : l.slice(base))) };
}

/**
 * The file's indentation (spaces per level), whether block sequences are indented under their key, and
 * whether flow collections have spaces inside the brackets: the first occurrence of each decides.
 */
export function detectStyle(text: string, padding: boolean | undefined): ToStringOptions {
  const lines = text.split(/\r?\n/);
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  const content = (l: string): boolean => l.trim() !== '' && !l.trim().startsWith('#');
  for (let i = 0; i < lines.length && (indent === undefined || indentSeq === undefined); i++) {
    const line = lines[i] as string;
    if (!/^\s*[^\s#-][^#]*:\s*(#.*)?$/.test(line) && !/^\s*- [^#]*:\s*(#.*)?$/.test(line)) continue;
    let j = i + 1;
    while (j < lines.length && !content(lines[j] as string)) j += 1;
    const next = lines[j];
    if (next === undefined) break;
    const own = (/^\s*/.exec(line) as RegExpExecArray)[0].length + (/^\s*- /.test(line) ? 2 : 0);
    const nextIndent = (/^\s*/.exec(next) as RegExpExecArray)[0].length;
    if (/^\s*-( |$)/.test(next)) {
      indentSeq ??= nextIndent > own;
      if (indent === undefined && nextIndent > own) indent = nextIndent - own;
    } else if (nextIndent > own && indent === undefined) {
      indent = nextIndent - own;
    }
  }
  const step = indent && indent >= 2 && indent <= 8 ? indent : 2;
  // The yaml package writes sequences flush with their key only at an indent of 2.
  return { lineWidth: 0, indent: step, indentSeq: step === 2 ? (indentSeq ?? true) : true, flowCollectionPadding: padding ?? false };
}

/**
 * Prints the document back with the file's style and without folding long lines. Folded block scalars
 * that were not changed keep their original line breaks (lineWidth 0 would join them into one line).
 */
export function printDoc(d: ComposeDoc): string {
  const schema = d.doc.schema;
  const tags = schema.tags;
  schema.tags = tags.map((t) => {
    if ((t as import('yaml').CollectionTag).collection || typeof t.stringify !== 'function') return t;
    const original = t.stringify.bind(t);
    const wrapped: import('yaml').ScalarTag = {
      ...(t as import('yaml').ScalarTag),
      stringify(item, ctx, onComment, onChompKeep) {
        const node = item as import('yaml').Scalar;
        if (isScalar(node) && !node.comment) {
          const w = d.written.get(node);
          if (w && Object.is(node.value, w.value) && node.type === w.type) return w.source;
          const o = d.folded.get(node);
          if (o && node.value === o.value && node.type === 'BLOCK_FOLDED' && ctx.indent !== '') {
            return `>${o.chomp}\n${o.lines.map((l) => (l === '' ? '' : ctx.indent + l)).join('\n')}`;
          }
        }
        return original(item, ctx, onComment, onChompKeep);
      },
    };
    return wrapped;
  });
  try {
    const text = d.doc.toString(d.style);
    return d.eol === '\r\n' ? text.replace(/\n/g, '\r\n') : text;
  } finally {
    schema.tags = tags;
  }
}

export function isMap(n: unknown): n is YAMLMap {
  return marked ? markOf(n) === MARK.map : yamlLib().isMap(n);
}

export function isSeq(n: unknown): n is YAMLSeq {
  return marked ? markOf(n) === MARK.seq : yamlLib().isSeq(n);
}

export function isAlias(n: unknown): n is Alias {
  return marked ? markOf(n) === MARK.alias : yamlLib().isAlias(n);
}

export function isScalar(n: unknown): n is import('yaml').Scalar {
  return marked ? markOf(n) === MARK.scalar : yamlLib().isScalar(n);
}

function isPair(n: unknown): n is Pair {
  return marked ? markOf(n) === MARK.pair : yamlLib().isPair(n);
}

function isYamlNode(n: unknown): n is Node {
  if (!marked) return yamlLib().isNode(n);
  const m = markOf(n);
  return m === MARK.map || m === MARK.seq || m === MARK.scalar || m === MARK.alias;
}

/**
 * What each alias of a document refers to, found in one pass in document order (the last anchor of its
 * name before it): yaml's Alias.resolve(doc) walks the whole document for every alias, which is quadratic
 * for a file with many `<<: *common` services. Kept until forgetAnchors() (called whenever a document is
 * edited); an alias made since is resolved by yaml.
 */
const anchorIndex = new WeakMap<object, Map<Alias, Node | undefined>>();

function aliasTargets(doc: Document): Map<Alias, Node | undefined> {
  let targets = anchorIndex.get(doc);
  if (!targets) {
    const aliases = aliasTracker();
    walkNodes(doc, aliases.see);
    targets = aliases.targets;
    anchorIndex.set(doc, targets);
  }
  return targets;
}

export function forgetAnchors(doc: Document): void {
  anchorIndex.delete(doc);
  mergeIndex.delete(doc);
}

/** The name of the first alias with no anchor of that name before it, or undefined (from the alias index). */
export function danglingAlias(doc: Document): string | undefined {
  for (const [alias, target] of aliasTargets(doc)) if (target === undefined) return alias.source;
  return undefined;
}

/** What an alias refers to: the last node with its anchor before it, as YAML defines it. */
function resolveAlias(doc: Document, alias: Alias): unknown {
  const targets = aliasTargets(doc);
  return targets.has(alias) ? targets.get(alias) : alias.resolve(doc);
}

/** The node an alias points at (following chains), or the node itself. */
export function deref(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = resolveAlias(doc, n);
  return n;
}

/** The key of a pair as text ('' for keys that are not scalars). */
export function keyText(pair: Pair): string {
  const k = pair.key;
  if (isScalar(k)) return typeof k.value === 'symbol' ? '<<' : String(k.value);
  return typeof k === 'string' ? k : '';
}

/**
 * A merge key, as yaml reads one (documents are parsed with merge keys on): the `<<` the parser resolved
 * (a plain `<<` key always is), or a plain `<<` scalar made since (concreteTarget's). A quoted "<<" is an
 * ordinary key.
 */
export function isMergePair(pair: Pair): boolean {
  const k = pair.key;
  if (!isScalar(k)) return false;
  if (typeof k.value === 'symbol') return k.value.description === '<<';
  return k.value === '<<' && (!k.type || k.type === 'PLAIN');
}

/**
 * Each map's merge sources, by document: every key lookup that a map does not answer itself asks for
 * them again. Kept until forgetAnchors(), like the alias index (an edit never adds a merge key to a map
 * that was asked before: concreteTarget's map is new).
 */
const mergeIndex = new WeakMap<object, Map<YAMLMap, readonly YAMLMap[]>>();

/** The maps a map merges with `<<`, in the order YAML gives them precedence. */
export function mergeSources(doc: Document, map: YAMLMap): readonly YAMLMap[] {
  let byMap = mergeIndex.get(doc);
  if (!byMap) mergeIndex.set(doc, (byMap = new Map()));
  let out = byMap.get(map);
  if (!out) byMap.set(map, (out = findMergeSources(doc, map)));
  return out;
}

function findMergeSources(doc: Document, map: YAMLMap): YAMLMap[] {
  const out: YAMLMap[] = [];
  for (const p of map.items) {
    if (!isMergePair(p)) continue;
    const v = deref(doc, p.value);
    const items = isSeq(v) ? v.items.map((it) => deref(doc, it)) : [v];
    for (const it of items) if (isMap(it)) out.push(it);
  }
  return out;
}

export interface Entry {
  pair: Pair;
  /** The map that holds the pair: the map itself or one of its merge sources. */
  holder: YAMLMap;
  /** The value node with aliases followed. */
  value: unknown;
  /** The value's tag (`!reset`, `!override`) when it has one. */
  tag?: string;
}

/** A pair as an Entry of `holder`: its value with aliases followed, and the tag it has. */
function entryOf(doc: Document, pair: Pair, holder: YAMLMap): Entry {
  const value = deref(doc, pair.value);
  const tag = (pair.value as Node | null)?.tag ?? (value as Node | null)?.tag;
  return tag ? { pair, holder, value, tag } : { pair, holder, value };
}

/** The effective entry for `key` in `map`: the map's own pair, else the first merge source that has one. */
export function effectiveEntry(doc: Document, map: YAMLMap, key: string, seen: Set<YAMLMap> = new Set()): Entry | undefined {
  if (seen.has(map)) return undefined;
  seen.add(map);
  for (const p of map.items) if (!isMergePair(p) && keyText(p) === key) return entryOf(doc, p, map);
  for (const src of mergeSources(doc, map)) {
    const e = effectiveEntry(doc, src, key, seen);
    if (e) return e;
  }
  return undefined;
}

/**
 * effectiveEntry for several keys in one pass over the map and its merge sources (the same answer for
 * each key as effectiveEntry gives).
 */
export function effectiveEntries(doc: Document, map: YAMLMap, keys: ReadonlySet<string>): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const seen = new Set<YAMLMap>();
  const visit = (m: YAMLMap): void => {
    if (seen.has(m) || out.size === keys.size) return;
    seen.add(m);
    for (const p of m.items) {
      if (isMergePair(p)) continue;
      const k = keyText(p);
      if (keys.has(k) && !out.has(k)) out.set(k, entryOf(doc, p, m));
    }
    for (const src of mergeSources(doc, m)) visit(src);
  };
  visit(map);
  return out;
}

/** Every map, the map itself and its merge sources transitively, that has its own `key`. */
export function holdersOf(doc: Document, map: YAMLMap, key: string, seen: Set<YAMLMap> = new Set()): YAMLMap[] {
  if (seen.has(map)) return [];
  seen.add(map);
  const out: YAMLMap[] = map.items.some((p) => !isMergePair(p) && keyText(p) === key) ? [map] : [];
  for (const src of mergeSources(doc, map)) out.push(...holdersOf(doc, src, key, seen));
  return out;
}

/** The file's top-level map, or undefined when the top level is something else. */
export function rootMap(file: ComposeDoc): YAMLMap | undefined {
  const root = file.doc.contents;
  return isMap(root) ? root : undefined;
}

/** Each file's service maps (aliases followed), by name, in file order. */
export function serviceMaps(file: ComposeDoc): Array<{ name: string; map: YAMLMap }> {
  const root = rootMap(file);
  if (!root) return [];
  const services = effectiveEntry(file.doc, root, 'services');
  if (!services || !isMap(services.value)) return [];
  return services.value.items.flatMap((p) => {
    const m = deref(file.doc, p.value);
    return isMap(m) ? [{ name: keyText(p), map: m }] : [];
  });
}

/** How messages name each parsed document's file. */
const labels = new WeakMap<Document, string>();

/**
 * How many nodes one conversion may yield with every alias expanded. The conversion shares an anchored
 * value among its aliases, so it stays linear in the file; the bound keeps a "billion laughs" file from
 * making every later walk of the data (comparisons, merges) exponential.
 */
const MAX_EXPANDED_NODES = 10_000_000;

class ExpansionError extends Error {}

const TOO_MANY_EXPANSIONS = 'Excessive alias count indicates a resource exhaustion attack';

/** The refusal of a file whose aliases expand too far (`why`: what gave it away). */
function expansionRefused(label: string, why: string): InvalidInputError {
  return new InvalidInputError(
    `${label}: its aliases expand too far (${why})`,
    `Every alias repeats the whole value it refers to; check the anchors (&name) and aliases (*name) of ${label} for values made of aliases that are themselves repeated.`,
  );
}

const YAML_COLLECTION_TAGS = new Set(['tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs']);

/**
 * Plain data of a document's nodes, as yaml's toJS gives it (merge keys applied: a map's own keys win, then
 * the merge sources in order), for one reading of the document: maps become objects keyed by the text of
 * each key (a collection key by its data as JSON), an anchored value is converted once and shared by its
 * aliases, and aliases are resolved through the document's index instead of a walk each.
 */
function converter(doc: Document): (node: unknown) => unknown {
  const Y = yamlLib();
  const label = (): string => labels.get(doc) ?? 'the compose file';
  const done = new Map<object, { data: unknown; size: number }>();
  const open = new Set<object>();
  let expanded = 0;
  const count = (n: number): void => {
    expanded += n;
    if (expanded > MAX_EXPANDED_NODES) throw new ExpansionError(TOO_MANY_EXPANSIONS);
  };
  const set = (out: Record<string, unknown>, key: string, value: unknown): void => {
    if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    else out[key] = value;
  };
  const anchored = (node: Node): { data: unknown; size: number } => {
    let d = done.get(node);
    if (!d) {
      if (open.has(node)) throw new ExpansionError(`the alias of &${String((node as { anchor?: string }).anchor)} is inside the value it refers to`);
      open.add(node);
      const start = expanded;
      const data = plain(node);
      open.delete(node);
      d = { data, size: expanded - start };
      done.set(node, d);
    }
    return d;
  };
  const of = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = resolveAlias(doc, node);
      if (!isYamlNode(target)) throw new ExpansionError(`Unresolved alias (the anchor must be set before the alias): ${node.source}`);
      const d = anchored(target);
      count(d.size);
      return d.data;
    }
    if (!isYamlNode(node)) return node;
    return (node as { anchor?: string }).anchor ? anchored(node).data : plain(node);
  };
  const plain = (node: Node): unknown => {
    count(1);
    if (isScalar(node)) return node.value;
    // !!set, !!omap and !!pairs: what yaml makes of them (a Set, a Map, a list of pairs), which readers refuse.
    if (node.tag !== undefined && YAML_COLLECTION_TAGS.has(node.tag)) return node.toJS(doc, { maxAliasCount: -1 });
    if (isSeq(node)) return node.items.map(of);
    if (!isMap(node)) return null;
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (isMergePair(pair)) {
        const v = deref(doc, pair.value);
        for (const src of isSeq(v) ? v.items : [pair.value]) {
          const data = of(src);
          if (data === null || typeof data !== 'object' || Array.isArray(data) || !isMap(deref(doc, src))) {
            throw new InvalidInputError(`${label()}: a merge key (<<) takes a map, an alias of one, or a list of them`, `Fix the << entry of ${label()}: docker compose cannot merge anything else either.`);
          }
          for (const k of Object.keys(data)) if (!Object.prototype.hasOwnProperty.call(out, k)) set(out, k, (data as Record<string, unknown>)[k]);
        }
        continue;
      }
      const k = isScalar(pair.key) ? pair.key.value : of(pair.key);
      set(out, k !== null && typeof k === 'object' ? JSON.stringify(k) : String(k), of(pair.value));
    }
    return out;
  };
  return (node) => {
    try {
      return of(Y.isDocument(node) ? node.contents : node);
    } catch (err) {
      if (!(err instanceof ExpansionError)) throw err;
      throw expansionRefused(label(), err.message);
    }
  };
}

/** A node's value as plain data, merge keys applied (see converter). */
export function toData(doc: Document, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  // Most settings are one scalar: its value, without setting up a conversion.
  if (isScalar(node)) return node.value;
  return converter(doc)(node);
}

/**
 * The key a service's data has in servicesData: the YAML value of its key node (`null:` is null, `1:` is 1,
 * `"1":` is "1"), which is unique in a map, unlike the key's text.
 */
export function dataKey(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

/**
 * Every service of the document's top-level `services` map as plain data (merge keys applied), by
 * dataKey of its pair, from one reading of the document (each anchored value converted once).
 */
export function servicesData(doc: Document): Map<unknown, unknown> | undefined {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const services = effectiveEntry(doc, root, 'services');
  if (!services || !isMap(services.value)) return undefined;
  const data = converter(doc);
  const out = new Map<unknown, unknown>();
  const add = (map: YAMLMap, seen: Set<YAMLMap>): void => {
    if (seen.has(map)) return;
    seen.add(map);
    for (const p of map.items) if (!isMergePair(p) && !out.has(dataKey(p))) out.set(dataKey(p), data(p.value));
    for (const src of mergeSources(doc, map)) add(src, seen);
  };
  add(services.value, new Set());
  return out;
}

/** 1-based line of a node, for messages. */
const lineStarts = new WeakMap<object, number[]>();

export function lineOf(d: ComposeDoc, node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  if (!range) return undefined;
  let starts = lineStarts.get(d);
  if (!starts) {
    starts = [0];
    for (let i = 0; i < d.text.length; i++) if (d.text.charCodeAt(i) === 10) starts.push(i + 1);
    lineStarts.set(d, starts);
  }
  // The last line start at or before the offset (binary search).
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= range[0]) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** True when `s` written plain would read back as `s` under both YAML 1.2 and YAML 1.1 (go-yaml v2, kubectl). */
function plainIsSafe(s: string): boolean {
  const Y = yamlLib();
  if (s === '' || s !== s.trim() || /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/.test(s)) return false;
  return (['1.1', '1.2'] as const).every((version) => {
    try {
      return Y.parse(`k: ${s}\n${s}: v\n`, { version, uniqueKeys: false, strict: true }) instanceof Object && (Y.parse(`k: ${s}\n`, { version }) as { k?: unknown }).k === s && Y.parse(s, { version }) === s;
    } catch {
      return false;
    }
  });
}

/** Refuses what JSON cannot hold (NaN, functions...): a bug in the caller, not output. */
function checkJson(v: unknown): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`cannot write the number ${v} as YAML`);
    return;
  }
  if (Array.isArray(v)) return v.forEach(checkJson);
  if (typeof v === 'object') return Object.values(v as Record<string, unknown>).forEach(checkJson);
  throw new TypeError(`cannot write a value of type ${typeof v} as YAML`);
}

/**
 * JSON-shaped data as block YAML ending with a newline, through the yaml package: a string stays plain only
 * when YAML 1.2 and YAML 1.1 readers both read it back unchanged, otherwise it is double-quoted.
 */
export function printData(value: unknown): string {
  checkJson(value);
  const Y = yamlLib();
  // As JSON would carry it (-0 is 0, undefined members are left out).
  const doc = new Y.Document(JSON.parse(JSON.stringify(value)) as unknown, { version: '1.2' });
  Y.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') node.type = plainIsSafe(node.value) ? 'PLAIN' : 'QUOTE_DOUBLE';
    },
  });
  // Such characters only occur in double-quoted scalars here (never plain): escape them, as some YAML 1.1
  // readers fold NEL and the Unicode separators into spaces.
  return doc
    .toString({ lineWidth: 0, doubleQuotedAsJSON: false })
    .replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    });
}
