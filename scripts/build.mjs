#!/usr/bin/env node
// Bundles the plugin into ONE CommonJS file, dist/docker-gmsa.js (the npm bin, the installed plugin and the
// input of the Windows executable). Everything past the handshake stays in lazily initialised modules.
import { build } from 'esbuild';
import { chmodSync, readFileSync, statSync } from 'node:fs';
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

const outfile = join(root, 'dist/docker-gmsa.js');
await build({
  entryPoints: [join(root, 'src/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  // ssh2's optional native parts: loaded in try/catch, absent in the bundle.
  external: ['cpu-features', '*.node'],
  plugins: [dropBuildkit],
  banner: { js: `#!/usr/bin/env node\n// docker-gmsa:cli-plugin-bundle ${pkg.version}` },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.error(`built ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB)`);
