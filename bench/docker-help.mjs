// The docker CLI runs every plugin's handshake for `docker --help` (and `docker info`, completion): with
// docker-gmsa installed, `docker --help` should cost about what it costs without it. All sides use a
// docker config of their own, measured in the same rounds: none (no plugin), docker-gmsa as `install`
// puts it, a two-line sh plugin, and the floor, a static binary that only write(2)s its metadata (built
// here with the C compiler, when there is one). The floor is what the docker CLI spawning any plugin
// costs, and no plugin can cost less; it depends on the machine (the CLI's own start runs alongside).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interleave, ratioRow, timeOnce } from './lib.mjs';

const FLOOR_C = `#include <unistd.h>
static const char m[] = "{\\"SchemaVersion\\":\\"0.1.0\\",\\"Vendor\\":\\"bench\\"}\\n";
int main(void) { return write(1, m, sizeof m - 1) == sizeof m - 1 ? 0 : 1; }
`;

/** The machine's own plugin folders (docker CLI 28 on Linux): their plugins' handshakes run for every config. */
const SYSTEM_PLUGIN_DIRS = ['/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins'];

function systemPlugins() {
  const found = [];
  for (const dir of SYSTEM_PLUGIN_DIRS) {
    try {
      for (const name of readdirSync(dir)) if (name.startsWith('docker-')) found.push(`${dir}/${name}`);
    } catch {
      // no such folder
    }
  }
  return found;
}

/** A config dir whose cli-plugins holds the floor plugin, or undefined without a C compiler. */
function floorConfig() {
  const dir = mkdtempSync(join(tmpdir(), 'gmsa-bench-floor-'));
  mkdirSync(join(dir, 'cli-plugins'));
  writeFileSync(join(dir, 'floor.c'), FLOOR_C);
  const out = join(dir, 'cli-plugins', 'docker-floor');
  for (const cc of ['cc', 'gcc', 'clang']) {
    for (const flags of [['-static'], []]) {
      if (spawnSync(cc, ['-O2', ...flags, '-o', out, join(dir, 'floor.c')], { stdio: 'ignore' }).status === 0) return dir;
    }
  }
  return undefined;
}

export function benchDockerHelp(root) {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('DOCKER_')) delete base[k];
  const config = (prefix) => mkdtempSync(join(tmpdir(), prefix));
  const without = config('gmsa-bench-nohelp-');
  const withPlugin = config('gmsa-bench-help-');
  timeOnce(process.execPath, [join(root, 'dist/docker-gmsa.js'), 'install'], { env: { ...base, DOCKER_CONFIG: withPlugin } });
  const sh = config('gmsa-bench-sh-');
  mkdirSync(join(sh, 'cli-plugins'));
  writeFileSync(join(sh, 'cli-plugins', 'docker-floor'), `#!/bin/sh\nprintf '%s\\n' '{"SchemaVersion":"0.1.0","Vendor":"bench"}'\n`);
  chmodSync(join(sh, 'cli-plugins', 'docker-floor'), 0o755);
  const floor = floorConfig();

  const help = (name, dir) => ({ name, run: () => timeOnce('docker', ['--help'], { env: { ...base, DOCKER_CONFIG: dir } }) });
  const GMSA = 'docker --help (docker-gmsa installed)';
  const NONE = 'docker --help (no plugin)';
  const SH = 'docker --help (two-line sh plugin)';
  const FLOOR = 'docker --help (static write(2)-only plugin)';
  const variants = [help(GMSA, withPlugin), help(NONE, without), help(SH, sh), ...(floor ? [help(FLOOR, floor)] : [])];
  const system = systemPlugins();
  // Each of them is spawned for every `docker --help` on every side, so it adds to the baseline: the
  // ratio is lower on a machine with more of them.
  console.log(`docker --help: every side also runs the handshake of ${system.length ? system.join(', ') : 'no system-wide plugin'}\n`);
  const samples = interleave(variants, { runs: 60 });
  const rows = [ratioRow({ title: 'docker --help with docker-gmsa installed vs the same docker config without it', candidate: GMSA, baseline: NONE, samples, target: 1.1 })];
  if (floor) {
    rows.push(
      ratioRow({ title: 'floor: docker --help with the cheapest possible plugin vs without (printed only: what spawning any plugin costs)', candidate: FLOOR, baseline: NONE, samples }),
      ratioRow({ title: 'docker --help: docker-gmsa vs the cheapest possible plugin (printed only)', candidate: GMSA, baseline: FLOOR, samples }),
    );
  } else {
    console.log('floor: docker --help with the cheapest possible plugin: not measured (no C compiler)\n');
  }
  rows.push(ratioRow({ title: 'docker --help: docker-gmsa vs the smallest sh plugin (printed only)', candidate: GMSA, baseline: SH, samples }));
  return rows;
}
