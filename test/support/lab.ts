/**
 * The lab (scripts/lab) as the integration and e2e tests see it.
 *
 * Policy (docs: DESIGN.md "The lab"):
 * - In CI (`CI` set) a lab that cannot start is a failure, never a skip.
 * - On a developer machine that cannot start the lab (not root, and no lab already started with
 *   `sudo scripts/lab up`; or no dockerd at all) the lab tests do not run and say so loudly:
 *   "LAB TESTS DID NOT RUN: <reason>".
 * - When the lab could have started (root) but did not, the lab tests fail, in CI or not.
 *
 * jest's globalSetup (global-setup.ts) starts the lab once per run and records the outcome in a JSON file
 * named by GMSA_LAB_STATE_FILE, so test files can decide synchronously, at module load, whether to
 * register their tests (labDescribe). Without that file (a jest config without the globalSetup) the
 * first call in a process starts the lab itself, synchronously.
 *
 * The lab is left running after the tests: `scripts/lab down` stops it (`--purge` also deletes its data).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const LAB_SCRIPT = path.join(REPO_ROOT, 'scripts', 'lab');
/** Environment variable naming the JSON file where globalSetup recorded the lab's state. */
export const LAB_STATE_FILE_ENV = 'GMSA_LAB_STATE_FILE';
/** Set to `skip` to not start the lab (outside CI the lab tests then report that they did not run). */
export const LAB_OPT_OUT_ENV = 'GMSA_LAB';

export type LabState =
  /** the lab answered; env is what `scripts/lab env` printed */
  | { status: 'up'; env: Record<string, string>; upMs: number }
  /** this machine or user cannot run the lab: lab tests are skipped, loudly (a failure in CI) */
  | { status: 'unavailable'; reason: string }
  /** the lab should have started and did not: lab tests fail */
  | { status: 'failed'; reason: string };

export interface LabEngine {
  /** the engine endpoint, e.g. unix:///tmp/docker-gmsa-lab/engine/docker.sock */
  host: string;
}

/** The lab's Samba AD domain controller (scripts/lab part `dc`), as `scripts/lab env` describes it. */
export interface LabDc {
  /** GMSA_DOMAIN: the AD DNS domain, contoso.com */
  domain: string;
  /** GMSA_LDAP_URL: ldaps://127.100.0.1:636; its certificate verifies with caFile for that IP and dc01.contoso.com */
  ldapUrl: string;
  /** GMSA_LDAP_USER / GMSA_LDAP_PASSWORD: the domain's Administrator (a simple bind over LDAPS) */
  user: string;
  password: string;
  /** GMSA_LDAP_CA: the lab CA (PEM) that issued the DC's LDAPS certificate */
  caFile: string;
  /** GMSA_DNS_SERVER: the DC's DNS server (it answers for contoso.com and its SRV records) */
  dnsServer: string;
  /** GMSA_LAB_DC_NETBIOS: the NetBIOS domain name, CONTOSO */
  netbios: string;
  /** GMSA_LAB_DC_STATE: the DC's state dir (smb.conf in etc/, sam.ldb in private/, logs in log/) */
  stateDir: string;
  /**
   * GMSA_LAB_DC_ROOT: the Debian 13 root the DCs run in. The samba tools of the DCs' own version
   * (samba-tool, ldbsearch) run there: `chroot <root> samba-tool ...` (see samba() in tests); paths below
   * the state dirs mean the same inside and out.
   */
  root: string;
  /** GMSA_LAB_DC2_URL: the second DC (dc02, joined to the same domain), e.g. ldaps://127.100.0.2:636 */
  dc2Url: string;
  /** GMSA_LAB_DC2_STATE: the second DC's state dir */
  dc2StateDir: string;
  /** GMSA_LAB_LOWPRIV_USER / GMSA_LAB_LOWPRIV_PASSWORD: a domain user without rights (labuser@contoso.com) */
  lowPrivUser: string;
  lowPrivPassword: string;
  /** the computer accounts scripts/lab creates, container hosts to grant */
  computers: string[];
  /** every GMSA_* variable `scripts/lab env` printed, e.g. to pass to the plugin under test */
  env: Record<string, string>;
}

/** The `scripts/lab env` variables a LabDc is made of (all required). */
export const LAB_DC_ENV = [
  'GMSA_DOMAIN',
  'GMSA_LDAP_URL',
  'GMSA_LDAP_USER',
  'GMSA_LDAP_PASSWORD',
  'GMSA_LDAP_CA',
  'GMSA_DNS_SERVER',
  'GMSA_LAB_DC_STATE',
  'GMSA_LAB_DC_NETBIOS',
  'GMSA_LAB_LOWPRIV_USER',
  'GMSA_LAB_LOWPRIV_PASSWORD',
  'GMSA_LAB_DC_ROOT',
  'GMSA_LAB_DC2_URL',
  'GMSA_LAB_DC2_STATE',
] as const;

/** Build a LabDc from parsed `scripts/lab env` output; throws naming the variables that are missing. */
export function labDcFromEnv(env: Record<string, string>): LabDc {
  const missing = LAB_DC_ENV.filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`scripts/lab env printed no ${missing.join(', ')}`);
  const v = (k: (typeof LAB_DC_ENV)[number]): string => env[k]!;
  return {
    domain: v('GMSA_DOMAIN'),
    ldapUrl: v('GMSA_LDAP_URL'),
    user: v('GMSA_LDAP_USER'),
    password: v('GMSA_LDAP_PASSWORD'),
    caFile: v('GMSA_LDAP_CA'),
    dnsServer: v('GMSA_DNS_SERVER'),
    netbios: v('GMSA_LAB_DC_NETBIOS'),
    stateDir: v('GMSA_LAB_DC_STATE'),
    root: v('GMSA_LAB_DC_ROOT'),
    dc2Url: v('GMSA_LAB_DC2_URL'),
    dc2StateDir: v('GMSA_LAB_DC2_STATE'),
    lowPrivUser: v('GMSA_LAB_LOWPRIV_USER'),
    lowPrivPassword: v('GMSA_LAB_LOWPRIV_PASSWORD'),
    computers: ['WEBHOST01', 'WEBHOST02'],
    env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('GMSA_'))),
  };
}

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function labStateDir(): string {
  return process.env.GMSA_LAB_DIR || '/tmp/docker-gmsa-lab';
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function onPath(cmd: string): boolean {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/local/sbin', '/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    if (!dir) return false;
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Parse the `export NAME=value` lines of `scripts/lab env` (values quoted the way bash's printf %q does). */
export function parseLabEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`scripts/lab env printed an unexpected line: ${JSON.stringify(raw)}`);
    env[m[1]!] = unquoteShell(m[2]!);
  }
  return env;
}

function unquoteShell(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "'") {
      const end = value.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${value}`);
      out += value.slice(i + 1, end);
      i = end;
    } else if (c === '$' && value[i + 1] === "'") {
      // $'...' (printf %q uses it for control characters): the common escapes only
      let j = i + 2;
      for (; j < value.length && value[j] !== "'"; j++) {
        if (value[j] === '\\' && j + 1 < value.length) {
          const e = value[++j]!;
          out += ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? e;
        } else {
          out += value[j];
        }
      }
      i = j;
    } else if (c === '"') {
      const end = value.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${value}`);
      out += value.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < value.length) {
      out += value[++i];
    } else {
      out += c;
    }
  }
  return out;
}

type RunResult = { code: number; stdout: string; stderr: string };

const LAB_RUN_TIMEOUT_MS = 15 * 60 * 1000; // a cold start may install Debian packages

function runLabSync(args: string[]): RunResult {
  const r = spawnSync('bash', [LAB_SCRIPT, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: LAB_RUN_TIMEOUT_MS,
  });
  if (r.error) return { code: -1, stdout: r.stdout ?? '', stderr: String(r.error) };
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Run scripts/lab; with echoStderr its progress also goes to this process's stderr as it comes. */
function runLabAsync(args: string[], echoStderr: boolean): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', [LAB_SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), LAB_RUN_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (echoStderr) process.stderr.write(d);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(e) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
  });
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

/** Why this machine or user cannot run the lab at all, or null when `scripts/lab up` should be tried. */
function cannotRunLab(): LabState | null {
  if ((process.env[LAB_OPT_OUT_ENV] ?? '').toLowerCase() === 'skip') {
    return { status: 'unavailable', reason: `${LAB_OPT_OUT_ENV}=skip is set` };
  }
  if (process.platform !== 'linux') {
    return { status: 'unavailable', reason: `the lab needs Linux (this is ${process.platform})` };
  }
  if (!isRoot() && !onPath('dockerd')) {
    return {
      status: 'unavailable',
      reason: 'not root and dockerd is not installed: install docker.io (apt-get install docker.io) and run `sudo scripts/lab up`',
    };
  }
  return null;
}

function labStateFrom(up: RunResult, env: () => RunResult | Promise<RunResult>, upMs: number): LabState | Promise<LabState> {
  if (up.code !== 0) {
    const reason = `scripts/lab up failed with exit code ${up.code}: ${lastLines(up.stderr)}`;
    // without root the script can only use a lab root already started: "cannot run here", not "broken"
    return isRoot()
      ? { status: 'failed', reason }
      : { status: 'unavailable', reason: `not root and the lab is not up (run \`sudo scripts/lab up\`): ${reason}` };
  }
  const fromEnv = (r: RunResult): LabState => {
    if (r.code !== 0) {
      return { status: 'failed', reason: `scripts/lab env failed with exit code ${r.code}: ${lastLines(r.stderr)}` };
    }
    try {
      const parsed = parseLabEnv(r.stdout);
      if (!parsed.GMSA_LAB_ENGINE_HOST) throw new Error('scripts/lab env printed no GMSA_LAB_ENGINE_HOST');
      labDcFromEnv(parsed); // throws when a DC variable is missing
      return { status: 'up', env: parsed, upMs };
    } catch (e) {
      return { status: 'failed', reason: (e as Error).message };
    }
  };
  const r = env();
  return r instanceof Promise ? r.then(fromEnv) : fromEnv(r);
}

/** Start the lab (`scripts/lab up`) when this machine and user can, and say what happened. Synchronous. */
export function startLabSync(): LabState {
  const no = cannotRunLab();
  if (no) return no;
  const started = Date.now();
  const up = runLabSync(['up']);
  return labStateFrom(up, () => runLabSync(['env']), Date.now() - started) as LabState;
}

/** startLabSync for globalSetup: the same, with the script's progress shown as it comes. */
export async function startLab(): Promise<LabState> {
  const no = cannotRunLab();
  if (no) return no;
  const started = Date.now();
  const up = await runLabAsync(['up'], true);
  return labStateFrom(up, () => runLabAsync(['env'], false), Date.now() - started);
}

/** Where globalSetup records the lab's state: the lab's state dir when writable, else the temp dir. */
export function labStateFilePath(): string {
  // one file per jest run (the globalSetup process): two runs sharing the lab never read each other's
  const name = `jest-state-${process.pid}.json`;
  const dir = labStateDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return path.join(dir, name);
  } catch {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
    return path.join(os.tmpdir(), `docker-gmsa-lab-${uid}-${name}`);
  }
}

/** Write the state atomically (temp file + rename) and return the file's path. */
export function writeLabState(state: LabState, file = labStateFilePath()): string {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  fs.renameSync(tmp, file);
  return file;
}

let cachedState: LabState | undefined;

/** The lab's state for this run: what globalSetup recorded, or (without globalSetup) a start right now. */
export function labState(): LabState {
  if (cachedState) return cachedState;
  const file = process.env[LAB_STATE_FILE_ENV];
  if (file) {
    try {
      cachedState = JSON.parse(fs.readFileSync(file, 'utf8')) as LabState;
    } catch (e) {
      cachedState = { status: 'failed', reason: `cannot read ${LAB_STATE_FILE_ENV}=${file}: ${(e as Error).message}` };
    }
  } else {
    cachedState = startLabSync();
  }
  return cachedState;
}

export function loudWarning(reason: string): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n!! LAB TESTS DID NOT RUN: ${reason}\n!! (in CI this is a failure; see scripts/lab and DESIGN.md "The lab")\n${bar}\n`;
}

let warned = false;
function warnOnce(reason: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(loudWarning(reason));
}

function runLab(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('bash', [LAB_SCRIPT, ...args], { cwd: REPO_ROOT, timeout: 15 * 60 * 1000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/lab ${args.join(' ')} failed: ${err.message}\n${lastLines(String(stderr), 20)}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

let labEnvPromise: Promise<Record<string, string> | null> | undefined;

/**
 * The lab's environment (`scripts/lab env`, parsed), or null when the lab cannot run on this machine
 * (outside CI only; one loud warning). Runs `scripts/lab up` once per jest worker process (fast when
 * globalSetup already started it). Throws in CI, and whenever the lab should have started.
 */
function labEnv(): Promise<Record<string, string> | null> {
  labEnvPromise ??= (async () => {
    const state = labState();
    if (state.status === 'failed') throw new Error(`the lab did not start: ${state.reason}`);
    if (state.status === 'unavailable') {
      if (isCI()) throw new Error(`the lab cannot start in CI: ${state.reason}`);
      warnOnce(state.reason);
      return null;
    }
    await runLab(['up']);
    return parseLabEnv((await runLab(['env'])).stdout);
  })();
  return labEnvPromise;
}

/**
 * The lab's Linux swarm engine, or null when the lab cannot run on this machine (outside CI only; one
 * loud warning). Runs `scripts/lab up` once per jest worker process (fast when globalSetup already
 * started it) and reads `scripts/lab env`. Throws in CI, and whenever the lab should have started.
 */
export async function labEngine(): Promise<LabEngine | null> {
  const env = await labEnv();
  if (!env) return null;
  const host = env.GMSA_LAB_ENGINE_HOST;
  if (!host) throw new Error('scripts/lab env printed no GMSA_LAB_ENGINE_HOST');
  return { host };
}

/**
 * The lab's Samba AD DC (domain contoso.com), or null when the lab cannot run on this machine; the same
 * rules as labEngine (one `scripts/lab up` per worker, throws in CI or when the lab should have started).
 */
export async function labDc(): Promise<LabDc | null> {
  const env = await labEnv();
  return env ? labDcFromEnv(env) : null;
}

/**
 * `describe` for tests that need the lab. When the lab is up the tests are registered as usual.
 * Otherwise a single test stands in for them: it fails in CI or when the lab should have started, and
 * outside CI (lab unavailable here) it prints the loud warning and passes, asserting the reason, so the
 * run's output shows that these tests did not run.
 */
export function labDescribe(name: string, fn: () => void): void {
  const state = labState();
  if (state.status === 'up') {
    describe(name, fn);
    return;
  }
  describe(name, () => {
    if (state.status === 'failed' || isCI()) {
      test(`LAB DID NOT START: ${state.reason}`, () => {
        throw new Error(`the lab did not start${isCI() ? ' (CI: never a skip)' : ''}: ${state.reason}`);
      });
    } else {
      test(`LAB TESTS DID NOT RUN: ${state.reason}`, () => {
        console.warn(loudWarning(state.reason));
        expect(state).toEqual({ status: 'unavailable', reason: state.reason });
        expect(state.reason).not.toBe('');
      });
    }
  });
}

/** The machine's own docker CLI plugin folders (docker CLI 28 on Linux), searched after the config dir's. */
export const SYSTEM_CLI_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

/**
 * The folder where the lab's compose part put docker compose v2 (GMSA_LAB_CLI_PLUGINS_DIR), or null when
 * the lab cannot run here.
 */
export async function labComposeDir(): Promise<string | null> {
  const env = await labEnv();
  if (!env) return null;
  const dir = env.GMSA_LAB_CLI_PLUGINS_DIR;
  if (!dir) throw new Error('scripts/lab env printed no GMSA_LAB_CLI_PLUGINS_DIR');
  return dir;
}

/**
 * A docker config.json body that lets the docker CLI find the lab's compose v2: nothing to add when it
 * sits in one of the machine's own plugin folders (as on a fresh machine), cliPluginsExtraDirs otherwise.
 */
export function composeV2Config(dir: string): Record<string, unknown> {
  return SYSTEM_CLI_PLUGIN_DIRS.includes(dir) ? {} : { cliPluginsExtraDirs: [dir] };
}

/**
 * CMD ARGS run where the docker CLI finds no compose v2 plugin, to exercise the docker-compose (v1) path
 * on a machine that has both: in a private mount namespace (root), an empty folder is mounted over each
 * of the machine's plugin folders that holds a docker-compose. Without such a folder it is CMD ARGS.
 */
export function withoutComposeV2(cmd: string, args: readonly string[]): [string, string[]] {
  const hide = SYSTEM_CLI_PLUGIN_DIRS.filter((d) => fs.existsSync(path.join(d, 'docker-compose')));
  if (hide.length === 0) return [cmd, [...args]];
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-compose-v2-'));
  const mounts = hide.map((d) => `mount --bind ${empty} ${d}`).join(' && ');
  return ['unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${mounts} && exec "$@"`, 'sh', cmd, ...args]];
}
