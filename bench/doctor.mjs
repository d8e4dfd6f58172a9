// doctor: a healthy run on the lab (the DC and a stand-in Windows engine) against one AD command that
// opens the same kind of connection (account show), side by side; and, with the DC unreachable (a DC
// address whose LDAPS port accepts and never answers, and silent DNS and CLDAP), the wall time against
// --timeout + 1 s. Needs the lab DC (scripts/lab up).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ACCOUNT = 'benchdoctor1';
const SILENT_IP = '127.0.91.8';
const TIMEOUT_S = 1;

function labEnv(root) {
  const up = spawnSync('bash', [join(root, 'scripts/lab'), 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (up.status !== 0) return undefined;
  const text = execFileSync('bash', [join(root, 'scripts/lab'), 'env'], { encoding: 'utf8' });
  const env = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2].replace(/\\(.)/g, '$1').replace(/^'(.*)'$/, '$1');
  return env.GMSA_LDAP_URL ? env : undefined;
}

/** Wall time of one run, whatever its exit status (doctor exits 1 when a check fails). */
function wall(cmd, args, opts) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: 'ignore', ...opts });
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code }));
  });
}

/** A DC that does not answer: TCP 636 accepts and stays silent; UDP 53 and 389 read and never reply. */
async function silentDc() {
  const held = [];
  const tcp = createServer((s) => held.push(s));
  await new Promise((r) => tcp.listen(636, SILENT_IP, r));
  const udps = [];
  for (const port of [53, 389]) {
    const u = createSocket('udp4');
    await new Promise((r) => u.bind(port, SILENT_IP, r));
    udps.push(u);
  }
  return () => {
    for (const s of held) s.destroy();
    tcp.close();
    for (const u of udps) u.close();
  };
}

export async function benchDoctor(root) {
  const env = labEnv(root);
  if (!env) {
    console.log('doctor: NOT RUN (the lab DC did not start: run as root, see scripts/lab)\n');
    return undefined;
  }
  const require = createRequire(import.meta.url);
  const { startWindowsEngine } = require(join(root, 'test/support/windows-engine.js'));
  const dir = mkdtempSync(join(tmpdir(), 'gmsa-bench-doctor-'));
  const dockerRoot = join(dir, 'root');
  mkdirSync(join(dockerRoot, 'CredentialSpecs'), { recursive: true });
  const engine = await startWindowsEngine({ socketPath: join(mkdtempSync('/tmp/gs-'), 'e.sock'), fixture: 'windows-20348-engine-24.0', rootDir: dockerRoot });
  const bundle = join(root, 'dist/docker-gmsa.js');
  const runEnv = { ...process.env, ...env, DOCKER_HOST: `unix://${engine.socketPath}`, DOCKER_CONFIG: dir };
  const gmsa = (args) => spawnSync(process.execPath, [bundle, ...args], { env: runEnv, stdio: 'ignore' });
  try {
    gmsa(['account', 'create', ACCOUNT, '--hosts', 'WEBHOST01']);
    gmsa(['spec', 'create', ACCOUNT, '--root', dockerRoot]);
    // The stand-in is served from this process, so the runs use spawn (async), not spawnSync.
    const healthy = [];
    const baseline = [];
    for (let i = 0; i < 12; i++) {
      const d = await wall(process.execPath, [bundle, 'doctor', ACCOUNT, '--host', 'WEBHOST01'], { env: runEnv });
      if (d.code !== 0) throw new Error(`a healthy doctor run exited ${d.code}`);
      healthy.push(d.ms);
      baseline.push((await wall(process.execPath, [bundle, 'account', 'show', ACCOUNT], { env: runEnv })).ms);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const mh = median(healthy.slice(2));
    const mb = median(baseline.slice(2));
    console.log('doctor: a healthy run (every check) vs account show (one AD read), on the lab');
    console.log(`  ${'docker-gmsa doctor ACCOUNT --host WEBHOST01'.padEnd(48)} median ${mh.toFixed(1)} ms`);
    console.log(`  ${'docker-gmsa account show ACCOUNT'.padEnd(48)} median ${mb.toFixed(1)} ms`);
    console.log(`  ratio ${(mh / mb).toFixed(2)}x  (target <= 3x: ${mh / mb <= 3 ? 'met' : 'MISSED'}); wall ${mh.toFixed(0)} ms (target < 2000 ms: ${mh < 2000 ? 'met' : 'MISSED'})\n`);

    const stop = await silentDc();
    let worst = 0;
    try {
      for (let i = 0; i < 3; i++) {
        const r = await wall(
          process.execPath,
          [bundle, 'doctor', ACCOUNT, '--host', 'WEBHOST01', '--domain', 'contoso.com', '--server', `ldaps://${SILENT_IP}:636`, '--dns-server', SILENT_IP, '--timeout', String(TIMEOUT_S)],
          { env: runEnv },
        );
        worst = Math.max(worst, r.ms);
      }
    } finally {
      stop();
    }
    const limit = TIMEOUT_S * 1000 + 1000;
    console.log(`doctor with the DC unreachable (--timeout ${TIMEOUT_S}): worst of 3 runs ${worst.toFixed(0)} ms, limit ${limit} ms`);
    console.log(`  ratio ${(worst / limit).toFixed(2)}x of timeout + 1 s  (target <= 1x: ${worst <= limit ? 'met' : 'MISSED'})\n`);
    return [
      { title: 'doctor healthy vs account show', candidate: mh, baseline: mb, ratio: mh / mb, target: 3 },
      { title: 'doctor healthy wall / 2 s', candidate: mh, baseline: 2000, ratio: mh / 2000, target: 1 },
      { title: 'doctor DC unreachable / (timeout + 1 s)', candidate: worst, baseline: limit, ratio: worst / limit, target: 1 },
    ];
  } finally {
    await engine.close();
  }
}
