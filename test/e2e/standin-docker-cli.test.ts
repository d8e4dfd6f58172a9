/**
 * The stand-in Windows engine driven by the REAL docker CLI (28): `docker run [-d]`, `create`, `start`,
 * `inspect`, `ps`, `exec [-d] [-u]`, `logs`, `stop`, `rm`. The CLI is spawned asynchronously (the engine
 * is served from this process). Messages are moby's, per engine generation (see windows-engine.js).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, docker, socketPath, tempDir, type RunResult } from '../support/cli';
import {
  ERR_INVALID_SECOPT,
  ERR_INVALID_SECOPT_LEGACY,
  startWindowsEngine,
  type WindowsEngineHandle,
  type WindowsEngineOptions,
} from '../support/windows-engine';

/** A spec written by hand, independent of the plugin's model (test/fixtures/specs). */
const SPEC = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/specs/contoso_webapp01.json'), 'utf8')) as { DomainJoinConfig: Record<string, string> };
const IIS = 'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022';
const CORE2022 = 'mcr.microsoft.com/windows/servercore:ltsc2022';
const APP = 'local/app:1'; // built on the host: matches every build
const NLTEST_OK = [
  'Flags: 30 HAS_IP  HAS_TIMESERV',
  'Trusted DC Name \\\\dc01.contoso.com',
  'Trusted DC Connection Status Status = 0 0x0 NERR_Success',
  'Trust Verification Status = 0 0x0 NERR_Success',
  'The command completed successfully',
  '',
].join('\r\n');
const ID = /^[0-9a-f]{64}$/;

const config = tempDir('standin-cli');
const env = cleanEnv({ DOCKER_CONFIG: config });
const engines: WindowsEngineHandle[] = [];

/** A Docker root with CredentialSpecs (a valid spec, a malformed one, another domain, one outside). */
function dockerRoot(): string {
  const root = tempDir('standin-root');
  const specs = path.join(root, 'CredentialSpecs');
  fs.mkdirSync(specs);
  fs.writeFileSync(path.join(specs, 'contoso_webapp01.json'), JSON.stringify(SPEC, null, 2));
  fs.writeFileSync(path.join(specs, 'broken.json'), '{ "CmsPlugins": ["ActiveDirectory"], "DomainJoinConfig": ');
  fs.writeFileSync(
    path.join(specs, 'fabrikam_api01.json'),
    JSON.stringify({ ...SPEC, DomainJoinConfig: { ...SPEC.DomainJoinConfig, MachineAccountName: 'api01', DnsName: 'fabrikam.com', NetBiosName: 'FABRIKAM' } }),
  );
  fs.mkdirSync(path.join(root, 'CredentialSpecsX'));
  fs.writeFileSync(path.join(root, 'CredentialSpecsX', 'outside.json'), JSON.stringify(SPEC));
  return root;
}

async function engine(name: string, opts: Omit<WindowsEngineOptions, 'socketPath'>): Promise<WindowsEngineHandle> {
  const e = await startWindowsEngine({ socketPath: socketPath(name), ...opts });
  engines.push(e);
  return e;
}

function cli(e: WindowsEngineHandle, ...args: string[]): Promise<RunResult> {
  return docker(['-H', `unix://${e.socketPath}`, ...args], env);
}

/** `docker run -d` that must fail at start: the daemon's message, the CLI's exit code. */
async function runFails(e: WindowsEngineHandle, opt: string, image = APP): Promise<{ status: number; message: string }> {
  const r = await cli(e, 'run', '-d', '--security-opt', opt, image);
  expect(r.status).not.toBe(0);
  const m = /^docker: Error response from daemon: (.*)$/m.exec(r.stderr);
  expect(m).not.toBeNull();
  return { status: r.status, message: m![1]! };
}

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

describe('Windows Server 2022, engine 24.0 (API 1.43), with a local Docker root', () => {
  let ws2022: WindowsEngineHandle;
  let root: string;

  beforeAll(async () => {
    root = dockerRoot();
    ws2022 = await engine('ws2022', { fixture: 'windows-20348-engine-24.0', rootDir: root });
  });

  test('docker info reports the local root; docker images lists the local images', async () => {
    const info = await cli(ws2022, 'info', '--format', '{{.DockerRootDir}} {{.OSType}} {{.Isolation}}');
    expect(info.stdout.trim()).toBe(`${root} windows process`);
    const images = await cli(ws2022, 'images', '--format', '{{.Repository}}:{{.Tag}}');
    expect(images.stdout.trim().split('\n').sort()).toEqual(
      [
        APP,
        'mcr.microsoft.com/windows/nanoserver:ltsc2022',
        'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022',
        'mcr.microsoft.com/windows/servercore:ltsc2019',
        CORE2022,
      ].sort(),
    );
  });

  test('docker run -d with a gMSA: running, inspectable, and the identity works inside', async () => {
    const run = await cli(ws2022, 'run', '-d', '--name', 'c1', '--hostname', 'webapp01', '--security-opt', 'credentialspec=file://contoso_webapp01.json', IIS);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(ID);

    const c = ws2022.state.containers[id]!;
    expect(c).toMatchObject({ name: 'c1', state: { status: 'running', running: true } });
    expect(c.credentialSpec).toMatchObject({
      source: 'file://contoso_webapp01.json',
      usable: true,
      account: 'webapp01',
      domain: 'contoso.com',
      netbios: 'CONTOSO',
    });
    expect(JSON.parse(c.credentialSpec!.json)).toEqual(SPEC);

    const inspect = await cli(ws2022, 'inspect', 'c1');
    expect(inspect.status).toBe(0);
    const [j] = JSON.parse(inspect.stdout);
    expect(j).toMatchObject({
      Id: id,
      Name: '/c1',
      Platform: 'windows',
      Config: { Hostname: 'webapp01', User: '', Image: IIS, Entrypoint: ['C:\\ServiceMonitor.exe', 'w3svc'] },
      HostConfig: { SecurityOpt: ['credentialspec=file://contoso_webapp01.json'], Isolation: 'process' },
      State: { Status: 'running', Running: true, ExitCode: 0 },
    });
    expect(Date.parse(j.State.StartedAt)).toBeGreaterThan(0);

    const ps = await cli(ws2022, 'ps', '--format', '{{.Names}} {{.Status}}');
    expect(ps.stdout).toMatch(/^c1 Up /m);

    const klist = await cli(ws2022, 'exec', '-u', 'NT AUTHORITY\\NETWORK SERVICE', 'c1', 'klist', 'get', 'krbtgt');
    expect(klist.status).toBe(0);
    expect(klist.stdout).toContain('A ticket to krbtgt has been retrieved successfully.');
    expect(klist.stdout).toContain('Client: webapp01$ @ CONTOSO.COM');
    expect(klist.stdout).toContain('Server: krbtgt/CONTOSO.COM @ CONTOSO.COM');

    const nltest = await cli(ws2022, 'exec', 'c1', 'nltest', '/sc_verify:contoso.com');
    expect(nltest).toEqual({ status: 0, stdout: NLTEST_OK, stderr: '' });
    for (const argv of [
      ['cmd', '/c', 'nltest', '/sc_verify:contoso.com'],
      ['powershell', '-Command', 'nltest', '/SC_VERIFY:CONTOSO'],
      ['C:\\Windows\\System32\\nltest.exe', '/sc_verify:CONTOSO.COM'],
    ]) {
      expect(await cli(ws2022, 'exec', 'c1', ...argv)).toMatchObject({ status: 0, stdout: NLTEST_OK });
    }
  });

  test('who the processes are: never the gMSA', async () => {
    expect((await cli(ws2022, 'exec', 'c1', 'whoami')).stdout).toBe('user manager\\containeradministrator\r\n');
    expect((await cli(ws2022, 'exec', '-u', 'NETWORK SERVICE', 'c1', 'whoami')).stdout).toBe('nt authority\\network service\r\n');
    expect((await cli(ws2022, 'exec', '-u', 'NT AUTHORITY\\SYSTEM', 'c1', 'cmd', '/c', 'whoami')).stdout).toBe('nt authority\\system\r\n');
    expect((await cli(ws2022, 'exec', 'c1', 'hostname')).stdout).toBe('webapp01\r\n');
    const nano = await cli(ws2022, 'run', '--rm', 'mcr.microsoft.com/windows/nanoserver:ltsc2022', 'cmd', '/c', 'whoami');
    expect(nano).toMatchObject({ status: 0, stdout: 'user manager\\containeruser\r\n' });
  });

  test('klist as the container user, nltest for another domain, unknown commands', async () => {
    const local = await cli(ws2022, 'exec', 'c1', 'klist', 'get', 'krbtgt');
    expect(local.status).toBe(1);
    expect(local.stdout).toContain('klist failed with 0xc000005f/-1073741729: A specified logon session does not exist.');
    const other = await cli(ws2022, 'exec', 'c1', 'nltest', '/sc_verify:fabrikam.com');
    expect(other).toMatchObject({ status: 1, stdout: 'I_NetLogonControl failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN\r\n' });

    const viaCmd = await cli(ws2022, 'exec', 'c1', 'cmd', '/c', 'frobnicate');
    expect(viaCmd.status).toBe(1);
    expect(viaCmd.stderr).toBe("'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n");
    // without cmd, the engine cannot create the process at all
    const direct = await cli(ws2022, 'exec', 'c1', 'frobnicate');
    expect(direct.status).toBe(126);
    expect(direct.stdout).toMatch(
      /^container [0-9a-f]{64} encountered an error during hcs::System::CreateProcess: failure in a Windows system call: The system cannot find the file specified\. \(0x2\)/,
    );
  });

  test('no credential spec, or a malformed one: the engine starts the container, the domain identity fails', async () => {
    const plain = await cli(ws2022, 'run', '-d', '--name', 'plain', '--hostname', 'webapp01', IIS);
    expect(plain.status).toBe(0);
    expect(ws2022.state.containers[plain.stdout.trim()]!.credentialSpec).toBeNull();
    expect((await cli(ws2022, 'exec', 'plain', 'nltest', '/sc_verify:contoso.com')).stdout).toBe(
      'I_NetLogonControl failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN\r\n',
    );
    const ns = await cli(ws2022, 'exec', '-u', 'NT AUTHORITY\\NETWORK SERVICE', 'plain', 'klist', 'get', 'krbtgt');
    expect(ns.status).toBe(1);
    expect(ns.stdout).toContain(
      'klist failed with 0xc000005e/-1073741730: There are currently no logon servers available to service the logon request.',
    );

    const broken = await cli(ws2022, 'run', '-d', '--name', 'broken', '--security-opt', 'credentialspec=file://broken.json', IIS);
    expect(broken.status).toBe(0);
    const c = ws2022.state.containers[broken.stdout.trim()]!;
    expect(c.credentialSpec).toMatchObject({ source: 'file://broken.json', usable: false });
    expect(c.credentialSpec!.parsed).toBeUndefined();
    const n = await cli(ws2022, 'exec', 'broken', 'nltest', '/sc_verify:contoso.com');
    expect(n).toMatchObject({ status: 1, stdout: 'I_NetLogonControl failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN\r\n' });
  });

  test('the engine rules for credentialspec, checked at start, with moby 24 messages', async () => {
    // moby's readCredentialSpecFile / setWindowsCredentialSpec (daemon/oci_windows.go)
    expect((await runFails(ws2022, 'credentialspec=file://C:\\specs\\x.json')).message).toBe('invalid credential spec: file:// path cannot be absolute');
    expect((await runFails(ws2022, 'credentialspec=file://\\\\server\\share\\x.json')).message).toBe(
      'invalid credential spec: file:// path cannot be absolute',
    );
    expect((await runFails(ws2022, 'credentialspec=file://..\\contoso_webapp01.json')).message).toBe(
      `invalid credential spec: file:// path must be under ${root}/CredentialSpecs`,
    );
    const missing = await runFails(ws2022, 'credentialspec=file://missing.json');
    expect(missing.message).toMatch(
      new RegExp(`^failed to load credential spec for container [0-9a-f]{64}: open ${root}/CredentialSpecs/missing\\.json: The system cannot find the file specified\\.$`),
    );
    expect(missing.status).toBe(127); // the CLI maps "system cannot find the file specified" to 127
    expect((await runFails(ws2022, 'credentialspec=foo://x')).message).toBe(ERR_INVALID_SECOPT);
    expect((await runFails(ws2022, 'credentialspec=contoso_webapp01.json')).message).toBe(ERR_INVALID_SECOPT);
    expect((await runFails(ws2022, 'credentialspec=file://')).message).toBe(ERR_INVALID_SECOPT);
    expect((await runFails(ws2022, 'credentialspec=config://webapp01')).message).toBe(ERR_INVALID_SECOPT); // not swarm
    expect((await runFails(ws2022, 'label=disable')).message).toBe('security option not supported: label');
    expect((await runFails(ws2022, 'no-new-privileges')).message).toBe('invalid security option: no equals sign in supplied value no-new-privileges');
    expect((await runFails(ws2022, 'credentialspec=registry://webapp01')).message).toMatch(
      /^failed handling spec "webapp01" for container [0-9a-f]{64} - registry key SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Virtualization\\Containers\\CredentialSpecs could not be opened: The system cannot find the file specified\.$/,
    );
  });

  test('what the engine accepts: moby prefix-check quirk, case-insensitive names, raw://, the last option', async () => {
    // ..\CredentialSpecsX\ passes moby's string prefix test
    const quirk = await cli(ws2022, 'run', '-d', '--security-opt', 'credentialspec=file://..\\CredentialSpecsX\\outside.json', APP);
    expect(quirk.status).toBe(0);
    expect(ws2022.state.containers[quirk.stdout.trim()]!.credentialSpec).toMatchObject({ usable: true, account: 'webapp01' });
    const upper = await cli(ws2022, 'run', '-d', '--security-opt', 'CredentialSpec=FILE://Contoso_WebApp01.JSON', APP);
    expect(upper.status).toBe(0);
    const raw = await cli(ws2022, 'run', '-d', '--security-opt', `credentialspec=raw://${JSON.stringify(SPEC)}`, APP);
    expect(raw.status).toBe(0);
    expect(ws2022.state.containers[raw.stdout.trim()]!.credentialSpec).toMatchObject({ usable: true, domain: 'contoso.com' });
    const two = await cli(
      ws2022,
      'run',
      '-d',
      '--security-opt',
      'credentialspec=file://contoso_webapp01.json',
      '--security-opt',
      'credentialspec=file://fabrikam_api01.json',
      APP,
    );
    expect(ws2022.state.containers[two.stdout.trim()]!.credentialSpec).toMatchObject({ account: 'api01', domain: 'fabrikam.com' });
  });

  test('docker create accepts any security option; docker start is where it fails', async () => {
    const create = await cli(ws2022, 'create', '--name', 'later', '--security-opt', 'credentialspec=file://missing.json', APP);
    expect(create.status).toBe(0);
    expect(create.stdout.trim()).toMatch(ID);
    const start = await cli(ws2022, 'start', 'later');
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(/^Error response from daemon: failed to load credential spec for container [0-9a-f]{64}: open .*missing\.json: The system cannot find the file specified\.$/m);
    const state = await cli(ws2022, 'inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'later');
    expect(state.stdout).toMatch(/^created 128 failed to load credential spec/);
    // fix the spec, start again
    fs.copyFileSync(path.join(root, 'CredentialSpecs', 'contoso_webapp01.json'), path.join(root, 'CredentialSpecs', 'missing.json'));
    try {
      expect(await cli(ws2022, 'start', 'later')).toMatchObject({ status: 0, stdout: 'later\n' });
      expect((await cli(ws2022, 'inspect', '-f', '{{.State.Status}}', 'later')).stdout).toBe('running\n');
    } finally {
      fs.rmSync(path.join(root, 'CredentialSpecs', 'missing.json'));
    }
  });

  test('docker run attached: the output and the exit code of the command', async () => {
    expect(await cli(ws2022, 'run', '--rm', CORE2022, 'cmd', '/c', 'echo', 'hi')).toEqual({ status: 0, stdout: 'hi\r\n', stderr: '' });
    expect(await cli(ws2022, 'run', '--rm', CORE2022, 'cmd', '/c', 'echo hi && exit 3')).toMatchObject({ status: 3, stdout: 'hi\r\n' });
    const named = await cli(ws2022, 'run', '--name', 'once', CORE2022, 'powershell', '-Command', "Write-Output 'from ps'; exit 2");
    expect(named).toMatchObject({ status: 2, stdout: 'from ps\r\n' });
    expect((await cli(ws2022, 'ps', '-a', '--filter', 'name=once', '--format', '{{.Status}}')).stdout).toMatch(/^Exited \(2\) /);
    expect((await cli(ws2022, 'logs', 'once')).stdout).toBe('from ps\r\n');
    expect((await cli(ws2022, 'wait', 'once')).stdout).toBe('2\n');
    // the image's own command: cmd.exe without a console prints its banner and ends
    const banner = await cli(ws2022, 'run', '--rm', CORE2022);
    expect(banner.status).toBe(0);
    expect(banner.stdout).toMatch(/^Microsoft Windows \[Version 10\.0\.20348\.\d+\]\r\n\(c\) Microsoft Corporation\. All rights reserved\.\r\n\r\nC:\\>$/);
  });

  test('an image that is not there: the pull fails cleanly', async () => {
    const r = await cli(ws2022, 'run', '--rm', 'mcr.microsoft.com/windows/servercore:ltsc2016');
    expect(r.status).toBe(125);
    expect(r.stderr).toContain("Unable to find image 'mcr.microsoft.com/windows/servercore:ltsc2016' locally");
    expect(r.stderr).toContain('Error response from daemon: Get "https://mcr.microsoft.com/v2/": dial tcp: lookup mcr.microsoft.com: no such host');
    const inspect = await cli(ws2022, 'image', 'inspect', 'nosuch:1');
    expect(inspect.status).toBe(1);
    expect(inspect.stderr).toMatch(/No such image: nosuch:1/);
  });

  test('an image newer than, or different from, the host build', async () => {
    const r = await runFails(ws2022, 'credentialspec=file://contoso_webapp01.json', 'mcr.microsoft.com/windows/servercore:ltsc2019');
    expect(r.message).toMatch(
      /^container [0-9a-f]{64} encountered an error during hcs::CreateComputeSystem: failure in a Windows system call: The container operating system does not match the host operating system\. \(0xc0370101\)$/,
    );
    const hyperv = await cli(ws2022, 'run', '--rm', '--isolation', 'hyperv', 'mcr.microsoft.com/windows/servercore:ltsc2019', 'cmd', '/c', 'echo', 'ok');
    expect(hyperv).toMatchObject({ status: 0, stdout: 'ok\r\n' });
    const bad = await cli(ws2022, 'run', '--isolation', 'container', APP);
    expect(bad.stderr).toContain(`Error response from daemon: Invalid isolation: "container". Windows supports 'default', 'process', or 'hyperv'`);
  });

  test('exec -d, logs of a long-running command, stop, rm and rm -f', async () => {
    const run = await cli(ws2022, 'run', '-d', '--name', 'pinger', APP, 'ping', '-t', 'localhost');
    expect(run.status).toBe(0);
    expect(await cli(ws2022, 'exec', '-d', 'pinger', 'ping', '-t', 'localhost')).toMatchObject({ status: 0, stdout: '' });
    const logs = await cli(ws2022, 'logs', 'pinger');
    expect(logs.stdout).toMatch(/^\r\nPinging [0-9a-f]{12} \[::1\] with 32 bytes of data:\r\nReply from ::1: time<1ms \r\n/);

    const rm = await cli(ws2022, 'rm', 'pinger');
    expect(rm.status).toBe(1);
    expect(rm.stderr).toMatch(/You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove/);
    expect(await cli(ws2022, 'stop', 'pinger')).toMatchObject({ status: 0, stdout: 'pinger\n' });
    expect((await cli(ws2022, 'inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'pinger')).stdout).toBe('exited 1067\n');
    const exec = await cli(ws2022, 'exec', 'pinger', 'whoami');
    expect(exec.status).toBe(1);
    expect(exec.stderr).toMatch(/Container [0-9a-f]{64} is not running/);
    expect(await cli(ws2022, 'rm', 'pinger')).toMatchObject({ status: 0, stdout: 'pinger\n' });

    expect((await cli(ws2022, 'run', '-d', '--name', 'gone', IIS)).status).toBe(0);
    expect(await cli(ws2022, 'rm', '-f', 'gone')).toMatchObject({ status: 0, stdout: 'gone\n' });
    expect(Object.values(ws2022.state.containers).some((c) => c.name === 'gone')).toBe(false);
    const missing = await cli(ws2022, 'inspect', 'gone');
    expect(missing.status).toBe(1);
  });
});

describe('Windows Server 2019, engine 19.03 (API 1.40)', () => {
  let ws2019: WindowsEngineHandle;
  let root: string;

  beforeAll(async () => {
    root = dockerRoot();
    ws2019 = await engine('ws2019', { fixture: 'windows-17763-engine-19.03', rootDir: root });
  });

  test('19.03 messages, and raw:// (API 1.40) works', async () => {
    expect((await runFails(ws2019, 'credentialspec=file://C:\\x.json')).message).toBe('invalid credential spec - file:// path cannot be absolute');
    expect((await runFails(ws2019, 'credentialspec=file://..\\..\\x.json')).message).toBe(
      `invalid credential spec - file:// path must be under ${root}/CredentialSpecs`,
    );
    expect((await runFails(ws2019, 'credentialspec=file://nope.json')).message).toMatch(
      new RegExp(
        `^credential spec for container [0-9a-f]{64} could not be read from file "${root}/CredentialSpecs/nope\\.json": open ${root}/CredentialSpecs/nope\\.json: The system cannot find the file specified\\.$`,
      ),
    );
    const raw = await cli(ws2019, 'run', '-d', '--hostname', 'anything', '--security-opt', `credentialspec=raw://${JSON.stringify(SPEC)}`, APP);
    expect(raw.status).toBe(0);
    // 17763: the hostname no longer has to be the gMSA name
    expect(await cli(ws2019, 'exec', raw.stdout.trim(), 'nltest', '/sc_verify:contoso.com')).toMatchObject({ status: 0, stdout: NLTEST_OK });
  });

  test('two containers with one gMSA on 17763 both keep their trust', async () => {
    for (const n of ['a', 'b']) {
      expect((await cli(ws2019, 'run', '-d', '--name', `share-${n}`, '--security-opt', 'credentialspec=file://contoso_webapp01.json', APP)).status).toBe(0);
    }
    expect((await cli(ws2019, 'exec', 'share-a', 'nltest', '/sc_verify:contoso.com')).status).toBe(0);
    expect((await cli(ws2019, 'exec', 'share-b', 'nltest', '/sc_verify:contoso.com')).status).toBe(0);
  });
});

describe('Windows Server 1803, engine 18.09 (API 1.39): the pre-1809 rules', () => {
  let ws1803: WindowsEngineHandle;
  let root: string;

  beforeAll(async () => {
    root = dockerRoot();
    ws1803 = await engine('ws1803', { fixture: 'windows-17134-engine-18.09', rootDir: root, hypervHangMs: 300 });
  });

  test('messages before 19.03: no raw://, lower-cased options, the old file message', async () => {
    expect((await runFails(ws1803, 'credentialspec=raw://{}')).message).toBe(ERR_INVALID_SECOPT_LEGACY);
    expect((await runFails(ws1803, 'credentialspec=config://x')).message).toBe(ERR_INVALID_SECOPT_LEGACY);
    expect((await runFails(ws1803, 'credentialspec=file://')).message).toBe('no value supplied for file:// credential spec security option');
    expect((await runFails(ws1803, 'Label=Disable')).message).toBe('security option not supported: label');
    expect((await runFails(ws1803, 'credentialspec=file://C:\\x.json')).message).toBe('invalid credential spec - file:// path cannot be absolute');
    // the whole option is lower-cased before the prefix test, so the ..\CredentialSpecsX quirk does not pass here
    expect((await runFails(ws1803, 'credentialspec=file://..\\CredentialSpecsX\\outside.json')).message).toBe(
      `invalid credential spec - file:// path must be under ${root}/CredentialSpecs`,
    );
    expect((await runFails(ws1803, 'credentialspec=file://nope.json')).message).toMatch(
      new RegExp(
        `^credential spec '${root}/CredentialSpecs/nope\\.json' for container [0-9a-f]{64} as the file could not be read: "open ${root}/CredentialSpecs/nope\\.json: The system cannot find the file specified\\."$`,
      ),
    );
  });

  test('the hostname must be the gMSA name', async () => {
    const spec = 'credentialspec=file://contoso_webapp01.json';
    expect((await cli(ws1803, 'run', '-d', '--name', 'wrongname', '--hostname', 'web', '--security-opt', spec, APP)).status).toBe(0);
    const wrong = await cli(ws1803, 'exec', 'wrongname', 'nltest', '/sc_verify:contoso.com');
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('Trusted DC Connection Status Status = 0 0x0 NERR_Success');
    expect(wrong.stdout).toContain('Trust Verification Status = 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE');
    // Kerberos still works
    expect((await cli(ws1803, 'exec', '-u', 'NT AUTHORITY\\NETWORK SERVICE', 'wrongname', 'klist', 'get', 'krbtgt')).status).toBe(0);
    expect(await cli(ws1803, 'rm', '-f', 'wrongname')).toMatchObject({ status: 0 });

    expect((await cli(ws1803, 'run', '-d', '--name', 'right', '--hostname', 'webapp01', '--security-opt', spec, APP)).status).toBe(0);
    expect(await cli(ws1803, 'exec', 'right', 'nltest', '/sc_verify:contoso.com')).toMatchObject({ status: 0, stdout: NLTEST_OK });
  });

  test('one running container per gMSA: a second one makes both lose the DC', async () => {
    const spec = 'credentialspec=file://contoso_webapp01.json';
    expect((await cli(ws1803, 'run', '-d', '--name', 'twin', '--hostname', 'webapp01', '--security-opt', spec, APP)).status).toBe(0);
    for (const c of ['right', 'twin']) {
      const r = await cli(ws1803, 'exec', c, 'nltest', '/sc_verify:contoso.com');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('Trusted DC Connection Status Status = 1311 0x51f ERROR_NO_LOGON_SERVERS');
    }
    expect(await cli(ws1803, 'stop', 'twin')).toMatchObject({ status: 0 });
    expect((await cli(ws1803, 'exec', 'right', 'nltest', '/sc_verify:contoso.com')).status).toBe(0);
  });

  test('Hyper-V isolation with a gMSA "hangs" and then fails; without a gMSA it runs', async () => {
    const t0 = Date.now();
    const r = await cli(ws1803, 'run', '-d', '--isolation', 'hyperv', '--security-opt', 'credentialspec=file://contoso_webapp01.json', APP);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(
      /^docker: Error response from daemon: container [0-9a-f]{64} encountered an error during Start: hcsshim: timeout waiting for notification$/m,
    );
    const id = r.stdout.trim(); // docker run -d prints the ID before it starts the container
    expect(ws1803.state.containers[id]).toMatchObject({ hostConfig: { Isolation: 'hyperv' }, state: { status: 'created', exitCode: 128 } });
    expect(await cli(ws1803, 'run', '--rm', '--isolation', 'hyperv', APP, 'cmd', '/c', 'echo', 'fine')).toMatchObject({ status: 0, stdout: 'fine\r\n' });
  });
});

describe('Windows Server 2016, engine 17.06 (API 1.30), no local root', () => {
  let ws2016: WindowsEngineHandle;

  beforeAll(async () => {
    ws2016 = await engine('ws2016', { fixture: 'windows-14393-engine-17.06', registry: { webapp01: JSON.stringify(SPEC) } });
  });

  test('attached run and the registry:// store at API 1.30', async () => {
    expect(await cli(ws2016, 'run', '--rm', APP, 'cmd', '/c', 'echo hi')).toEqual({ status: 0, stdout: 'hi\r\n', stderr: '' });
    const r = await cli(ws2016, 'run', '-d', '--name', 'reg', '--hostname', 'webapp01', '--security-opt', 'credentialspec=registry://WebApp01', APP);
    expect(r.status).toBe(0);
    expect(ws2016.state.containers[r.stdout.trim()]!.credentialSpec).toMatchObject({ source: 'registry://WebApp01', usable: true });
    expect((await runFails(ws2016, 'credentialspec=registry://nobody')).message).toMatch(
      /^credential spec "nobody" for container [0-9a-f]{64} as it was not found$/,
    );
  });

  test('without a rootDir, file:// specs are looked for under the Windows root and not found', async () => {
    expect((await cli(ws2016, 'info', '--format', '{{.DockerRootDir}}')).stdout).toBe('C:\\ProgramData\\docker\n');
    expect((await runFails(ws2016, 'credentialspec=file://contoso_webapp01.json')).message).toMatch(
      /^credential spec 'C:\\ProgramData\\docker\\CredentialSpecs\\contoso_webapp01\.json' for container [0-9a-f]{64} as the file could not be read: "open C:\\\\ProgramData\\\\docker\\\\CredentialSpecs\\\\contoso_webapp01\.json: The system cannot find the file specified\."$/,
    );
  });

  test('Network Service and SYSTEM need 1709: refused before', async () => {
    const exec = await cli(ws2016, 'exec', '-u', 'NT AUTHORITY\\NETWORK SERVICE', 'reg', 'klist', 'get', 'krbtgt');
    expect(exec.status).toBe(126);
    expect(exec.stdout).toMatch(
      /^container [0-9a-f]{64} encountered an error during CreateProcess: failure in a Windows system call: The user name or password is incorrect\. \(0x52e\)/,
    );
    const run = await cli(ws2016, 'run', '--rm', '-u', 'NT AUTHORITY\\SYSTEM', APP, 'whoami');
    expect(run.status).toBe(125);
    expect(run.stderr).toContain('The user name or password is incorrect. (0x52e)');
    // as the default user, nltest works on 2016 when the hostname is the gMSA name
    expect(await cli(ws2016, 'exec', 'reg', 'nltest', '/sc_verify:contoso.com')).toMatchObject({ status: 0, stdout: NLTEST_OK });
  });
});
