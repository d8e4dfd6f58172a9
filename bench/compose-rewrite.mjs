// compose convert of a 1000-service file against a plain parse and print of the same file with the yaml
// package, each in its own node process, side by side on the same stand-in Windows engine. The candidate
// is the plugin as installed (the file docker runs for `docker gmsa compose convert`), run directly; the
// bare bundle (the npm bin) is printed beside it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedPlugin, interleave, ratioRow, timeOnce } from './lib.mjs';

const SERVICES = 1000;
const ACCOUNTS = 10;

function composeFile() {
  const lines = ['# A large project: every service runs as one of a few gMSAs.', 'x-common: &common', '  restart: unless-stopped', '  isolation: process', '', 'services:'];
  for (let i = 0; i < SERVICES; i++) {
    lines.push(`  # service ${i}`, `  svc${i}:`, '    <<: *common', `    image: local/app:${i % 7}`, `    x-gmsa: gmsa${String(i % ACCOUNTS).padStart(2, '0')}`, '    ports:', `      - "${8000 + i}:80"`, '');
  }
  return lines.join('\n');
}

export async function benchComposeRewrite(root) {
  const dir = mkdtempSync('/tmp/gc-');
  const sock = join(dir, 'ws.sock');
  const dockerRoot = join(dir, 'root');
  mkdirSync(join(dockerRoot, 'CredentialSpecs'), { recursive: true });
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, composeFile());
  const engine = spawn(process.execPath, [join(root, 'test/support/windows-engine.js'), '--socket', sock, '--fixture', 'windows-20348-engine-24.0', '--root-dir', dockerRoot], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    const env = { ...process.env, DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'gmsa-bench-cfg-')), DOCKER_HOST: `unix://${sock}` };
    const bundle = join(root, 'dist/docker-gmsa.js');
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `gmsa${String(i).padStart(2, '0')}`);
    timeOnce(process.execPath, [bundle, 'spec', 'create', ...accounts, '--offline', '--domain-dns', 'contoso.com', '--netbios', 'CONTOSO', '--domain-sid', 'S-1-5-21-1-2-3', '--domain-guid', 'b8453a02-7d3f-4dc2-9c73-c3d57f725694'], { env });
    const plain = `const fs=require('fs');const Y=require(${JSON.stringify(join(root, 'node_modules/yaml'))});const d=Y.parseDocument(fs.readFileSync(${JSON.stringify(file)},'utf8'));if(d.errors.length)process.exit(1);process.stdout.write(d.toString({lineWidth:0}));`;
    const plugin = installedPlugin(root, env);
    const CONVERT = `docker gmsa compose convert (${SERVICES} services)`;
    const BUNDLE = `node dist/docker-gmsa.js compose convert`;
    const PLAIN = 'node: yaml parseDocument + toString';
    const variants = [
      { name: CONVERT, run: () => timeOnce(plugin.file, plugin.args('compose', 'convert', '-f', file), { env }) },
      { name: BUNDLE, run: () => timeOnce(process.execPath, [bundle, 'compose', 'convert', '-f', file], { env }) },
      { name: PLAIN, run: () => timeOnce(process.execPath, ['-e', plain], { env }) },
    ];
    // NODE_EXTRA_CA_CERTS adds the same fixed cost to every Node start (reading and parsing that bundle),
    // which flatters a ratio of two Node processes: where it is set, the pair also runs without it (printed).
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const { NODE_EXTRA_CA_CERTS: _drop, ...bare } = env;
    const CONVERT_BARE = `${CONVERT}, no NODE_EXTRA_CA_CERTS`;
    const PLAIN_BARE = `${PLAIN}, no NODE_EXTRA_CA_CERTS`;
    if (extraCa) {
      variants.push(
        { name: CONVERT_BARE, run: () => timeOnce(plugin.file, plugin.args('compose', 'convert', '-f', file), { env: bare }) },
        { name: PLAIN_BARE, run: () => timeOnce(process.execPath, ['-e', plain], { env: bare }) },
      );
    }
    const samples = interleave(variants, { runs: 20, warmup: 2 });
    return [
      ratioRow({ title: `compose: convert of a ${SERVICES}-service file (the installed plugin) vs parse+print with the yaml package`, candidate: CONVERT, baseline: PLAIN, samples, target: 1.5 }),
      ratioRow({ title: `compose: the same convert through the bare bundle (the npm bin; printed only)`, candidate: BUNDLE, baseline: PLAIN, samples }),
      ...(extraCa
        ? [ratioRow({ title: `compose: the same convert and parse+print with NODE_EXTRA_CA_CERTS (${extraCa}) unset (printed only)`, candidate: CONVERT_BARE, baseline: PLAIN_BARE, samples })]
        : []),
    ];
  } finally {
    engine.kill();
  }
}
