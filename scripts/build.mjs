#!/usr/bin/env node
// Bundles the plugin into ONE CommonJS file, dist/docker-gmsa.js (the npm bin, the installed plugin and the
// input of the Windows executable). Everything past the handshake stays in lazily initialised modules.
import { build } from 'esbuild';
import { appendFileSync, chmodSync, readFileSync, statSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const meta = JSON.parse(readFileSync(join(root, 'plugin-metadata/docker-cli-plugin-metadata.json'), 'utf8'));
if (meta.Version !== pkg.version) {
  console.error(`plugin-metadata Version ${meta.Version} differs from package.json version ${pkg.version}`);
  process.exit(1);
}

/**
 * Node built-ins that bundled code (ours, commander, the libraries) requires when it loads, though most
 * commands never call them: commander requires child_process, our modules crypto and fs/promises, ldapts
 * tls. Node compiles each built-in on its first require, which profiled at about 20 ms of `run --dry-run`
 * (with the Docker SDK this tool used then, which required https, tls and crypto). Each of these becomes
 * an object of accessors over the real module's properties, which requires it on first use. Assigning behaves as for the module's data
 * properties: on the module itself it writes the module; on an object that inherits from it (libraries
 * build wrappers of http so) it gives that object its own property.
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'dgram', 'dns', 'fs/promises', 'http', 'https', 'net', 'os', 'querystring', 'readline', 'tls', 'url', 'zlib'];

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.map((m) => m.replace('/', '\\/')).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const real = await import(`node:${args.path}`);
      const mod = real.default ?? real;
      const props = Object.getOwnPropertyNames(mod).map((k) => [k, Object.getOwnPropertyDescriptor(mod, k).enumerable]);
      return {
        contents: `let m;
const load = () => (m ??= require(${JSON.stringify(`node:${args.path}`)}));
for (const [k, enumerable] of ${JSON.stringify(props)}) {
  Object.defineProperty(exports, k, {
    enumerable,
    get: () => load()[k],
    // as for a data property: the module's own when assigned on it, else the assigning object's
    set(v) {
      if (this === exports) load()[k] = v;
      else Object.defineProperty(this, k, { value: v, writable: true, enumerable: true, configurable: true });
    },
  });
}`,
        loader: 'js',
      };
    });
  },
};

/**
 * Start-up cost grows with what V8 has to parse, so the file is built in layers, each compiled only when
 * it is first needed:
 * - the launcher (src/main.ts): the handshake, and nothing else that runs before it;
 * - the body (src/cli/entry.ts and our code, commander): unpacked when a command runs;
 * - one chunk per heavy library (LAZY_LIBRARIES): unpacked on the first require() of that library, which
 *   our code only does inside the functions that use it.
 * Each layer is bundled separately, brotli-compressed and embedded as a base64 string: scanning a string
 * costs V8 far less than parsing code.
 */
const LAZY_LIBRARIES = ['ldapts', 'yaml'];

/** Starts the bundle's last line (src/plugin/launcher.ts reads it). */
const LAYER_INDEX_PREFIX = '//# docker-gmsa:layers ';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  // optional native parts of dependencies: loaded in try/catch, absent in the bundle.
  external: ['*.node'],
};

function pack(code) {
  return brotliCompressSync(Buffer.from(code, 'utf8'), {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: code.length },
  }).toString('base64');
}

/**
 * The runtime that turns a packed layer back into module.exports (one copy in the launcher, one in the
 * body; they share their state through a global registry, LAYERS_KEY):
 * - a layer's code comes from the installed launcher's sections when it has them (src/plugin/launcher.ts:
 *   raw code and a V8 code cache, so no decompression and no parse), else from the packed string;
 * - every compiled layer is kept in the registry with its code, so that `install` can ask for a code cache
 *   of a layer (cacheFor): the running script's own when it ran this very code (it then holds the functions
 *   this process compiled), else a fresh compile's.
 */
const UNPACK_RUNTIME = `
const LAYERS_KEY = Symbol.for('docker-gmsa.layers');
const layers = (globalThis[LAYERS_KEY] ??= { scripts: new Map() });
function compile(code, name, cachedData) {
  return new (require('node:vm').Script)('(function (exports, require, module, __filename, __dirname) {' + code + '\\n})', {
    filename: __filename + '#' + name,
    cachedData,
  });
}
layers.cacheFor ??= function cacheFor(name, code) {
  const live = layers.scripts.get(name);
  return (live && live.code === code ? live.script : compile(code, name)).createCachedData();
};
module.exports = function unpack(packed, name, parentRequire) {
  const section = layers.sections && layers.sections(name);
  const code = section ? section.code : require('node:zlib').brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8');
  const script = compile(code, name, section && section.cache);
  layers.scripts.set(name, { script, code });
  const fn = script.runInThisContext();
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, parentRequire, mod, __filename, __dirname);
  return mod.exports;
};
`;

const sizes = [];
/** name -> its packed string and the layer that embeds it (undefined: the file itself). */
const packedLayers = new Map();

/** A plugin that replaces `specifier` (matched by filter) with a packed copy of `code`. */
function packedModule(name, filter, code, parent) {
  const packed = pack(code);
  packedLayers.set(name, { packed, parent });
  sizes.push(`${name} ${Math.round(code.length / 1024)}->${Math.round(packed.length / 1024)} KiB`);
  return {
    name: `pack-${name}`,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: name, namespace: 'packed' }));
      b.onResolve({ filter: /^gmsa-unpack-runtime$/ }, () => ({ path: 'runtime', namespace: 'unpack-runtime' }));
      b.onLoad({ filter: /^runtime$/, namespace: 'unpack-runtime' }, () => ({ contents: UNPACK_RUNTIME, loader: 'js' }));
      b.onLoad({ filter: new RegExp(`^${name}$`), namespace: 'packed' }, () => ({
        contents: `module.exports = require('gmsa-unpack-runtime')(${JSON.stringify(packed)}, ${JSON.stringify(name)}, require);`,
        loader: 'js',
      }));
    },
  };
}

async function bundle(entry, plugins = []) {
  const r = await build({ ...common, ...entry, outfile: 'out.js', plugins });
  return r.outputFiles[0].text;
}

const libraryPlugins = [];
for (const lib of LAZY_LIBRARIES) {
  const code = await bundle({ stdin: { contents: `module.exports = require(${JSON.stringify(lib)});`, resolveDir: root } }, [lazyBuiltins]);
  libraryPlugins.push(packedModule(lib, new RegExp(`^${lib}$`), code, 'body'));
}
const bodyCode = await bundle({ entryPoints: [join(root, 'src/cli/entry.ts')] }, [lazyBuiltins, ...libraryPlugins]);

const outfile = join(root, 'dist/docker-gmsa.js');
await build({
  ...common,
  write: true,
  entryPoints: [join(root, 'src/main.ts')],
  outfile,
  plugins: [packedModule('body', /^\.\/cli\/entry$/, bodyCode)],
  banner: { js: `#!/usr/bin/env node\n// docker-gmsa:cli-plugin-bundle ${pkg.version}` },
});

/**
 * The last line says where each packed layer sits: in the file, or in the code of the layer that embeds
 * it; a [start, length] of its base64 text. `install` reads it to put each layer's code in the launcher's
 * sections (src/plugin/launcher.ts); to Node and to the executable it is a comment.
 */
const texts = { undefined: readFileSync(outfile, 'latin1'), body: bodyCode };
const index = {};
for (const [name, { packed, parent }] of packedLayers) {
  const text = texts[parent];
  const start = text.indexOf(packed);
  if (start < 0 || text.lastIndexOf(packed) !== start) throw new Error(`layer ${name}: its packed text is not once in ${parent ?? 'the file'}`);
  index[name] = [parent ?? null, start, packed.length];
}
appendFileSync(outfile, `${LAYER_INDEX_PREFIX}${JSON.stringify(index)}\n`);
chmodSync(outfile, 0o755);
console.error(`built ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB; packed layers: ${sizes.join(', ')})`);
