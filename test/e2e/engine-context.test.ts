/**
 * The plugin follows the endpoint the user's docker CLI would use: contexts made with the real
 * `docker context create`, `docker context use`, DOCKER_CONTEXT, -H and DOCKER_HOST. Engines are stand-in
 * Windows engines serving recorded /info payloads; the docker CLI itself is the oracle for what each
 * endpoint reports.
 */
import { cleanEnv, docker, plugin, socketPath, tempDir } from '../support/cli';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

interface HostJson {
  OSType: string;
  WindowsBuild?: number;
  Isolation?: string;
  APIVersion?: string;
  Endpoint: string;
  Rules: { ID: string; Severity: string; Text: string }[];
}

describe('engine endpoint resolution through the docker CLI', () => {
  let ws2019: WindowsEngineHandle;
  let ws2016: WindowsEngineHandle;
  let ws1803: WindowsEngineHandle;
  const config = tempDir('ctx');
  const env = cleanEnv({ DOCKER_CONFIG: config });

  beforeAll(async () => {
    ws2019 = await startWindowsEngine({ socketPath: socketPath('ws2019'), fixture: 'windows-17763-engine-20.10' });
    ws2016 = await startWindowsEngine({ socketPath: socketPath('ws2016'), fixture: 'windows-14393-engine-17.06' });
    ws1803 = await startWindowsEngine({
      socketPath: socketPath('ws1803'),
      fixture: 'windows-17134-engine-18.09',
      overrides: { info: { Isolation: 'hyperv' } },
    });
    expect((await plugin(['install'], env)).status).toBe(0);
    for (const [name, engine] of [
      ['win2019', ws2019],
      ['win2016', ws2016],
    ] as const) {
      const r = await docker(['context', 'create', name, '--docker', `host=unix://${engine.socketPath}`], env);
      expect(r.stderr).toBe(`Successfully created context "${name}"\n`);
    }
  });

  afterAll(async () => {
    await Promise.all([ws2019.close(), ws2016.close(), ws1803.close()]);
  });

  const host = async (args: string[], e = env): Promise<HostJson> => {
    const r = await docker([...args, 'gmsa', 'host', '--format', 'json'], e);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as HostJson;
  };

  test('--context picks the engine, and agrees with docker version on that context', async () => {
    const p = await host(['--context', 'win2019']);
    const oracle = await docker(['--context', 'win2019', 'version', '--format', '{{.Server.Os}} {{.Server.KernelVersion}}'], env);
    expect(oracle.status).toBe(0);
    const [os, , build] = oracle.stdout.trim().split(/\s+/);
    expect(p.OSType).toBe(os);
    expect(p.WindowsBuild).toBe(Number(build));
    expect(p.Endpoint).toContain('win2019');
    expect(p.Rules.map((r) => r.ID)).toContain('unique-hostname');
  });

  test('docker context use and DOCKER_CONTEXT are followed, --context wins over both', async () => {
    expect((await docker(['context', 'use', 'win2016'], env)).status).toBe(0);
    try {
      expect((await host([])).WindowsBuild).toBe(14393);
      expect((await host([], { ...env, DOCKER_CONTEXT: 'win2019' })).WindowsBuild).toBe(17763);
      expect((await host(['--context', 'win2019'], { ...env, DOCKER_CONTEXT: 'win2016' })).WindowsBuild).toBe(17763);
    } finally {
      expect((await docker(['context', 'use', 'default'], env)).status).toBe(0);
    }
  });

  test('-H and DOCKER_HOST mean the default context and beat DOCKER_CONTEXT', async () => {
    const viaFlag = await host(['-H', `unix://${ws1803.socketPath}`], { ...env, DOCKER_CONTEXT: 'win2019' });
    expect(viaFlag.WindowsBuild).toBe(17134);
    const viaEnv = await host([], { ...env, DOCKER_HOST: `unix://${ws1803.socketPath}` });
    expect(viaEnv.WindowsBuild).toBe(17134);
    // Hyper-V default isolation on 1803 is a blocker for gMSA.
    expect(viaEnv.Isolation).toBe('hyperv');
    expect(viaEnv.Rules.find((r) => /hyper-?v/i.test(r.Text))?.Severity).toBe('blocker');
  });

  test('rules differ by build: 14393 pins the hostname to the gMSA name', async () => {
    const p = await host(['--context', 'win2016']);
    expect(p.Rules.map((r) => r.ID)).toEqual(expect.arrayContaining(['hostname-must-match']));
    const text = await docker(['--context', 'win2016', 'gmsa', 'host'], env);
    expect(text.stdout).toMatch(/build 14393/);
    expect(text.stdout).toMatch(/hostname must be the gMSA account name/i);
  });

  test('a missing context and conflicting flags are clear errors, as in the docker CLI', async () => {
    const missing = await plugin(['--context', 'nope', 'gmsa', 'host'], env);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^Error: context "nope" does not exist/m);
    expect(missing.stderr).toMatch(/^Hint: .*docker context ls/m);

    const both = await plugin(['--context', 'win2019', '-H', `unix://${ws2019.socketPath}`, 'gmsa', 'host'], env);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/cannot specify both --host and --context/);

    const bad = await plugin(['gmsa', 'host'], { ...env, DOCKER_HOST: 'bogus://x' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^Error: .*DOCKER_HOST.*bogus:\/\/x/m);
  });

  test('an engine that does not answer names the endpoint and says what to check', async () => {
    const r = await plugin(['-H', 'unix:///tmp/gmsa-no-such-engine.sock', 'gmsa', 'host'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*\/tmp\/gmsa-no-such-engine\.sock/m);
    expect(r.stderr).toMatch(/^Hint: /m);
  });

  test('spec commands refuse a store that is not on this machine and point at --root', async () => {
    const r = await docker(['--context', 'win2019', 'gmsa', 'spec', 'ls'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not on this machine/);
    expect(r.stderr).toMatch(/--root/);
    expect(r.stderr).toMatch(/--spec-mode raw/);
  });
});

describe('the handshake', () => {
  test('prints the metadata without loading the command body or contacting an engine', async () => {
    const env = cleanEnv({ DOCKER_HOST: 'unix:///tmp/gmsa-handshake-must-not-connect.sock' });
    const r = await plugin(['docker-cli-plugin-metadata'], { ...env, NODE_OPTIONS: `--require ${require.resolve('../support/trace-modules.js')}` });
    expect(r.status).toBe(0);
    const meta = JSON.parse(r.stdout) as Record<string, string>;
    expect(meta).toMatchObject({ SchemaVersion: '0.1.0', Vendor: expect.any(String), ShortDescription: expect.any(String) });
    const loaded = JSON.parse((r.stderr.split('\n').find((l) => l.startsWith('MODULES ')) ?? 'MODULES null').slice('MODULES '.length)) as string[];
    // The body is unpacked with zlib and compiled with vm; neither may load for the handshake, so none of
    // yaml or ldapts (both inside the body) can have loaded either.
    expect(loaded).not.toContain('node:zlib');
    expect(loaded).not.toContain('node:vm');
    expect(loaded.filter((m) => !m.startsWith('node:'))).toEqual([]);
  });
});
