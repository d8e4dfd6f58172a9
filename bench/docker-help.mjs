// The docker CLI runs every plugin's handshake for `docker --help` (and `docker info`, completion): with
// docker-gmsa installed, `docker --help` should cost about what it costs without it. Both sides use the
// same docker config, once with the plugin installed (as `install` puts it) and once without.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sideBySide, timeOnce } from './lib.mjs';

export function benchDockerHelp(root) {
  const withPlugin = mkdtempSync(join(tmpdir(), 'gmsa-bench-help-'));
  const without = mkdtempSync(join(tmpdir(), 'gmsa-bench-nohelp-'));
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('DOCKER_')) delete base[k];
  timeOnce(process.execPath, [join(root, 'dist/docker-gmsa.js'), 'install'], { env: { ...base, DOCKER_CONFIG: withPlugin } });
  return sideBySide({
    title: 'docker --help with docker-gmsa installed vs the same docker config without it',
    candidate: { name: 'docker --help (docker-gmsa installed)', run: () => timeOnce('docker', ['--help'], { env: { ...base, DOCKER_CONFIG: withPlugin } }) },
    baseline: { name: 'docker --help (no plugin)', run: () => timeOnce('docker', ['--help'], { env: { ...base, DOCKER_CONFIG: without } }) },
    runs: 40,
    target: 1.1,
  });
}
