/**
 * Every compose example, rewritten by `docker gmsa compose convert` through the real docker CLI against
 * stand-in Windows engines of several builds, must equal its expected file (test/fixtures/compose/examples,
 * comments included), and the rewritten file must satisfy an independent compose client: Debian's
 * docker-compose (v1) `config` accepts it and shows the security_opt, hostname and user.
 * A missing expected file fails; GMSA_UPDATE_FIXTURES=1 writes them from the current output (then read the diff).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkSpecName } from '../../src/credspec/naming';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, ROOT, run, socketPath, tempDir } from '../support/cli';
import { expectGolden } from '../support/golden';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

const EXAMPLES = join(ROOT, 'compose-examples');
const EXPECTED = join(ROOT, 'test', 'fixtures', 'compose', 'examples');
const projects = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

const ENGINES = [
  ['ws2016', 'windows-14393-engine-17.06'],
  ['ws1803', 'windows-17134-engine-18.09'],
  ['ws2019', 'windows-17763-engine-20.10'],
  ['ws2022', 'windows-20348-engine-24.0'],
] as const;
type Ctx = (typeof ENGINES)[number][0];

/** What each example gives on each build: the expected file's name, or the refusal. */
const OUTCOMES: Record<string, Partial<Record<Ctx, string | RegExp>>> = {
  'iis-network-service': {
    ws2016: /running as NT AUTHORITY\\NETWORK SERVICE inside a container needs Windows 1709/,
    ws1803: 'ws1803.yaml',
    ws2019: 'ws2019.yaml',
    ws2022: 'ws2022.yaml',
  },
  'two-gmsa-app': { ws1803: 'ws1803.yaml', ws2019: 'ws2019.yaml', ws2022: 'ws2022.yaml' },
  'swarm-credential-spec': {
    ws2016: /it and 1 more replica of "web" would run with the gMSA webapp01 at the same time/,
    ws2019: 'ws2019.yaml',
  },
};

interface Service {
  hostname?: string;
  user?: string;
  security_opt?: string[];
}

const dockerCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });

test('there are examples, each with expected outcomes, and docker-compose (the oracle) is installed', () => {
  expect(projects.sort()).toEqual(Object.keys(OUTCOMES).sort());
  expect(dockerCompose.status).toBe(0);
  // Every expected file is one an outcome compares with (none left over from a renamed case).
  expect(readdirSync(EXPECTED).sort()).toEqual(projects.sort());
  for (const p of projects) {
    const named = Object.values(OUTCOMES[p] ?? {}).filter((o): o is string => typeof o === 'string');
    expect(readdirSync(join(EXPECTED, p)).sort()).toEqual(named.sort());
  }
});

describe('compose examples through docker gmsa compose convert', () => {
  const config = tempDir('cex-cfg');
  const env = cleanEnv({ DOCKER_CONFIG: config });
  const engines: WindowsEngineHandle[] = [];

  beforeAll(async () => {
    expect((await plugin(['install'], env)).status).toBe(0);
    for (const [ctx, fixture] of ENGINES) {
      const root = tempDir(`cex-${ctx}`);
      mkdirSync(join(root, 'CredentialSpecs'));
      const handle = await startWindowsEngine({ socketPath: socketPath(ctx), fixture, rootDir: root });
      engines.push(handle);
      expect((await docker(['context', 'create', ctx, '--docker', `host=unix://${handle.socketPath}`], env)).status).toBe(0);
      for (const account of ['webapp01', 'api01']) {
        const r = await plugin(['spec', 'create', account, ...DOMAIN_FLAGS, '--root', root], env);
        expect(r.stderr).toBe('');
        // The examples name specs the way spec create writes them.
        expect(existsSync(join(root, 'CredentialSpecs', checkSpecName(`contoso_${account}.json`)))).toBe(true);
      }
    }
  });

  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });

  const rows = projects.flatMap((p) => Object.entries(OUTCOMES[p] ?? {}).map(([ctx, outcome]) => [p, ctx as Ctx, outcome] as const));

  test.each(rows)('%s on %s', async (proj, ctx, outcome) => {
    const file = join(EXAMPLES, proj, 'compose.yaml');
    const before = readFileSync(file, 'utf8');
    const r = await docker(['--context', ctx, 'gmsa', 'compose', 'convert', '-f', file], env);
    expect(readFileSync(file, 'utf8')).toBe(before);
    if (outcome instanceof RegExp) {
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(outcome);
      expect(r.stderr).toMatch(/\nHint: /);
      return;
    }
    expect(r.stderr).not.toMatch(/Error|Warning/);
    expect(r.status).toBe(0);
    expectGolden(r.stdout, join(EXPECTED, proj, outcome));

    // The oracle: docker-compose v1 reads the rewritten file with the example folder as project directory.
    const out = join(tempDir('cex-out'), 'compose.yaml');
    writeFileSync(out, r.stdout);
    const v1 = await run('docker-compose', ['-f', out, '--project-directory', join(EXAMPLES, proj), 'config'], cleanEnv());
    expect(v1.stderr).toBe('');
    expect(v1.status).toBe(0);
    const merged = parse(v1.stdout) as { services: Record<string, Service> };
    const source = parse(before) as { services: Record<string, Record<string, unknown>> };
    for (const [name, svc] of Object.entries(source.services)) {
      const got = merged.services[name] as Service;
      const gmsa = svc['x-gmsa'] as { account?: string; 'network-service'?: boolean } | string | undefined;
      const cred = svc.credential_spec as { file?: string } | undefined;
      if (gmsa === undefined && cred === undefined) continue;
      expect(got.security_opt).toEqual([expect.stringMatching(/^credentialspec=file:\/\/contoso_(webapp01|api01)\.json$/)]);
      expect(got).not.toHaveProperty('x-gmsa');
      expect(got).not.toHaveProperty('credential_spec');
      const replicas = (svc.deploy as { replicas?: number } | undefined)?.replicas ?? 1;
      if (ctx === 'ws1803') expect(got.hostname).toBe(typeof gmsa === 'object' ? gmsa.account?.replace(/\$\{API_GMSA:-(\w+)\}/, '$1') : 'webapp01');
      else if (replicas > 1) expect(got.hostname).toBeUndefined();
      else expect(got.hostname).toMatch(/^[a-z0-9-]{1,15}$/);
      if (typeof gmsa === 'object' && gmsa['network-service']) expect(got.user).toBe('NT AUTHORITY\\NETWORK SERVICE');
      else expect(got.user).toBeUndefined();
    }
  });
});
