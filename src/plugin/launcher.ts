/**
 * The file `install` puts in a Unix cli-plugins folder: ONE file (the docker CLI treats every `docker-*`
 * entry there as a plugin candidate, so nothing else may land beside it), a POSIX sh script followed by
 * sections of bytes:
 *
 *   #!/bin/sh
 *   # docker-gmsa:cli-plugin-launcher ...
 *   if [ "$1" = docker-cli-plugin-metadata ]; then printf '<metadata>'; exit 0; fi
 *   N='<node that ran install>'; [ -x "$N" ] || N=$(command -v node) || { ...; exit 127; }
 *   <NODE_EXTRA_CA_CERTS handed over rather than loaded by Node at start, and --use-openssl-ca: util/trust.ts>
 *   exec "$N" ${gmsa_node_flags:+"$gmsa_node_flags"} -e '<LOADER>' -- "$0" "$@"
 *   exit 127
 *   #docker-gmsa:sections {"bundle":[0,n],"body":[n,m],...,"body.cache":[...]}
 *   <the sections, one after the other>
 *
 * sh answers the handshake (`docker --help`, `docker info` and completion cost a shell start, not a Node
 * start) and never reads past the `exec`. Node runs LOADER, which reads the table and only the sections
 * it needs, then runs the bundle (section `bundle`, exactly the file that was installed) as a CommonJS
 * module with `"$0"` as its path. The bundle's packed layers (body, ldapts, yaml) take their
 * code from the sections too: no brotli, no base64, and each with the V8 code cache `install` made, so
 * V8 neither parses nor compiles what the install already compiled (scripts/build.mjs, UNPACK_RUNTIME).
 * Profiled on `run --dry-run`, that is most of what the plugin cost on top of Node's own start; Node
 * reading the whole file as a script (what a sh + JavaScript polyglot costs) is avoided as well.
 *
 * A code cache is only valid for the Node that made it, with the same V8 flags; V8 checks that and
 * refuses a cache that does not fit (the layer is then compiled from its code, as without a cache). The
 * Node that made them is named in the header, so installing again with another Node rewrites the file.
 */
import { brotliDecompressSync } from 'node:zlib';
import { Script } from 'node:vm';
import { EXTRA_CA_DEFERRED, EXTRA_CA_HANDOFF, ROOT_STORE_DEFERRED } from '../util/trust';

/** Present in the launcher's header (the bundle section carries PLUGIN_MARKER as well). */
export const LAUNCHER_MARKER = 'docker-gmsa:cli-plugin-launcher';

const SHEBANG = '#!/bin/sh\n';
const TABLE_PREFIX = '\n#docker-gmsa:sections ';
/** The sh header and the table line are within this many bytes (the metadata and a Node path). */
const HEAD_MAX = 64 * 1024;
/** Starts the bundle's last line, written by scripts/build.mjs: where each packed layer sits. */
const LAYER_INDEX_PREFIX = '\n//# docker-gmsa:layers ';
/** The global the loader and the bundle's unpack runtime share (scripts/build.mjs, UNPACK_RUNTIME). */
const LAYERS_KEY = 'docker-gmsa.layers';
/** How the loader wraps the bundle as a CommonJS module (a code cache is for exactly this text). */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const WRAP_TAIL = '\n})';

/**
 * Set for a run of a launcher, a folder where the loader writes, as Node exits, the code cache of the
 * bundle and of every layer that run compiled (install's warm-up run, install.ts).
 */
export const CODE_CACHE_OUT = 'DOCKER_GMSA_CODE_CACHE_OUT';

/**
 * The Node flag the launcher starts Node with (unless NODE_OPTIONS is set), so that the first TLS
 * context need not parse Node's bundled roots (util/trust.ts, ROOT_STORE_DEFERRED).
 */
const ROOT_STORE_FLAG = '--use-openssl-ca';

/**
 * Run by `node -e` (so no single quote, for sh). Reads the table and then each section on first use
 * through one descriptor, so a launcher replaced meanwhile (install writes a new file and renames it
 * over this one) is still read whole from the old file.
 */
const LOADER = `"use strict";
const handedCa = process.env.${EXTRA_CA_HANDOFF};
if (handedCa !== undefined) {
  delete process.env.${EXTRA_CA_HANDOFF};
  process.env.NODE_EXTRA_CA_CERTS = handedCa;
  globalThis[Symbol.for(${JSON.stringify(EXTRA_CA_DEFERRED)})] = handedCa;
}
if (process.execArgv.includes("${ROOT_STORE_FLAG}")) globalThis[Symbol.for(${JSON.stringify(ROOT_STORE_DEFERRED)})] = true;
const fs = require("fs"), path = require("path"), vm = require("vm"), Module = require("module");
const file = (process.argv[1] = path.resolve(process.argv[1]));
const fd = fs.openSync(file, "r");
const head = Buffer.alloc(${HEAD_MAX});
const got = fs.readSync(fd, head, 0, head.length, 0);
const at = head.subarray(0, got).indexOf(${JSON.stringify(TABLE_PREFIX)});
const eol = at < 0 ? -1 : head.subarray(0, got).indexOf(10, at + 1);
if (eol < 0) throw new Error("docker-gmsa: " + file + " has no sections table: install the plugin again");
const table = JSON.parse(head.latin1Slice(at + ${TABLE_PREFIX.length}, eol));
const read = (key) => {
  const at = table[key];
  if (!at) return undefined;
  const b = Buffer.allocUnsafe(at[1]);
  if (fs.readSync(fd, b, 0, at[1], eol + 1 + at[0]) !== at[1]) throw new Error("docker-gmsa: " + file + " is cut short: install the plugin again");
  return b;
};
const layers = (globalThis[Symbol.for(${JSON.stringify(LAYERS_KEY)})] ??= { scripts: new Map() });
layers.sections = (name) => {
  const code = read(name);
  return code && { code: code.toString(), cache: read(name + ".cache") };
};
const mod = new Module(file, null);
mod.filename = file;
mod.paths = Module._nodeModulePaths(path.dirname(file));
const source = ${JSON.stringify(WRAP_HEAD)} + read("bundle").toString().replace(/^#!/, "//") + ${JSON.stringify(WRAP_TAIL)};
const script = new vm.Script(source, { filename: file, cachedData: read("bundle.cache") });
layers.scripts.set("bundle", { script });
const out = process.env.${CODE_CACHE_OUT};
if (out) process.on("exit", () => { for (const [name, s] of layers.scripts) fs.writeFileSync(path.join(out, name + ".cache"), s.script.createCachedData()); });
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
`;

/** Node's arguments that run a launcher file as sh would (for install's warm-up run). */
export function loaderArgs(file: string, args: readonly string[]): string[] {
  return ['-e', LOADER, '--', file, ...args];
}

/** The text the loader compiles for a bundle (its hashbang made a comment of the same length). */
function bundleSource(bundle: Buffer): string {
  return WRAP_HEAD + bundle.toString().replace(/^#!/, '//') + WRAP_TAIL;
}

/** A value as one sh single-quoted word. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text as a printf format that prints exactly that text ('%' and '\' escaped, newlines as \n). */
function printfFormat(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/\n/g, '\\n');
}

export interface LauncherInput {
  /** The bundle file's content (`#!/usr/bin/env node` first), or a launcher (its bundle is used). */
  bundle: Buffer;
  /** The handshake answer, exactly as the bundle prints it. */
  metadataText: string;
  /** Absolute path of the Node that ran `install`. */
  node: string;
  /** Each packed layer's code (bundleLayers), put in sections of the same name. */
  layers?: ReadonlyMap<string, string>;
  /** V8 code caches (codeCaches): for `bundle` and for layers, and the Node that made them. */
  caches?: { madeBy: string; data: ReadonlyMap<string, Buffer> };
}

interface Parsed {
  /** Everything before the table line. */
  header: Buffer;
  table: Record<string, [number, number]>;
  /** Offset of the first section. */
  base: number;
}

export function isLauncher(content: Buffer): boolean {
  return content.subarray(0, SHEBANG.length + 2 + LAUNCHER_MARKER.length).toString('latin1') === `${SHEBANG}# ${LAUNCHER_MARKER}`;
}

function parse(content: Buffer): Parsed | undefined {
  if (!isLauncher(content)) return undefined;
  const head = content.subarray(0, HEAD_MAX);
  const at = head.indexOf(TABLE_PREFIX, 0, 'latin1');
  const eol = at < 0 ? -1 : head.indexOf(0x0a, at + 1);
  if (eol < 0) return undefined;
  try {
    const table = JSON.parse(head.subarray(at + TABLE_PREFIX.length, eol).toString('latin1')) as Parsed['table'];
    const base = eol + 1;
    const fits = Object.values(table).every(([start, length]) => Number.isSafeInteger(start) && Number.isSafeInteger(length) && start >= 0 && length >= 0 && base + start + length <= content.length);
    return fits ? { header: content.subarray(0, at + 1), table, base } : undefined;
  } catch {
    return undefined;
  }
}

function section(content: Buffer, p: Parsed, key: string): Buffer | undefined {
  const at = p.table[key];
  return at ? content.subarray(p.base + at[0], p.base + at[0] + at[1]) : undefined;
}

/** The bundle a launcher carries, byte for byte; any other content is returned as is. */
export function bundleOf(content: Buffer): Buffer {
  const p = parse(content);
  return (p && section(content, p, 'bundle')) ?? content;
}

/**
 * Two launchers that run the same code with the same Node: header and every section but the code
 * caches alike (V8 need not make a cache byte for byte the same twice). Any other content: equal bytes.
 */
export function sameLauncher(a: Buffer, b: Buffer): boolean {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return a.equals(b);
  const code = (p: Parsed): string[] => Object.keys(p.table).filter((k) => !k.endsWith('.cache'));
  const ka = code(pa);
  return (
    pa.header.equals(pb.header) &&
    ka.join('\n') === code(pb).join('\n') &&
    ka.every((k) => (section(a, pa, k) as Buffer).equals(section(b, pb, k) as Buffer))
  );
}

/**
 * The code of each layer packed in a bundle, from the index on its last line (scripts/build.mjs);
 * none for a bundle without one.
 */
export function bundleLayers(bundle: Buffer): Map<string, string> {
  const layers = new Map<string, string>();
  const text = bundle.toString('latin1');
  const at = text.lastIndexOf(LAYER_INDEX_PREFIX);
  if (at < 0) return layers;
  let index: Record<string, [string | null, number, number]>;
  try {
    index = JSON.parse(text.slice(at + LAYER_INDEX_PREFIX.length)) as typeof index;
  } catch {
    return layers;
  }
  const codeOf = (name: string, depth = 0): string | undefined => {
    if (layers.has(name)) return layers.get(name);
    const entry = index[name];
    if (!entry || depth > 8) return undefined;
    const [parent, start, length] = entry;
    const parentText = parent === null ? text : codeOf(parent, depth + 1);
    if (parentText === undefined) return undefined;
    const code = brotliDecompressSync(Buffer.from(parentText.slice(start, start + length), 'base64')).toString('utf8');
    layers.set(name, code);
    return code;
  };
  for (const name of Object.keys(index)) codeOf(name);
  return layers;
}

/** What the bundle's unpack runtime shares, when this process runs the bundle (not under ts-jest). */
interface LayerRegistry {
  cacheFor?: (name: string, code: string) => Buffer;
}

/**
 * V8 code caches for the bundle and its layers, made by this Node. A layer this process runs from the
 * same code (the body, when install runs from the bundle or a launcher of it) gives the cache of what
 * this run compiled, which is most of what any command compiles; the others are compiled for the
 * occasion.
 */
export function codeCaches(bundle: Buffer, layers: ReadonlyMap<string, string>): Map<string, Buffer> {
  const caches = new Map<string, Buffer>();
  caches.set('bundle', new Script(bundleSource(bundle), { filename: 'bundle' }).createCachedData());
  const registry = (globalThis as Record<symbol, LayerRegistry | undefined>)[Symbol.for(LAYERS_KEY)];
  if (registry?.cacheFor) for (const [name, code] of layers) caches.set(name, registry.cacheFor(name, code));
  return caches;
}

export function unixLauncher(input: LauncherInput): Buffer {
  if (/[\n\0]/.test(input.node)) throw new Error(`unusable Node path ${JSON.stringify(input.node)}`);
  const bundle = bundleOf(input.bundle);
  const sections: [string, Buffer][] = [['bundle', bundle]];
  for (const [name, code] of input.layers ?? []) sections.push([name, Buffer.from(code, 'utf8')]);
  for (const [name, cache] of input.caches?.data ?? []) sections.push([`${name}.cache`, cache]);
  const table: Record<string, [number, number]> = {};
  let offset = 0;
  for (const [key, bytes] of sections) {
    table[key] = [offset, bytes.length];
    offset += bytes.length;
  }
  const header = [
    `# ${LAUNCHER_MARKER}: sh answers the docker CLI handshake, Node runs the bundle from the sections below`,
    ...(input.caches ? [`# V8 code caches made by ${input.caches.madeBy.replace(/[^\x20-\x7e]/g, '?')}`] : []),
    `if [ "$1" = docker-cli-plugin-metadata ]; then printf ${shQuote(printfFormat(input.metadataText))}; exit 0; fi`,
    `N=${shQuote(input.node)}; [ -x "$N" ] || N=$(command -v node) || { echo "docker-gmsa: Node.js not found: "${shQuote(input.node)}" is gone and PATH has no node" >&2; exit 127; }`,
    // Node would parse NODE_EXTRA_CA_CERTS before the loader runs, and its bundled roots at the first TLS
    // context: the loader puts the variable back and the bundle settles the root store (util/trust.ts).
    // Not with NODE_OPTIONS set: options there may change what Node's default trust is.
    `unset ${EXTRA_CA_HANDOFF}; gmsa_node_flags=; if [ -z "\${NODE_OPTIONS-}" ]; then gmsa_node_flags=${ROOT_STORE_FLAG}; if [ -n "\${NODE_EXTRA_CA_CERTS-}" ]; then ${EXTRA_CA_HANDOFF}=$NODE_EXTRA_CA_CERTS; export ${EXTRA_CA_HANDOFF}; unset NODE_EXTRA_CA_CERTS; fi; fi`,
    `exec "$N" \${gmsa_node_flags:+"$gmsa_node_flags"} -e ${shQuote(LOADER)} -- "$0" "$@"`,
    'exit 127',
  ].join('\n');
  const head = Buffer.from(`${SHEBANG}${header}${TABLE_PREFIX}${JSON.stringify(table)}\n`, 'utf8');
  if (head.length > HEAD_MAX) throw new Error('launcher header too long');
  return Buffer.concat([head, ...sections.map(([, bytes]) => bytes)]);
}
