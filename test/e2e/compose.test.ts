/**
 * `docker gmsa compose` through the real docker CLI with the plugin installed, against a stand-in Windows
 * engine. The compose client on this machine is Debian's docker-compose (v1): it is what the plugin runs
 * (there is no docker compose v2 plugin here) and the independent oracle for the rewritten files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, runIn, socketPath, tempDir, type RunResult } from '../support/cli';
import { withoutComposeV2 } from '../support/lab';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

/** stderr without the lookup's "spec for ACCOUNT: ..." lines (each must name the engine's store). */
function besidesOrigins(stderr: string): string {
  for (const m of stderr.matchAll(/^spec for \S+: (.*)$/gm)) expect(m[1]).toMatch(/ in the engine's CredentialSpecs folder \(/);
  return stderr.replace(/^spec for \S+: .*\n/gm, '');
}

const COMPOSE = `# The shop.
services:
  web:
    build: ./web            # relative to the project folder
    env_file: web.env
    volumes:
      - ./content:C:/inetpub/wwwroot
    x-gmsa:
      account: webapp01
      network-service: true
  api:
    image: contoso/api:1
    x-gmsa: \${API_GMSA}
  db:
    image: contoso/db:1
`;
const OVERRIDE = `services:
  web:
    ports:
      - "8080:80"
`;

interface Service {
  build?: { context: string };
  hostname?: string;
  user?: string;
  security_opt?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}

describe('docker gmsa compose through the docker CLI', () => {
  const config = tempDir('compose-cfg');
  const tmp = tempDir('compose-tmp');
  const env = cleanEnv({ DOCKER_CONFIG: config, TMPDIR: tmp });
  let engine: WindowsEngineHandle;
  let old: WindowsEngineHandle;
  let proj: string;

  // the docker-compose (v1) path: docker compose v2, which the lab installs too, is hidden from the CLI
  // here (test/e2e/compose-v2.test.ts runs the v2 path)
  const gmsa = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    runIn(cwd, ...withoutComposeV2('docker', ['--context', 'ws2022', 'gmsa', 'compose', ...args]), { ...env, ...extra });
  const leftovers = (): string[] => readdirSync(tmp).filter((n) => n.startsWith('docker-gmsa-compose-'));

  beforeAll(async () => {
    expect(spawnSync('docker-compose', ['version']).status).toBe(0);
    expect((await plugin(['install'], env)).status).toBe(0);
    for (const [ctx, fixture] of [['ws2022', 'windows-20348-engine-24.0'], ['ws2016', 'windows-14393-engine-17.06']] as const) {
      const root = tempDir(`compose-${ctx}`);
      mkdirSync(join(root, 'CredentialSpecs'));
      const handle = await startWindowsEngine({ socketPath: socketPath(ctx), fixture, rootDir: root });
      if (ctx === 'ws2022') engine = handle;
      else old = handle;
      expect((await docker(['context', 'create', ctx, '--docker', `host=unix://${handle.socketPath}`], env)).status).toBe(0);
      for (const account of ['webapp01', 'api01']) expect((await plugin(['spec', 'create', account, ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
    }
    proj = join(tempDir('compose-proj'), 'shop');
    for (const d of ['web', 'content', 'deep/er']) mkdirSync(join(proj, d), { recursive: true });
    writeFileSync(join(proj, 'compose.yaml'), COMPOSE);
    writeFileSync(join(proj, 'compose.override.yaml'), OVERRIDE);
    writeFileSync(join(proj, 'web', 'Dockerfile'), 'FROM mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022\n');
    writeFileSync(join(proj, 'web.env'), 'SITE=shop\n');
    writeFileSync(join(proj, '.env'), 'API_GMSA=api01\n');
  });

  afterAll(async () => {
    await Promise.all([engine?.close(), old?.close()]);
  });

  test('convert prints both rewritten files, found from a nested folder; the user files are untouched', async () => {
    const before = [readFileSync(join(proj, 'compose.yaml'), 'utf8'), readFileSync(join(proj, 'compose.override.yaml'), 'utf8')];
    const r = await gmsa(join(proj, 'deep', 'er'), ['convert']);
    expect(besidesOrigins(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`# ${join(proj, 'compose.yaml')}\n# The shop.\n`);
    expect(r.stdout).toContain(`---\n# ${join(proj, 'compose.override.yaml')}\n`);
    expect(r.stdout).toMatch(/ {4}build: \.\/web # relative to the project folder\n/);
    expect(r.stdout).toMatch(/ {4}security_opt:\n {6}- credentialspec=file:\/\/contoso_webapp01\.json\n {4}hostname: webapp01-[0-9a-f]{4}\n {4}user: NT AUTHORITY\\NETWORK SERVICE\n/);
    expect(r.stdout).toMatch(/ {4}security_opt:\n {6}- credentialspec=file:\/\/contoso_api01\.json\n {4}hostname: api01-[0-9a-f]{4}\n/);
    expect(r.stdout).not.toMatch(/x-gmsa/);
    expect([readFileSync(join(proj, 'compose.yaml'), 'utf8'), readFileSync(join(proj, 'compose.override.yaml'), 'utf8')]).toEqual(before);
  });

  test('--dry-run up -d prints the command and keeps the file; docker-compose config (the oracle) accepts it', async () => {
    const r = await gmsa(proj, ['--dry-run', '-p', 'shop', 'up', '-d']);
    expect(besidesOrigins(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    // web is in both files: the settings go to the last one that defines it (they win there), x-gmsa leaves the first.
    const [command, ...kept] = r.stdout.trimEnd().split('\n');
    const m = new RegExp(`^docker-compose --host unix://${engine.socketPath} -f (${tmp}/docker-gmsa-compose-\\w+)/compose\\.yaml -f \\1/compose\\.override\\.yaml --project-directory ${proj} -p shop up -d$`).exec(command ?? '');
    expect(m).not.toBeNull();
    const folder = (m as RegExpExecArray)[1] as string;
    try {
      expect(kept).toEqual([
        `# ${folder}/compose.yaml: rewritten from ${join(proj, 'compose.yaml')} (kept)`,
        `# ${folder}/compose.override.yaml: rewritten from ${join(proj, 'compose.override.yaml')} (kept)`,
      ]);
      expect(readFileSync(join(folder, 'compose.override.yaml'), 'utf8')).toMatch(/^services:\n  web:\n    ports:\n      - "8080:80"\n    security_opt:\n/);

      const oracle = await runIn(tmp, 'docker-compose', ['-f', join(folder, 'compose.yaml'), '-f', join(folder, 'compose.override.yaml'), '--project-directory', proj, 'config'], cleanEnv());
      expect(oracle.stderr).toBe('');
      expect(oracle.status).toBe(0);
      const services = (parse(oracle.stdout) as { services: Record<string, Service> }).services;
      expect(services.web).toMatchObject({
        build: { context: join(proj, 'web') },
        environment: { SITE: 'shop' },
        security_opt: ['credentialspec=file://contoso_webapp01.json'],
        user: 'NT AUTHORITY\\NETWORK SERVICE',
        volumes: [`${join(proj, 'content')}:C:/inetpub/wwwroot`],
      });
      expect(services.web?.hostname).toMatch(/^webapp01-[0-9a-f]{4}$/);
      expect(services.api).toMatchObject({ security_opt: ['credentialspec=file://contoso_api01.json'] });
      expect(services.db).not.toHaveProperty('security_opt');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('a real run: docker-compose config runs on the rewritten files, which are removed afterwards', async () => {
    const r = await gmsa(proj, ['config', '--services']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['api', 'db', 'web']);
    const full = await gmsa(proj, ['config']);
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/credentialspec=file:\/\/contoso_webapp01\.json/);
    expect(leftovers()).toEqual([]);
  });

  test('compose talks to the engine of the docker context (ps lists its containers)', async () => {
    const before = engine.requests.length;
    const r = await gmsa(proj, ['ps']);
    expect(besidesOrigins(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s*Name\s+Command\s+State\s+Ports/);
    expect(engine.requests.slice(before).some((q) => /\/containers\/json/.test(q.path))).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  test("compose's exit status passes through, and the temporary files still go", async () => {
    const r = await gmsa(proj, ['nosuchcommand']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No such command: nosuchcommand/);
    expect(r.stderr).not.toMatch(/^Error:/m);
    expect(leftovers()).toEqual([]);
  });

  test('without a gMSA service the arguments go to compose unchanged', async () => {
    const plain = join(tempDir('compose-plain'), 'app');
    mkdirSync(plain);
    writeFileSync(join(plain, 'docker-compose.yml'), 'services:\n  db:\n    image: contoso/db:1\n');
    const r = await gmsa(plain, ['--dry-run', 'ps', '-a']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`docker-compose --host unix://${engine.socketPath} ps -a\n`);
  });

  test('COMPOSE_FILE picks the files; errors name the file and service and exit 1', async () => {
    const dir = tempDir('compose-env');
    writeFileSync(join(dir, 'a.yaml'), 'services:\n  web:\n    image: x\n    x-gmsa: nobody\n');
    const r = await gmsa(dir, ['convert'], { COMPOSE_FILE: 'a.yaml' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `Error: ${join(dir, 'a.yaml')}:2: service "web": no credential spec found for nobody; tried, in order:\n` +
        `  1. the engine's CredentialSpecs folder: no spec for nobody in ${engine.state.rootDir}/CredentialSpecs\n` +
        '  2. Active Directory: no directory configured (GMSA_DOMAIN, GMSA_LDAP_URL, --domain or --server)\n' +
        'Hint: Set GMSA_DOMAIN=contoso.com or GMSA_LDAP_URL=ldaps://dc01.contoso.com (with GMSA_LDAP_USER and GMSA_LDAP_PASSWORD) so the spec is built from Active Directory, or name the spec file with x-gmsa: {account: nobody, spec: FILE}.\n',
    );
  });

  test('before 2019 the hostname is the gMSA name; two services with one gMSA are refused', async () => {
    const dir = tempDir('compose-2016');
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n  api:\n    image: y\n    x-gmsa: api01\n');
    const ok = await runIn(dir, 'docker', ['--context', 'ws2016', 'gmsa', 'compose', 'convert'], env);
    expect(besidesOrigins(ok.stderr)).toBe('');
    expect(ok.stdout).toMatch(/hostname: webapp01\n[\s\S]*hostname: api01\n/);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n  jobs:\n    image: y\n    x-gmsa: webapp01\n');
    const bad = await runIn(dir, ...withoutComposeV2('docker', ['--context', 'ws2016', 'gmsa', 'compose', '--dry-run', 'up', '-d']), env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^Error: .*compose\.yaml:2: service "web": it and "jobs" would run with the gMSA webapp01 at the same time; on Windows Server 2016/m);
    expect(bad.stdout).toBe('');
  });

  test('files that would overflow the stack, or name a spec by URL, are refused as bad input (exit 1), not reported as a bug', async () => {
    const dir = tempDir('compose-bad');
    const cases: Array<[string, RegExp]> = [
      ['x-a: &a {<<: *a}\nservices:\n  web:\n    image: x\n    x-gmsa: webapp01\n', /^Error: \S+compose\.yaml:1:14: the alias \*a is inside the value it refers to \(&a, from line 1\), so that value would contain itself\nHint: Point \*a at /],
      [`services:\n  web:\n    image: x\n    x-gmsa: webapp01\n    labels:\n      a: ${'['.repeat(1000)}${']'.repeat(1000)}\n`, /^Error: \S+compose\.yaml:6:\d+: the YAML nests collections more than 200 levels deep\nHint: /],
      ['services:\n  web:\n    image: x\n    credential_spec: {file: "raw://{}"}\n', /^Error: \S+compose\.yaml:4: service "web": credential_spec\.file: "raw:\/\/\{\}" is a raw:\/\/ credential spec, not a file in the CredentialSpecs folder\nHint: /],
      ['services:\n  web:\n    image: x\n    x-gmsa: .inf\n', /^Error: \S+compose\.yaml:4: service "web": x-gmsa must be an account name or a map with account \(and optionally spec, network-service\), not the number \.inf\nHint: /],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(dir, 'compose.yaml'), text);
      const r = await gmsa(dir, ['convert']);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/bug|Maximum call stack/);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toBe(text);
    }
  });

  test('help', async () => {
    const r = await gmsa(proj, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: docker gmsa compose \[--dry-run\]/);
    expect(r.stdout).toMatch(/x-gmsa: \{account: webapp01, spec: contoso_webapp01\.json, network-service: true\}/);
  });
});
