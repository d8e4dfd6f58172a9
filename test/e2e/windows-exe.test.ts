/**
 * docker-gmsa.exe, the Windows build, run under Debian's wine (it reports win32, Windows 10): every
 * command's output is compared with the Linux bundle's on the same input, with the Windows paths of the
 * wine prefix where the bundle gets the same folders as Linux paths. The engine is the stand-in Windows
 * engine served over TCP (a named pipe cannot cross from wine to this process); the directory is the lab
 * DC over LDAPS.
 *
 * Wine facts (shared/reference/docker.md): WINEDEBUG=-all, `winecfg -v win10` once in a private
 * WINEPREFIX, and stdout/stderr redirected to files (wine's pipes give node EBADF).
 *
 * Never a skip: no wine (scripts/install-deps installs it) or no executable is a failure. The executable
 * is built here (npm run build:exe) when it is missing or does not carry the current bundle.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLE, cleanEnv, DOMAIN_FLAGS, ensureBuilt, plugin, ROOT, type RunResult } from '../support/cli';
import { labDc, labDescribe, type LabDc } from '../support/lab';
import { createWindowsEngine } from '../support/windows-engine';

const EXE = join(ROOT, 'dist', 'docker-gmsa.exe');
const work = mkdtempSync(join(tmpdir(), 'gmsa-wine-'));
const prefix = join(work, 'prefix');
const driveC = join(prefix, 'drive_c');
/** The wine prefix's C:\ProgramData\docker, as Linux sees it. */
const dockerRootLinux = join(driveC, 'ProgramData', 'docker');
const DOCKER_ROOT_WIN = 'C:\\ProgramData\\docker';

/** A Linux path as the Windows process sees it (wine maps / to Z:). */
const winPath = (p: string): string => `Z:${p.replace(/\//g, '\\')}`;

const wineEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...cleanEnv(),
  WINEPREFIX: prefix,
  WINEDEBUG: '-all',
  // No Mono or Gecko installer prompts while the prefix is made.
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
  DISPLAY: '',
  ...extra,
});

let runs = 0;
/** Runs the exe under wine with stdout and stderr going to files (not pipes), then reads them. */
function exe(args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const n = runs++;
  const outFile = join(work, `out-${n}.txt`);
  const errFile = join(work, `err-${n}.txt`);
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('wine', [EXE, ...args], { env: wineEnv(extra), stdio: ['ignore', out, err], cwd: work, timeout: 120_000 });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      closeSync(out);
      closeSync(err);
      resolve({
        status: code ?? (signal ? 128 : -1),
        stdout: readFileSync(outFile, 'utf8'),
        stderr: readFileSync(errFile, 'utf8'),
      });
    });
  });
}

/** The exe's text with this prefix's Windows paths turned into the Linux paths the bundle was given. */
function asLinux(text: string, pairs: [win: string, linux: string][]): string {
  let t = text;
  for (const [w, l] of pairs) t = t.split(w).join(l);
  return t;
}

function hasWine(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v wine'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let engineServer: Server;
let engineHost = '';

beforeAll(async () => {
  if (!hasWine()) throw new Error('wine is not installed: run scripts/install-deps (Debian package wine); this test never skips');
  ensureBuilt();
  // The blob holds the bundle verbatim: an exe without this bundle's bytes is stale.
  if (!existsSync(EXE) || !readFileSync(EXE).includes(readFileSync(BUNDLE))) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-exe.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (!existsSync(EXE)) throw new Error(`${EXE} was not built`);
  execFileSync('winecfg', ['-v', 'win10'], { env: wineEnv(), stdio: 'ignore', timeout: 120_000 });
  mkdirSync(dockerRootLinux, { recursive: true });

  const engine = createWindowsEngine({ fixture: 'windows-17763-engine-20.10' });
  engineServer = createServer((req, res) => engine.handle(req, res));
  engineServer.on('upgrade', (req, socket, head) => engine.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => engineServer.listen(0, '127.0.0.1', resolve));
  const addr = engineServer.address();
  if (!addr || typeof addr === 'string') throw new Error('the stand-in engine has no TCP address');
  engineHost = `tcp://127.0.0.1:${addr.port}`;
}, 300_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (engineServer ? engineServer.close(() => resolve()) : resolve()));
  try {
    execFileSync('wineserver', ['-k'], { env: wineEnv(), stdio: 'ignore' });
  } catch {
    // no wineserver left for this prefix
  }
  rmSync(work, { recursive: true, force: true });
});

describe('docker-gmsa.exe under wine', () => {
  test('the handshake and --help print exactly what the bundle prints', async () => {
    for (const args of [['docker-cli-plugin-metadata'], ['--help'], ['gmsa', 'spec', '--help']]) {
      const [w, l] = await Promise.all([exe(args), plugin(args, cleanEnv())]);
      expect({ args, status: w.status, stderr: w.stderr }).toEqual({ args, status: 0, stderr: '' });
      expect(w.stdout).toBe(l.stdout);
    }
    const meta = JSON.parse((await exe(['docker-cli-plugin-metadata'])).stdout) as { SchemaVersion: string; Vendor: string };
    expect(meta).toMatchObject({ SchemaVersion: '0.1.0', Vendor: 'docker-gmsa project' });
  });

  test('version: packaged, win32, and the exe path', async () => {
    const r = await exe(['version', '--format', 'json']);
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(v).toMatchObject({ Packaged: true, Platform: 'win32/x64', Form: 'executable', Path: winPath(EXE) });
    expect(v.Node).toMatch(/^22\./);
  });

  test('spec create --offline writes into C:\\ProgramData\\docker\\CredentialSpecs; validate and ls take Windows paths', async () => {
    const linuxRoot = mkdtempSync(join(work, 'linux-root-'));
    const pairs: [string, string][] = [[`${DOCKER_ROOT_WIN}\\CredentialSpecs\\`, `${linuxRoot}/CredentialSpecs/`], [`${DOCKER_ROOT_WIN}\\CredentialSpecs`, `${linuxRoot}/CredentialSpecs`], [DOCKER_ROOT_WIN, linuxRoot]];
    const createArgs = ['spec', 'create', 'webapp01', ...DOMAIN_FLAGS];
    const w = await exe([...createArgs, '--root', DOCKER_ROOT_WIN]);
    const l = await plugin([...createArgs, '--root', linuxRoot], cleanEnv());
    expect(w.status).toBe(0);
    expect(asLinux(w.stdout, pairs)).toBe(l.stdout);
    expect(asLinux(w.stderr, pairs)).toBe(l.stderr);
    const file = join(dockerRootLinux, 'CredentialSpecs', 'contoso_webapp01.json');
    expect(readFileSync(file).equals(readFileSync(join(linuxRoot, 'CredentialSpecs', 'contoso_webapp01.json')))).toBe(true);
    expect(readdirSync(join(dockerRootLinux, 'CredentialSpecs'))).toEqual(['contoso_webapp01.json']);

    for (const [wArgs, lArgs] of [
      [['spec', 'validate', `${DOCKER_ROOT_WIN}\\CredentialSpecs\\contoso_webapp01.json`], ['spec', 'validate', `${linuxRoot}/CredentialSpecs/contoso_webapp01.json`]],
      [['spec', 'validate', '--root', DOCKER_ROOT_WIN, 'contoso_webapp01'], ['spec', 'validate', '--root', linuxRoot, 'contoso_webapp01']],
      [['spec', 'ls', '--root', DOCKER_ROOT_WIN], ['spec', 'ls', '--root', linuxRoot]],
    ]) {
      const [a, b] = [await exe(wArgs as string[]), await plugin(lArgs as string[], cleanEnv())];
      expect({ args: wArgs, status: a.status }).toEqual({ args: wArgs, status: b.status });
      expect(asLinux(a.stdout, pairs)).toBe(b.stdout);
      expect(asLinux(a.stderr, pairs)).toBe(b.stderr);
    }
    // Forward slashes and a lower-case drive letter name the same folder; paths come back in Windows form.
    const [a, b] = [await exe(['spec', 'ls', '--root', 'c:/ProgramData/docker', '--format', 'json']), await plugin(['spec', 'ls', '--root', linuxRoot, '--format', 'json'], cleanEnv())];
    expect(a.status).toBe(0);
    const lines = (t: string): unknown[] => t.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const listed = lines(a.stdout) as { Path: string }[];
    expect(listed.map((e) => e.Path)).toEqual(['c:\\ProgramData\\docker\\CredentialSpecs\\contoso_webapp01.json']);
    expect(listed.map((e) => ({ ...e, Path: `${linuxRoot}/CredentialSpecs/contoso_webapp01.json` }))).toEqual(lines(b.stdout));
  });

  test('a spec file with CRLF line ends and a BOM validates the same as on Linux', async () => {
    const spec = readFileSync(join(dockerRootLinux, 'CredentialSpecs', 'contoso_webapp01.json'), 'utf8');
    const crlf = join(work, 'crlf.json');
    writeFileSync(crlf, '\uFEFF' + spec.replace(/\n/g, '\r\n'));
    const [a, b] = [await exe(['spec', 'validate', winPath(crlf)]), await plugin(['spec', 'validate', crlf], cleanEnv())];
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(a.stdout.split(winPath(crlf)).join(crlf)).toBe(b.stdout);
  });

  test('host and run --dry-run against the stand-in Windows engine over TCP', async () => {
    const host = ['-H', engineHost, 'gmsa', 'host', '--format', 'json'];
    const [a, b] = [await exe(host), await plugin(host, cleanEnv())];
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout)).toMatchObject({ OSType: 'windows', WindowsBuild: 17763 });

    const linuxRoot = mkdtempSync(join(work, 'run-root-'));
    expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', linuxRoot], cleanEnv())).status).toBe(0);
    const run = (root: string): string[] => ['-H', engineHost, 'gmsa', 'run', '--dry-run', '--root', root, 'webapp01', '-d', 'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019'];
    const [c, d] = [await exe(run(DOCKER_ROOT_WIN)), await plugin(run(linuxRoot), cleanEnv())];
    expect(c.status).toBe(0);
    expect(d.status).toBe(0);
    const pairs: [string, string][] = [[`${DOCKER_ROOT_WIN}\\CredentialSpecs\\`, `${linuxRoot}/CredentialSpecs/`], [`${DOCKER_ROOT_WIN}\\CredentialSpecs`, `${linuxRoot}/CredentialSpecs`]];
    expect(asLinux(c.stderr, pairs)).toBe(d.stderr);
    // The printed command differs only in the run's own hostname (unique per container on 2019+).
    const hostnameless = (s: string): string => s.replace(/--hostname \S+/, '--hostname H');
    expect(hostnameless(c.stdout)).toBe(hostnameless(d.stdout));
    expect(c.stdout).toMatch(/^docker --host tcp:\/\/127\.0\.0\.1:\d+ run /);
    // --root names the engine's store, so the spec goes by name.
    expect(c.stdout).toMatch(/ --security-opt credentialspec=file:\/\/contoso_webapp01\.json /);
  });

  test('compose convert prints the same rewritten model', async () => {
    const dir = mkdtempSync(join(work, 'compose-'));
    const compose = 'services:\r\n  web:\r\n    image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019\r\n    x-gmsa: {account: webapp01, spec: contoso_webapp01}\r\n';
    writeFileSync(join(dir, 'compose.yaml'), compose);
    const args = (root: string, file: string): string[] => ['-H', engineHost, 'gmsa', 'compose', '--root', root, 'convert', '-f', file];
    const [a, b] = [
      await exe(args(DOCKER_ROOT_WIN, winPath(join(dir, 'compose.yaml')))),
      await plugin(args(dockerRootLinux, join(dir, 'compose.yaml')), cleanEnv()),
    ];
    expect({ status: a.status, stderr: a.stderr.split(winPath(dir)).join(dir).split(`${DOCKER_ROOT_WIN}\\CredentialSpecs`).join(join(dockerRootLinux, 'CredentialSpecs')).split(DOCKER_ROOT_WIN).join(dockerRootLinux) }).toEqual({ status: b.status, stderr: b.stderr });
    expect(b.status).toBe(0);
    const norm = (s: string): string => s.replace(/hostname: \S+/g, 'hostname: H').replace(/\r\n/g, '\n');
    expect(norm(a.stdout)).toBe(norm(b.stdout));
    expect(a.stdout).toMatch(/credentialspec=/);
  });

  test('install copies the exe to %USERPROFILE%\\.docker\\cli-plugins, idempotently; --dir and DOCKER_CONFIG are honoured', async () => {
    const profileDir = join(driveC, 'users', readdirSync(join(driveC, 'users')).find((u) => u !== 'Public') ?? 'root');
    const target = join(profileDir, '.docker', 'cli-plugins', 'docker-gmsa.exe');
    const first = await exe(['install']);
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^Installed C:\\users\\[^\\]+\\\.docker\\cli-plugins\\docker-gmsa\.exe\r?\n$/);
    expect(readFileSync(target).equals(readFileSync(EXE))).toBe(true);
    expect((await exe(['install'])).stdout).toMatch(/^Already installed: C:\\users\\/);

    const dir = 'C:\\Program Files\\Docker\\cli-plugins';
    expect((await exe(['install', '--dir', dir])).stdout).toBe(`Installed ${dir}\\docker-gmsa.exe\n`);
    expect(readFileSync(join(driveC, 'Program Files', 'Docker', 'cli-plugins', 'docker-gmsa.exe')).equals(readFileSync(EXE))).toBe(true);
    const cfg = join(work, 'cfg');
    expect((await exe(['install'], { DOCKER_CONFIG: winPath(cfg) })).stdout).toBe(`Installed ${winPath(cfg)}\\cli-plugins\\docker-gmsa.exe\n`);
    expect(readdirSync(join(cfg, 'cli-plugins'))).toEqual(['docker-gmsa.exe']);

    // Someone else's docker-gmsa.exe stays.
    writeFileSync(join(cfg, 'cli-plugins', 'docker-gmsa.exe'), 'MZ not ours');
    const refused = await exe(['install'], { DOCKER_CONFIG: winPath(cfg) });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Error: .*not installed by docker gmsa/m);
    expect(readFileSync(join(cfg, 'cli-plugins', 'docker-gmsa.exe'), 'utf8')).toBe('MZ not ours');

    // An older copy of ours is replaced (moved aside first: Windows lets a running exe be renamed, not
    // replaced), and what an earlier run moved aside is swept.
    const plugins = dirname(target);
    writeFileSync(target, 'MZ older build // docker-gmsa:cli-plugin-bundle 0.0.1');
    writeFileSync(join(plugins, '.docker-gmsa.exe.0123456789ab.old'), 'MZ moved aside earlier');
    expect((await exe(['install'])).stdout).toMatch(/^Updated C:\\users\\/);
    expect(readFileSync(target).equals(readFileSync(EXE))).toBe(true);
    expect(readdirSync(plugins)).toEqual(['docker-gmsa.exe']);

    expect((await exe(['uninstall'])).stdout).toMatch(/^Removed C:\\users\\/);
    expect(existsSync(target)).toBe(false);
  });
});

labDescribe('docker-gmsa.exe under wine against the lab DC', () => {
  let dc: LabDc;
  const account = `wexe${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    const d = await labDc();
    if (!d) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    const r = await plugin(['account', 'create', account, '--hosts', 'WEBHOST01'], cleanEnv(dc.env));
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.status).toBe(0);
  }, 120_000);

  afterAll(() => {
    if (!dc) return;
    // What account create made: the gMSA and its hosts group.
    execFileSync(
      'ldapdelete',
      ['-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, `CN=${account},CN=Managed Service Accounts,DC=contoso,DC=com`, `CN=${account}Hosts,CN=Users,DC=contoso,DC=com`],
      { env: { ...process.env, LDAPTLS_CACERT: dc.caFile }, stdio: 'ignore' },
    );
  });

  test('spec create over LDAPS (verified TLS with the lab CA) equals the bundle\'s', async () => {
    const wenv = { ...dc.env, GMSA_LDAP_CA: winPath(dc.caFile) };
    const [a, b] = [await exe(['spec', 'create', account, '--path', '-'], wenv), await plugin(['spec', 'create', account, '--path', '-'], cleanEnv(dc.env))];
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout)).toMatchObject({ DomainJoinConfig: { MachineAccountName: account, DnsName: dc.domain } });
  });
});
