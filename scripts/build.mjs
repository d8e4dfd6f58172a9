#!/usr/bin/env node
// Bundles the plugin into ONE CommonJS file, dist/docker-gmsa.js (the npm bin, the installed plugin and the
// input of the Windows executable). Everything past the handshake stays in lazily initialised modules.
import { build } from 'esbuild';
import { chmodSync, readFileSync, statSync } from 'node:fs';
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

/** dockerode's image-build session (gRPC + protobuf) is never used by this plugin: leave it out. */
const dropBuildkit = {
  name: 'drop-buildkit',
  setup(b) {
    b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /dockerode[\\/]lib/.test(args.importer) ? { path: args.path, namespace: 'dropped' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'dropped' }, () => ({
      contents:
        "module.exports = function () { throw new Error('image builds are not part of docker gmsa'); };",
      loader: 'js',
    }));
  },
};

/**
 * The handshake runs on every `docker` help, `docker info` and completion, so the file must parse in a few
 * milliseconds however large the plugin grows. The body (everything past the handshake, bundled from
 * src/cli/entry.ts) is therefore carried inside the same file as a compressed string and compiled only when
 * a command actually runs; main.ts requires './cli/entry', which this plugin points at the unpacker.
 */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
};

const body = await build({
  ...common,
  entryPoints: [join(root, 'src/cli/entry.ts')],
  outfile: 'body.js',
  // ssh2's optional native parts: loaded in try/catch, absent in the bundle.
  external: ['cpu-features', '*.node'],
  plugins: [dropBuildkit],
});
const bodyCode = body.outputFiles[0].text;
const packed = brotliCompressSync(Buffer.from(bodyCode, 'utf8'), {
  params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bodyCode.length },
}).toString('base64');

const unpacker = `
const { brotliDecompressSync } = require('node:zlib');
const { runInThisContext } = require('node:vm');
const BODY = ${JSON.stringify(packed)};
const code = brotliDecompressSync(Buffer.from(BODY, 'base64')).toString('utf8');
const wrapped = runInThisContext('(function (exports, require, module, __filename, __dirname) {' + code + '\\n})', {
  filename: __filename + '#body',
});
wrapped.call(module.exports, module.exports, require, module, __filename, __dirname);
`;

const packBody = {
  name: 'pack-body',
  setup(b) {
    b.onResolve({ filter: /^\.\/cli\/entry$/ }, () => ({ path: 'entry', namespace: 'packed-body' }));
    b.onLoad({ filter: /.*/, namespace: 'packed-body' }, () => ({ contents: unpacker, loader: 'js' }));
  },
};

const outfile = join(root, 'dist/docker-gmsa.js');
await build({
  ...common,
  write: true,
  entryPoints: [join(root, 'src/main.ts')],
  outfile,
  plugins: [packBody],
  banner: { js: `#!/usr/bin/env node\n// docker-gmsa:cli-plugin-bundle ${pkg.version}` },
});
chmodSync(outfile, 0o755);
console.error(
  `built ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB; body ${Math.round(bodyCode.length / 1024)} KiB packed to ${Math.round(packed.length / 1024)} KiB)`,
);
