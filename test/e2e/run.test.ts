/**
 * `docker gmsa run` through the real docker CLI against stand-in Windows engines of several builds: what
 * the engine received (read back with `docker inspect`, the docker CLI as oracle) must follow the build's
 * gMSA rules. The stand-in enforces the Windows engine's credential spec rules at container start.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { cleanEnv, docker, DOMAIN_FLAGS, ensureBuilt, plugin, socketPath, tempDir, type RunResult } from '../support/cli';
import { labDescribe, labEngine } from '../support/lab';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

/** stderr without the lookup's "spec for ACCOUNT: ..." lines (each must name the engine's store). */
function besidesOrigins(stderr: string): string {
  for (const m of stderr.matchAll(/^spec for \S+: (.*)$/gm)) expect(m[1]).toMatch(/ in the engine's CredentialSpecs folder \(/);
  return stderr.replace(/^spec for \S+: .*\n/gm, '');
}


const IMAGE = 'local/app:1'; // the stand-in runs it on every build (a servercore tag must match the host build)
const ENGINES = [
  ['ws2016', 'windows-14393-engine-17.06'],
  ['ws1803', 'windows-17134-engine-18.09'],
  ['ws2019', 'windows-17763-engine-20.10'],
  ['ws2022', 'windows-20348-engine-24.0'],
] as const;

/** A CCG plugin input that must never reach a command line, output or a child's environment. */
const PLUGIN_SECRET = 'ObjectId=0f1e2d3c-aaaa-bbbb-cccc-000000000001;SecretUri=https://vault.vault.azure.net/secrets/ccg-s3cr3t';
const LDAP_SECRET = 'Directory-Pass1!';

/** Every process below pid, as ps sees it: argv from /proc/PID/cmdline, the environment from /proc/PID/environ. */
function descendants(pid: number): Array<{ pid: number; argv: string[]; env: string[] }> {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      // gone
    }
  }
  const out: Array<{ pid: number; argv: string[]; env: string[] }> = [];
  for (const [p] of parent) {
    let q: number | undefined = p;
    while (q !== undefined && q > 1 && q !== pid) q = parent.get(q);
    if (q !== pid || p === pid) continue;
    try {
      out.push({ pid: p, argv: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean), env: readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // gone
    }
  }
  return out;
}

interface Inspect {
  hostname: string;
  securityOpt: string[];
  user: string;
  isolation: string;
}

describe('docker gmsa run against stand-in Windows engines', () => {
  const config = tempDir('run-cfg');
  const env = cleanEnv({ DOCKER_CONFIG: config });
  const engines = new Map<string, { handle: WindowsEngineHandle; root: string }>();

  const gmsa = (ctx: string, args: string[]): Promise<RunResult> => docker(['--context', ctx, 'gmsa', ...args], env);
  const inspect = async (ctx: string, name: string): Promise<Inspect> => {
    const r = await docker(['--context', ctx, 'inspect', name, '--format', '{{json .Config.Hostname}}|{{json .HostConfig.SecurityOpt}}|{{json .Config.User}}|{{json .HostConfig.Isolation}}'], env);
    expect(r.stderr).toBe('');
    const [hostname, securityOpt, user, isolation] = r.stdout.trim().split('|').map((p) => JSON.parse(p) as unknown);
    return { hostname: hostname as string, securityOpt: (securityOpt as string[] | null) ?? [], user: user as string, isolation: isolation as string };
  };

  beforeAll(async () => {
    expect((await plugin(['install'], env)).status).toBe(0);
    for (const [ctx, fixture] of ENGINES) {
      const root = tempDir(`root-${ctx}`);
      mkdirSync(join(root, 'CredentialSpecs'));
      const handle = await startWindowsEngine({ socketPath: socketPath(ctx), fixture, rootDir: root });
      engines.set(ctx, { handle, root });
      expect((await docker(['context', 'create', ctx, '--docker', `host=unix://${handle.socketPath}`], env)).status).toBe(0);
      expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
    }
  });

  afterAll(async () => {
    await Promise.all([...engines.values()].map((e) => e.handle.close()));
  });

  test('14393: hostname pinned to the gMSA name, spec from the engine store as file://', async () => {
    const r = await gmsa('ws2016', ['run', 'webapp01', '-d', '--name', 'c2016', IMAGE, 'ping', '-t', 'localhost']);
    expect(besidesOrigins(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    expect(await inspect('ws2016', 'c2016')).toMatchObject({ hostname: 'webapp01', securityOpt: ['credentialspec=file://contoso_webapp01.json'] });
  });

  test('17134: another hostname and a second container of the same gMSA are refused (--force overrides the latter)', async () => {
    const bad = await gmsa('ws1803', ['run', 'webapp01', '-d', '--hostname', 'web', IMAGE]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^Error: on Windows Server.*1803.* the container hostname must be the gMSA name/m);
    expect((await gmsa('ws1803', ['run', 'webapp01', '-d', '--name', 'a1803', IMAGE, 'ping', '-t', 'localhost'])).status).toBe(0);
    const second = await gmsa('ws1803', ['run', 'webapp01', '-d', '--name', 'b1803', IMAGE, 'ping', '-t', 'localhost']);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/a1803 already uses the gMSA webapp01/);
    const forced = await gmsa('ws1803', ['run', '--force', 'webapp01', '-d', '--name', 'b1803', IMAGE, 'ping', '-t', 'localhost']);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toMatch(/intermittent trust failures/);
    const hyperv = await gmsa('ws1803', ['run', 'webapp01', '-d', '--isolation', 'hyperv', IMAGE]);
    expect(hyperv.status).toBe(1);
    expect(hyperv.stderr).toMatch(/Hyper-V isolation with a gMSA hangs or fails/);
  });

  test('17763: each container gets its own hostname of at most 15 characters; a given one is kept', async () => {
    expect((await gmsa('ws2019', ['run', 'webapp01', '-d', '--name', 'x2019', IMAGE, 'ping', '-t', 'localhost'])).status).toBe(0);
    expect((await gmsa('ws2019', ['run', 'webapp01', '-d', '--name', 'y2019', IMAGE, 'ping', '-t', 'localhost'])).status).toBe(0);
    const [x, y] = [await inspect('ws2019', 'x2019'), await inspect('ws2019', 'y2019')];
    expect(x.hostname).toMatch(/^webapp01-[a-z0-9]{4}$/);
    expect(y.hostname).not.toBe(x.hostname);
    expect((await gmsa('ws2019', ['run', 'webapp01', '-d', '--name', 'z2019', '--hostname', 'frontend', IMAGE, 'ping', '-t', 'localhost'])).status).toBe(0);
    expect((await inspect('ws2019', 'z2019')).hostname).toBe('frontend');
  });

  test('20348: --network-service sets the user; --spec-mode raw sends the spec inline', async () => {
    expect((await gmsa('ws2022', ['run', '--network-service', '--spec-mode', 'raw', 'webapp01', '-d', '--name', 'n2022', IMAGE, 'ping', '-t', 'localhost'])).status).toBe(0);
    const i = await inspect('ws2022', 'n2022');
    expect(i.user).toBe('NT AUTHORITY\\NETWORK SERVICE');
    expect(i.securityOpt).toHaveLength(1);
    const raw = JSON.parse((i.securityOpt[0] as string).slice('credentialspec=raw://'.length)) as { DomainJoinConfig: { MachineAccountName: string } };
    expect(raw.DomainJoinConfig.MachineAccountName).toBe('webapp01');
  });

  describe('a spec with a HostAccountConfig (a secret PluginInput)', () => {
    const ccg = ['--ccg-plugin', 'azure-keyvault', '--ccg-input', PLUGIN_SECRET];
    let specFile = '';
    beforeAll(async () => {
      const e = engines.get('ws2022')!;
      expect((await plugin(['spec', 'create', 'ccgapp01', ...DOMAIN_FLAGS, ...ccg, '--root', e.root], env)).status).toBe(0);
      specFile = join(tempDir('ccg-spec'), 'ccgapp01.json');
      expect((await plugin(['spec', 'create', 'ccgapp02', ...DOMAIN_FLAGS, ...ccg, '--path', specFile], env)).status).toBe(0);
    });

    test('the docker run child shows no PluginInput in its argv and has no GMSA_LDAP_PASSWORD', async () => {
      const childEnv = { ...env, GMSA_LDAP_PASSWORD: LDAP_SECRET, GMSA_DOMAIN: 'contoso.com' };
      const cli = spawn('docker', ['--context', 'ws2022', 'gmsa', 'run', 'ccgapp01', '--name', 'ps2022', IMAGE, 'ping', '-t', 'localhost'], { env: childEnv, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => cli.on('close', resolve));
      try {
        let run: { pid: number; argv: string[]; env: string[] } | undefined;
        for (let i = 0; i < 200 && !run; i++) {
          await new Promise((r) => setTimeout(r, 50));
          run = descendants(cli.pid as number).find((p) => p.argv.includes('run') && p.argv.includes('--security-opt'));
        }
        expect(run).toBeDefined();
        expect(run!.argv).toEqual(expect.arrayContaining(['--security-opt', 'credentialspec=file://contoso_ccgapp01.json']));
        expect(run!.argv.join(' ')).not.toContain('SecretUri');
        expect(run!.env.filter((v) => v.startsWith('GMSA_LDAP_PASSWORD='))).toEqual([]);
        expect(run!.env.join('\n')).not.toContain(LDAP_SECRET);
        expect(run!.env).toContain('GMSA_DOMAIN=contoso.com');
      } finally {
        await docker(['--context', 'ws2022', 'rm', '-f', 'ps2022'], env);
        cli.kill();
        await exited;
      }
    });

    test('outside the store it is refused instead of going inline; --spec-mode raw is the consent, with a warning', async () => {
      const refused = await gmsa('ws2022', ['run', '--spec', specFile, 'ccgapp02', '-d', '--name', 'inl2022', IMAGE, 'ping', '-t', 'localhost']);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^Error: the credential spec of ccgapp02 has a HostAccountConfig .*every user of this machine can read \(ps\)/m);
      expect(refused.stderr).toMatch(/^Hint: .*docker gmsa spec install FILE.*--spec-mode raw/m);
      expect(refused.stderr).not.toContain('SecretUri');
      expect((await docker(['--context', 'ws2022', 'inspect', 'inl2022'], env)).status).not.toBe(0);

      const dry = await gmsa('ws2022', ['run', '--dry-run', '--spec-mode', 'raw', '--spec', specFile, 'ccgapp02', '-d', IMAGE]);
      expect(dry.status).toBe(0);
      expect(dry.stdout).toContain('credentialspec=raw://');
      expect(dry.stdout).toContain('"PluginInput":"<redacted>"');
      expect(dry.stdout).not.toContain('SecretUri');
      expect(dry.stderr).toMatch(/PluginInput is shown as <redacted>/);

      const raw = await gmsa('ws2022', ['run', '--spec-mode', 'raw', '--spec', specFile, 'ccgapp02', '-d', '--name', 'raw2022', IMAGE, 'ping', '-t', 'localhost']);
      expect(raw.status).toBe(0);
      expect(raw.stderr).toMatch(/^Warning: --spec-mode raw puts the spec's HostAccountConfig \(PluginInput included\) on the docker run command line/m);
      expect(raw.stderr).not.toContain('SecretUri');
      expect((await inspect('ws2022', 'raw2022')).securityOpt[0]).toContain(PLUGIN_SECRET);
    });
  });

  test('the spec is validated first, and a missing one names the command that makes it', async () => {
    const missing = await gmsa('ws2022', ['run', 'nosuch01', '-d', IMAGE]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no credential spec found for nosuch01; tried, in order:\n  1\. the engine's CredentialSpecs folder: no spec for nosuch01 in .*\n  2\. Active Directory: no directory configured/);
    expect(missing.stderr).toMatch(/Hint: Set GMSA_DOMAIN=contoso\.com or GMSA_LDAP_URL=/);
  });

  test('--dry-run prints a command that pastes, with the global flags that pick the engine', async () => {
    const r = await gmsa('ws2016', ['run', '--dry-run', 'webapp01', '-d', IMAGE]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(
      `docker --context ws2016 run --security-opt credentialspec=file://contoso_webapp01.json --label io.docker-gmsa.account=webapp01 --hostname webapp01 -d ${IMAGE}`,
    );
  });

  test('exec runs as Network Service; verify reads nltest and klist inside and passes', async () => {
    expect((await gmsa('ws2019', ['run', 'webapp01', '-d', '--name', 'v2019', IMAGE, 'ping', '-t', 'localhost'])).status).toBe(0);
    const who = await gmsa('ws2019', ['exec', 'v2019', 'whoami']);
    expect(who.status).toBe(0);
    expect(who.stdout.trim().toLowerCase()).toBe('nt authority\\network service');
    const v = await gmsa('ws2019', ['verify', 'v2019']);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    expect(v.stdout.match(/^  PASS /gm)).toHaveLength(4);
    const json = JSON.parse((await gmsa('ws2019', ['verify', 'v2019', '--format', 'json'])).stdout) as { OK: boolean; Account: string; Domain: string };
    expect(json).toMatchObject({ OK: true, Account: 'webapp01', Domain: 'contoso.com' });
  });

  test('verify fails with the next step: no spec, and the pre-2019 one-container race', async () => {
    expect((await docker(['--context', 'ws2019', 'run', '-d', '--name', 'plain2019', IMAGE, 'ping', '-t', 'localhost'], env)).status).toBe(0);
    const none = await gmsa('ws2019', ['verify', 'plain2019']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/has no credential spec/);

    // a1803 and b1803 share webapp01 on 1803 (the second one was forced): the DC race shows in nltest.
    const race = await gmsa('ws1803', ['verify', 'b1803']);
    expect(race.status).toBe(1);
    expect(race.stdout).toMatch(/^  FAIL /m);
    expect(race.stdout).toMatch(/next: .*one container per gMSA|next: .*same gMSA/i);
  });

  test('verify on 2016 checks the secure channel as the default user (no Network Service before 1709)', async () => {
    const v = await gmsa('ws2016', ['verify', 'c2016']);
    expect(v.stderr).toMatch(/only nltest is checked/);
    expect(v.stdout.match(/^  PASS /gm)).toHaveLength(2);
    expect(v.status).toBe(0);
  });

  test('exec refuses --user and checks the build; --dry-run shows the command', async () => {
    const both = await gmsa('ws2019', ['exec', '-u', 'x', 'v2019', 'whoami']);
    expect(both.status).toBe(2);
    const dry = await gmsa('ws2019', ['exec', '--system', '--dry-run', 'v2019', 'cmd', '/c', 'echo hi']);
    expect(dry.stdout.trim()).toBe(`docker --context ws2019 exec --user 'NT AUTHORITY\\SYSTEM' v2019 cmd /c 'echo hi'`);
    const old = await gmsa('ws2016', ['exec', 'c2016', 'whoami']);
    expect(old.status).toBe(1); // the engine's build refuses, as run's does: not a usage error
    expect(old.stderr).toMatch(/needs Windows 1709/);
  });

  test('DOCKER_HOST works as well as --context, and exit codes pass through', async () => {
    const e = engines.get('ws2022')!;
    const r = await plugin(['run', 'webapp01', IMAGE, 'cmd', '/c', 'exit', '3'], { ...env, DOCKER_HOST: `unix://${e.handle.socketPath}` });
    expect(r.status).toBe(3);
  });
});

labDescribe('docker gmsa run against the lab Linux engine', () => {
  test('a Linux engine is refused with the reason; --dry-run still shows the command', async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('lab must be up');
    const env = cleanEnv();
    const root = tempDir('linux-root');
    expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
    const r = await plugin(['-H', engine.host, 'run', '--root', root, 'webapp01', '-d', 'local/busybox:1'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: the engine is a linux engine: containers with a gMSA need a Windows engine/m);
    const dry = await plugin(['-H', engine.host, 'run', '--dry-run', '--root', root, 'webapp01', '-d', 'local/busybox:1'], env);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toMatch(/^Warning: the engine is a linux engine: containers with a gMSA need a Windows engine.*; showing the command for a Windows Server 2019 engine$/m);
    expect(dry.stdout).toMatch(/credentialspec=file:\/\/contoso_webapp01.json/);
  });

  test('without a spec source, the Linux engine is what run says first (not the missing store)', async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('lab must be up');
    const env = cleanEnv();
    for (const args of [['run', 'webapp01', '-d', 'local/busybox:1'], ['run', '--dry-run', 'webapp01', '-d', 'local/busybox:1']]) {
      const r = await plugin(['-H', engine.host, ...args], env);
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe('Error: the engine is a linux engine: containers with a gMSA need a Windows engine (it refuses credentialspec security options)');
      expect(r.stderr).not.toMatch(/CredentialSpecs folder/);
    }
  });
});

describe('docker gmsa run against an engine that accepts connections and never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let port = 0;
  beforeAll(async () => {
    server = createServer((c) => {
      sockets.add(c);
      c.on('data', () => undefined);
      c.on('close', () => sockets.delete(c));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    ensureBuilt();
  });
  afterAll(async () => {
    for (const c of sockets) c.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test('run and run --dry-run end with the timeout naming the endpoint; a spec file still gives the dry-run command', async () => {
    const env = cleanEnv();
    const host = `tcp://127.0.0.1:${port}`;
    const specDir = tempDir('silent-spec');
    expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--path', join(specDir, 'w.json')], env)).status).toBe(0);
    const [real, dry, withFile] = await Promise.all([
      plugin(['-H', host, 'run', 'webapp01', '-d', 'img'], env),
      plugin(['-H', host, 'run', '--dry-run', 'webapp01', '-d', 'img'], env),
      plugin(['-H', host, 'run', '--dry-run', '--spec', join(specDir, 'w.json'), 'webapp01', '-d', 'img'], env),
    ]);
    const timeout = new RegExp(`^Error: the Docker engine at tcp://127\\.0\\.0\\.1:${port} \\(context "default", from -H\\) did not answer within \\d+s$`, 'm');
    for (const r of [real, dry]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(timeout);
      expect(r.stderr).not.toMatch(/CredentialSpecs folder/);
    }
    expect(withFile.status).toBe(0);
    expect(withFile.stderr).toMatch(/^Warning: the Docker engine at .* did not answer within \d+s; showing the command for a Windows Server 2019 engine$/m);
    expect(withFile.stdout).toMatch(/^docker --host tcp:\/\/127\.0\.0\.1:\d+ run --security-opt 'credentialspec=raw:\/\/\{/m);
  });
});
