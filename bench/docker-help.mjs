// The docker CLI runs every plugin's handshake for `docker --help` (and `docker info`, completion): with
// docker-gmsa installed, `docker --help` should cost about what it costs without it. Both sides use the
// same docker config, once with the plugin installed (as `install` puts it) and once without.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sideBySide, timeOnce } from './lib.mjs';

export function benchDockerHelp(root) {
  const withPlugin = mkdtempSync(join(tmpdir(), 'gmsa-bench-help-'));
  const without = mkdtempSync(join(tmpdir(), 'gmsa-bench-nohelp-'));
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('DOCKER_')) delete base[k];
  timeOnce(process.execPath, [join(root, 'dist/docker-gmsa.js'), 'install'], { env: { ...base, DOCKER_CONFIG: withPlugin } });
  // The floor for any plugin that is a script: a two-line sh plugin that only prints metadata.
  const floor = mkdtempSync(join(tmpdir(), 'gmsa-bench-floor-'));
  mkdirSync(join(floor, 'cli-plugins'));
  writeFileSync(join(floor, 'cli-plugins', 'docker-floor'), `#!/bin/sh\nprintf '%s\\n' '{"SchemaVersion":"0.1.0","Vendor":"bench"}'\n`);
  chmodSync(join(floor, 'cli-plugins', 'docker-floor'), 0o755);
  const help = (config) => () => timeOnce('docker', ['--help'], { env: { ...base, DOCKER_CONFIG: config } });
  return [
    sideBySide({
      title: 'docker --help with docker-gmsa installed vs the same docker config without it',
      candidate: { name: 'docker --help (docker-gmsa installed)', run: help(withPlugin) },
      baseline: { name: 'docker --help (no plugin)', run: help(without) },
      runs: 40,
      target: 1.1,
    }),
    sideBySide({
      title: 'docker --help: docker-gmsa vs the smallest sh plugin (printed only: what one process spawn costs)',
      candidate: { name: 'docker --help (docker-gmsa installed)', run: help(withPlugin) },
      baseline: { name: 'docker --help (two-line sh plugin)', run: help(floor) },
      runs: 40,
    }),
  ];
}
