/**
 * docker compose v2 (the client users have; the lab installs Debian 13's, scripts/lab part compose) end to
 * end against a stand-in Windows Server 2022 engine, through the real docker CLI. The oracle is the
 * engine itself: what `docker inspect` shows of the containers compose created.
 *
 * - Plain `docker compose up` drops credential_spec: the defect docker gmsa exists for, asserted, so that a
 *   compose that fixes it is noticed here.
 * - `docker gmsa compose up -d` picks compose v2 and the containers carry the credentialspec security
 *   option, the hostname and the user from the build rules.
 * - `ps`, `logs` and `down` pass through to compose unchanged.
 * - From 2019 on, a hostname: that a running container of the same gMSA (outside the project) has is
 *   refused, and accepted with --force; compose's own containers of the project do not count.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, runIn, socketPath, tempDir, type RunResult } from '../support/cli';
import { composeV2Config, labComposeDir, labDescribe } from '../support/lab';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

const SHOP = `services:
  web:
    image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
    x-gmsa: {account: webapp01, network-service: true}
  worker:
    image: mcr.microsoft.com/windows/servercore:ltsc2022
    command: ["ping", "-t", "localhost"]
    credential_spec:
      file: contoso_webapp01.json
`;

interface Inspect {
  Name: string;
  Config: { Hostname: string; User: string; Labels: Record<string, string> };
  HostConfig: { SecurityOpt: string[] | null; NetworkMode: string };
}

labDescribe('docker compose v2 against a Windows Server 2022 stand-in', () => {
  const config = tempDir('compose-v2-cfg');
  const env = cleanEnv({ DOCKER_CONFIG: config, TMPDIR: tempDir('compose-v2-tmp') });
  const proj = join(tempDir('compose-v2-proj'), 'shop');
  let engine: WindowsEngineHandle;

  const inspect = async (name: string): Promise<Inspect> => {
    const r = await docker(['--context', 'ws2022', 'inspect', name], env);
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as Inspect[])[0]!;
  };
  const names = async (): Promise<string[]> => {
    const r = await docker(['--context', 'ws2022', 'ps', '-a', '--format', '{{.Names}}'], env);
    expect(r.status).toBe(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  };
  const gmsa = (args: string[]): Promise<RunResult> => runIn(proj, 'docker', ['--context', 'ws2022', 'gmsa', 'compose', ...args], env);
  const compose = (args: string[]): Promise<RunResult> => runIn(proj, 'docker', ['--context', 'ws2022', 'compose', ...args], env);

  beforeAll(async () => {
    const dir = await labComposeDir();
    if (!dir) throw new Error('labDescribe registered these tests, so the lab must be up');
    writeFileSync(join(config, 'config.json'), JSON.stringify(composeV2Config(dir)));
    expect((await plugin(['install'], env)).status).toBe(0);
    const root = tempDir('compose-v2-root');
    mkdirSync(join(root, 'CredentialSpecs'));
    engine = await startWindowsEngine({ socketPath: socketPath('cv2'), fixture: 'windows-20348-engine-24.0', rootDir: root });
    expect((await docker(['context', 'create', 'ws2022', '--docker', `host=unix://${engine.socketPath}`], env)).status).toBe(0);
    expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
    mkdirSync(proj, { recursive: true });
    writeFileSync(join(proj, 'compose.yaml'), SHOP);
  });

  afterAll(async () => {
    await engine?.close();
  });

  test('the docker CLI runs compose v2', async () => {
    const r = await docker(['compose', 'version', '--short'], env);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v?2\./);
  });

  test('plain docker compose up drops credential_spec: the container gets no credential spec', async () => {
    const up = await compose(['-p', 'plain', 'up', '-d', 'worker']);
    expect(up.stderr).toMatch(/Started/);
    expect(up.status).toBe(0);
    const c = await inspect('plain-worker-1');
    expect(c.Config.Labels['com.docker.compose.project']).toBe('plain');
    // If this fails, compose has started passing credential_spec to the engine: revisit docker gmsa compose.
    expect(c.HostConfig.SecurityOpt).toBeNull();
    expect((await compose(['-p', 'plain', 'down'])).status).toBe(0);
    expect(await names()).toEqual([]);
  });

  test('docker gmsa compose up -d runs compose v2; the engine gets the credentialspec, hostname and user', async () => {
    const dry = await gmsa(['--dry-run', '-p', 'shop', 'up', '-d']);
    expect(dry.stderr).toMatch(/^spec for webapp01: contoso_webapp01\.json in the engine's CredentialSpecs folder/);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^docker --context ws2022 compose -f \S+\/compose\.yaml --project-directory \S+ -p shop up -d\n/);

    const up = await gmsa(['-p', 'shop', 'up', '-d']);
    expect(up.stderr).toMatch(/Started/);
    expect(up.status).toBe(0);
    expect(await names()).toEqual(['shop-web-1', 'shop-worker-1']);
    const web = await inspect('shop-web-1');
    expect(web.HostConfig.SecurityOpt).toEqual(['credentialspec=file://contoso_webapp01.json']);
    expect(web.Config.User).toBe('NT AUTHORITY\\NETWORK SERVICE');
    // Windows Server 2022: a hostname of its own per container, at most 15 characters (NetBIOS)
    expect(web.Config.Hostname).toMatch(/^webapp01-[0-9a-f]{4}$/);
    expect(web.HostConfig.NetworkMode).toBe('shop_default');
    const worker = await inspect('shop-worker-1');
    expect(worker.HostConfig.SecurityOpt).toEqual(['credentialspec=file://contoso_webapp01.json']);
    expect(worker.Config.Hostname).toMatch(/^webapp01-[0-9a-f]{4}$/);
    expect(worker.Config.Hostname).not.toBe(web.Config.Hostname);
  });

  test('ps, logs and down pass through to compose', async () => {
    const ps = await gmsa(['-p', 'shop', 'ps', '--format', '{{.Name}} {{.Service}} {{.State}}']);
    expect(ps.status).toBe(0);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual(['shop-web-1 web running', 'shop-worker-1 worker running']);
    const plainPs = await compose(['-p', 'shop', 'ps', '--format', '{{.Name}} {{.Service}} {{.State}}']);
    expect(ps.stdout).toBe(plainPs.stdout);

    const logs = await gmsa(['-p', 'shop', 'logs', '--no-color', 'worker']);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toMatch(/worker-1 {2}\| Reply from/);

    const down = await gmsa(['-p', 'shop', 'down']);
    expect(down.status).toBe(0);
    expect(await names()).toEqual([]);
    const nets = await docker(['--context', 'ws2022', 'network', 'ls', '--format', '{{.Name}}'], env);
    expect(nets.stdout.split('\n').filter(Boolean).sort()).toEqual(['nat', 'none']);
  });

  test('a hostname a running container of the gMSA already has is refused (--force accepts it); the project\'s own containers do not count', async () => {
    const other = await docker(['--context', 'ws2022', 'gmsa', 'run', 'webapp01', '-d', '--name', 'loner', '--hostname', 'shared1', 'mcr.microsoft.com/windows/servercore:ltsc2022', 'ping', '-t', 'localhost'], env);
    expect(other.status).toBe(0);
    const dir = join(tempDir('compose-v2-shared'), 'pair');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  app:\n    image: mcr.microsoft.com/windows/servercore:ltsc2022\n    command: ["ping", "-t", "localhost"]\n    x-gmsa: webapp01\n    hostname: shared1\n');
    const run = (args: string[]): Promise<RunResult> => runIn(dir, 'docker', ['--context', 'ws2022', 'gmsa', 'compose', ...args], env);
    try {
      const refused = await run(['-p', 'pair', 'up', '-d']);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^Error: .*compose\.yaml:6: service "app": container loner already runs with the gMSA webapp01 and the hostname shared1; two containers sharing one gMSA and one hostname lose their trust$/m);
      expect(refused.stderr).toMatch(/^Hint: Remove hostname: from service "app"/m);
      expect(await names()).toEqual(['loner']);

      const forced = await run(['--force', '-p', 'pair', 'up', '-d']);
      expect(forced.stderr).toMatch(/Warning: .*the gMSA webapp01 and the hostname shared1 are shared with container loner \(--force\)/);
      expect(forced.status).toBe(0);
      expect((await inspect('pair-app-1')).Config.Hostname).toBe('shared1');
      // Up again: pair-app-1 is the project's own container, loner still counts.
      expect((await run(['-p', 'pair', 'up', '-d'])).status).toBe(1);
      expect((await docker(['--context', 'ws2022', 'rm', '-f', 'loner'], env)).status).toBe(0);
      const again = await run(['-p', 'pair', 'up', '-d']);
      expect(again.stderr).not.toMatch(/Warning: .*shared/);
      expect(again.status).toBe(0);
    } finally {
      await run(['-p', 'pair', 'down']);
      await docker(['--context', 'ws2022', 'rm', '-f', 'loner'], env);
    }
    expect(await names()).toEqual([]);
  });
});
