'use strict';
/**
 * A stand-in Docker engine with a Windows personality, for tests and the lab.
 *
 * It is the only emulated part of the lab, so it follows the real Windows engine (moby) rules and uses
 * moby's own messages, by engine version. It listens on a unix socket and answers the Engine API well
 * enough for dockerode and for the real docker CLI (28) `version`, `info`, `create`, `run [-d]`, `start`,
 * `stop`, `kill`, `rm [-f]`, `ps [-a]`, `inspect`, `logs`, `wait`, `exec [-d] [-u USER]`:
 *   - GET/HEAD /_ping, GET /version and /info (from the recorded fixture, live container counts, and
 *     DockerRootDir = the local `rootDir` when one is given), with or without a /vX.Y prefix; a prefix
 *     above the engine's API version or below its minimum gets the engine's 400 answer;
 *   - images: GET /images/json, GET /images/{name}/json for a configurable list of local images, 404
 *     `No such image: X` otherwise; POST /images/create (pull) fails as an offline engine does;
 *   - containers: POST /containers/create, GET /containers/json, GET /containers/{id}/json, POST
 *     /containers/{id}/start|stop|kill|restart|wait|attach|resize, GET /containers/{id}/logs, DELETE
 *     /containers/{id}; attach and exec start are hijacked (`Connection: Upgrade` -> 101 and a raw
 *     multiplexed stdout/stderr stream with 8-byte frame headers);
 *   - exec: POST /containers/{id}/exec, POST /exec/{id}/start (hijacked, or detached), GET /exec/{id}/json;
 *   - what docker compose v2 needs besides: GET /networks (filters), GET/DELETE /networks/{id}, POST
 *     /networks/create (the pre-defined nat and none networks, a user network must exist before a
 *     container names it), containers listed by label filter, GET /volumes (always empty);
 *   - GMSA_STANDIN_TRACE=1 in the environment prints every request (and the 404s) on stderr;
 *   - anything else: 404 {"message":"page not found"}.
 *
 * Where the rules come from (moby):
 *   - daemon/create_windows.go: an empty isolation is replaced by the daemon default at create;
 *     runconfig/hostconfig_windows.go: `Invalid isolation: "x". Windows supports 'default', 'process', or
 *     'hyperv'`; daemon/daemon_windows.go verifyPlatformContainerSettings: process isolation on a Windows
 *     client before 1809 is refused at create. Security options are NOT validated at create on Windows
 *     (parseSecurityOpt is a no-op there): `docker create` accepts any of them.
 *   - daemon/oci_windows.go setWindowsCredentialSpec/readCredentialSpecFile/readCredentialSpecRegistry
 *     (daemon/start_windows.go in 17.06), called from createSpec when the container STARTS; start.go
 *     wraps every createSpec error as a system error (HTTP 500). Three generations of messages:
 *     engines before 19.03 (the whole option is lower-cased; only file:// and registry://), 19.03 to 23.x
 *     (raw:// added, "invalid credential spec - ...", "credential spec for container X could not be read
 *     from file "...": ..."), 24.0+ ("invalid credential spec: ...", "failed to load credential spec for
 *     container X: ..."). The file:// path is cleaned with Windows rules, refused when absolute, and
 *     checked with a plain string prefix test against <root>\CredentialSpecs, so
 *     `..\CredentialSpecsX\x.json` passes, as on Windows. config:// outside swarm gets the same answer as
 *     an unknown scheme. The last credentialspec option wins; an empty spec means no spec; the engine
 *     never validates the JSON.
 *   - start failures from the Windows host compute service come back through libcontainerd's legacy
 *     hcsshim API: `container <id> encountered an error during <op>: ...` with the op names of the
 *     hcsshim vendored by that engine (CreateContainer/Start/CreateProcess in 17.06, "hcs::System::Start"
 *     in 23+...). Exec start failures are written into the hijacked stream (`<error>\r\n`) and the exec
 *     exits 126, as api/server/router/container/exec.go and daemon/exec.go do.
 *
 * Decisions where moby has no say (documented, deterministic):
 *   - A container image must match the host build under process isolation (Windows 11 may run
 *     ltsc2022 images), and an image newer than the host never runs:
 *     "The container operating system does not match the host operating system. (0xc0370101)".
 *     `imageOsCheck: false` (--no-image-os-check) turns this off; local/app:1 is built on the host and
 *     always matches.
 *   - Builds 15063/16299/17134 with Hyper-V isolation and a credential spec: HCS start "hangs"; here the
 *     start fails after `hypervHangMs` (default 2000) with hcsshim's "timeout waiting for notification".
 *   - Network Service / SYSTEM (container User or exec -u) before build 16299, and unknown users: the
 *     process cannot be created: "The user name or password is incorrect. (0x52e)".
 *   - Container processes are simulated from their command line (cmd /c, powershell -Command, nltest,
 *     klist, whoami, hostname, ping, timeout...). An unknown container command is an app that runs until
 *     stopped; an unknown exec command is "The system cannot find the file specified. (0x2)"; inside
 *     cmd it is "'X' is not recognized as an internal or external command, ...". Output uses CRLF.
 *   - nltest /sc_verify and klist get krbtgt answer from the container's credential spec, user, hostname
 *     and the other running containers (the pre-17763 hostname and one-container-per-gMSA rules).
 *   - docker stop/kill leave exit code 1067 (ERROR_PROCESS_ABORTED).
 *
 * Plain CommonJS without TypeScript so scripts can run it with plain node:
 *   node test/support/windows-engine.js --socket /tmp/win.sock --fixture windows-20348-engine-24.0 \
 *     [--root-dir DIR] [--image NAME]... [--registry-spec NAME=FILE]... [--build N] ...
 * test/support/windows-engine.ts re-exports it with types.
 *
 * Structure: a Router of (method, pattern) -> handler; handlers get a context { req, res, state, params,
 * apiVersion, url, ... } and use the reply helpers. Everything the engine "is" (info, version, images,
 * containers, exec sessions, request log) lives in one EngineState object.
 */
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'engines');
const CRLF = '\r\n';
const ZERO_TIME = '0001-01-01T00:00:00Z';
/** ERROR_PROCESS_ABORTED: what a stopped or killed Windows container process reports. */
const STOP_EXIT_CODE = 1067;

/** Reads a fixture by name (with or without .json) from test/fixtures/engines, or by path. */
function loadFixture(name) {
  const file =
    path.isAbsolute(name) || name.includes('/') || name.includes('\\')
      ? path.resolve(name)
      : path.join(FIXTURE_DIR, name.endsWith('.json') ? name : `${name}.json`);
  let data;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot load engine fixture ${file}: ${err.message}`);
  }
  if (!data || typeof data.info !== 'object' || typeof data.version !== 'object') {
    throw new Error(`engine fixture ${file} must be {"info": {...}, "version": {...}}`);
  }
  return data;
}

/** Lists the fixture names available in test/fixtures/engines. */
function listFixtures() {
  return fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

function compareVersions(a, b) {
  const pa = String(a).split('.').map((x) => parseInt(x, 10) || 0);
  const pb = String(b).split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** An error the engine answers with: HTTP status + moby's message. */
class EngineError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------------
// Personality: Windows build, client or server, engine generations
// ---------------------------------------------------------------------------------------------------

function windowsBuildOf(info) {
  const k = /^\s*\d+\.\d+\s+(\d+)/.exec(String(info.KernelVersion || ''));
  if (k) return Number(k[1]);
  const o = /^\d+\.\d+\.(\d+)/.exec(String(info.OSVersion || ''));
  if (o) return Number(o[1]);
  const b = /OS Build (\d+)/.exec(String(info.OperatingSystem || ''));
  return b ? Number(b[1]) : 0;
}

function windowsRevisionOf(info) {
  const m = /OS Build \d+\.(\d+)/.exec(String(info.OperatingSystem || '')) || /\(\d+\.(\d+)\./.exec(String(info.KernelVersion || ''));
  return m ? Number(m[1]) : 1;
}

/** Rewrites the build number in /info and /version (overrides.build). */
function applyBuildOverride(info, version, build) {
  const kv = `10.0 ${build} (${build}.1.amd64fre.stand_in)`;
  info.KernelVersion = kv;
  if (info.OSVersion !== undefined) info.OSVersion = `10.0.${build}`;
  if (typeof info.OperatingSystem === 'string') info.OperatingSystem = info.OperatingSystem.replace(/OS Build \d+/, `OS Build ${build}`);
  if (version.KernelVersion !== undefined) version.KernelVersion = kv;
}

/** The hcsshim operation names that end up in Windows start/exec errors, by engine version. */
function hcsOperations(engineVersion) {
  if (compareVersions(engineVersion, '18.09') < 0) return { create: 'CreateContainer', start: 'Start', exec: 'CreateProcess' };
  if (compareVersions(engineVersion, '19.03') < 0) return { create: 'CreateComputeSystem', start: 'Start', exec: 'CreateProcess' };
  if (compareVersions(engineVersion, '20.10') < 0) {
    return { create: 'hcsshim::CreateComputeSystem', start: 'hcsshim::ComputeSystem::Start', exec: 'hcsshim::ComputeSystem::CreateProcess' };
  }
  if (compareVersions(engineVersion, '23.0') < 0) {
    return { create: 'hcsshim::CreateComputeSystem', start: 'hcsshim::System::Start', exec: 'hcsshim::System::CreateProcess' };
  }
  return { create: 'hcs::CreateComputeSystem', start: 'hcs::System::Start', exec: 'hcs::System::CreateProcess' };
}

/** hcsshim's legacy ContainerError text for a Windows system call failure. */
function hcsSyscallError(id, op, text, code, extra) {
  let s = `container ${id} encountered an error during ${op}: failure in a Windows system call: ${text} (0x${code.toString(16)})`;
  if (extra) s += ` extra info: ${extra}`;
  return s;
}

/** Go's strconv.Quote, close enough for paths and names. */
function goQuote(s) {
  return JSON.stringify(String(s));
}

// ---------------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------------

const DEFAULT_IMAGES = Object.freeze([
  'mcr.microsoft.com/windows/servercore:ltsc2019',
  'mcr.microsoft.com/windows/servercore:ltsc2022',
  'mcr.microsoft.com/windows/nanoserver:ltsc2022',
  'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022',
  'local/app:1',
]);

const TAG_BUILDS = [
  [/ltsc2016|1607|sac2016/, 14393, 6452],
  [/1709/, 16299, 1087],
  [/1803/, 17134, 1130],
  [/ltsc2019|1809/, 17763, 5936],
  [/1903/, 18362, 1256],
  [/1909/, 18363, 1556],
  [/2004/, 19041, 1415],
  [/20h2/, 19042, 1889],
  [/ltsc2022/, 20348, 2527],
  [/ltsc2025/, 26100, 1742],
];

/** Parses an image reference the way the engine names it: { canonical, familiar }. */
function normalizeImageRef(name) {
  let ref = String(name || '').trim();
  let digest = '';
  const at = ref.indexOf('@');
  if (at >= 0) {
    digest = ref.slice(at);
    ref = ref.slice(0, at);
  }
  let tag = '';
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = ref.slice(colon + 1);
    ref = ref.slice(0, colon);
  }
  if (!tag && !digest) tag = 'latest';
  const first = ref.split('/')[0];
  let domain = 'docker.io';
  let repo = ref;
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    repo = ref.slice(first.length + 1);
  }
  if (domain === 'docker.io' && !repo.includes('/')) repo = `library/${repo}`;
  const suffix = (tag ? `:${tag}` : '') + digest;
  const canonical = `${domain}/${repo}${suffix}`;
  let familiarRepo = repo;
  if (domain === 'docker.io') familiarRepo = repo.startsWith('library/') ? repo.slice('library/'.length) : repo;
  else familiarRepo = `${domain}/${repo}`;
  return { canonical, familiar: `${familiarRepo}${suffix}`, domain, repo, tag };
}

/** Builds the engine's record of a local image from a name or {name, osVersion, cmd, entrypoint, user, env}. */
function describeImage(spec, host) {
  const o = typeof spec === 'string' ? { name: spec } : Object.assign({}, spec);
  if (!o.name) throw new Error('an image needs a name');
  const ref = normalizeImageRef(o.name);
  const lower = ref.familiar.toLowerCase();
  let osVersion = o.osVersion;
  if (!osVersion) {
    const hit = TAG_BUILDS.find(([re]) => re.test(ref.tag.toLowerCase()));
    osVersion = hit ? `10.0.${hit[1]}.${hit[2]}` : `10.0.${host.build}.${host.revision}`;
  }
  const build = Number(String(osVersion).split('.')[2]) || host.build;
  const nano = /nanoserver/.test(lower);
  const iis = /\/iis[:@]/.test(lower) || /(^|\/)iis$/.test(ref.repo);
  const app = lower === 'local/app:1';
  let entrypoint = o.entrypoint !== undefined ? o.entrypoint : null;
  let cmd = o.cmd !== undefined ? o.cmd : ['c:\\windows\\system32\\cmd.exe'];
  if (o.entrypoint === undefined && iis) {
    entrypoint = ['C:\\ServiceMonitor.exe', 'w3svc'];
    if (o.cmd === undefined) cmd = null;
  }
  if (o.cmd === undefined && app) cmd = ['C:\\app\\app.exe'];
  const programs = new Set((o.programs || []).map((p) => programName(p)));
  if (iis) programs.add('servicemonitor');
  if (app) programs.add('app');
  const id = `sha256:${crypto.createHash('sha256').update(ref.canonical).digest('hex')}`;
  return {
    name: ref.familiar,
    canonical: ref.canonical,
    id,
    osVersion,
    build,
    user: o.user !== undefined ? o.user : nano ? 'ContainerUser' : '',
    cmd,
    entrypoint,
    env: o.env || [],
    workingDir: o.workingDir || '',
    exposedPorts: iis ? { '80/tcp': {} } : null,
    powershell: o.powershell !== undefined ? Boolean(o.powershell) : !nano,
    programs,
    created: o.created || '2024-06-11T10:12:47.1836542Z',
    size: o.size || (nano ? 297316864 : iis ? 5372183412 : 5105613824),
  };
}

function imageInspectJson(img) {
  return {
    Id: img.id,
    RepoTags: [img.name],
    RepoDigests: [],
    Parent: '',
    Comment: '',
    Created: img.created,
    DockerVersion: '',
    Author: '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: img.user,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: img.exposedPorts,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: img.env.length ? img.env : null,
      Cmd: img.cmd,
      Image: '',
      Volumes: null,
      WorkingDir: img.workingDir,
      Entrypoint: img.entrypoint,
      OnBuild: null,
      Labels: null,
    },
    Architecture: 'amd64',
    Os: 'windows',
    OsVersion: img.osVersion,
    Size: img.size,
    GraphDriver: { Data: { dir: `C:\\ProgramData\\docker\\windowsfilter\\${img.id.slice(7)}` }, Name: 'windowsfilter' },
    RootFS: { Type: 'layers', Layers: [`sha256:${crypto.createHash('sha256').update(`${img.canonical}#layer`).digest('hex')}`] },
    Metadata: { LastTagTime: ZERO_TIME },
  };
}

// ---------------------------------------------------------------------------------------------------
// Credential specs, as setWindowsCredentialSpec reads them at container start
// ---------------------------------------------------------------------------------------------------

const CREDSPEC_REGISTRY_LOCATION = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Virtualization\\Containers\\CredentialSpecs';
const CREDSPEC_DIR = 'CredentialSpecs';
/** errInvalidCredentialSpecSecOpt, engines 19.03+ (also what config:// outside swarm gets). */
const ERR_INVALID_SECOPT =
  "invalid credential spec security option - value must be prefixed by 'file://', 'registry://', or 'raw://' followed by a non-empty value";
/** The same, engines before 19.03 (no raw://). */
const ERR_INVALID_SECOPT_LEGACY = 'invalid credential spec security option - value must be prefixed file:// or registry:// followed by a value';

/** moby's messages for credential specs, by engine generation. */
const CREDSPEC_MESSAGES = {
  legacy: {
    absolute: () => 'invalid credential spec - file:// path cannot be absolute',
    outside: (base) => `invalid credential spec - file:// path must be under ${base}`,
    unreadable: (id, full, osErr) => `credential spec '${full}' for container ${id} as the file could not be read: ${goQuote(osErr)}`,
    registryKey: (id, name) => `failed handling spec ${goQuote(name)} for container ${id} - ${CREDSPEC_REGISTRY_LOCATION} could not be opened`,
    registryValue: (id, name) => `credential spec ${goQuote(name)} for container ${id} as it was not found`,
  },
  mid: {
    absolute: () => 'invalid credential spec - file:// path cannot be absolute',
    outside: (base) => `invalid credential spec - file:// path must be under ${base}`,
    unreadable: (id, full, osErr) => `credential spec for container ${id} could not be read from file ${goQuote(full)}: ${osErr}`,
    registryKey: (id, name) =>
      `failed handling spec ${goQuote(name)} for container ${id} - registry key ${CREDSPEC_REGISTRY_LOCATION} could not be opened: The system cannot find the file specified.`,
    registryValue: (id, name) => `registry credential spec ${goQuote(name)} for container ${id} was not found`,
  },
  modern: {
    absolute: () => 'invalid credential spec: file:// path cannot be absolute',
    outside: (base) => `invalid credential spec: file:// path must be under ${base}`,
    unreadable: (id, full, osErr) => `failed to load credential spec for container ${id}: ${osErr}`,
    registryKey: (id, name) =>
      `failed handling spec ${goQuote(name)} for container ${id} - registry key ${CREDSPEC_REGISTRY_LOCATION} could not be opened: The system cannot find the file specified.`,
    registryValue: (id, name) => `registry credential spec ${goQuote(name)} for container ${id} was not found`,
  },
};

function credentialSpecEra(engineVersion) {
  if (compareVersions(engineVersion, '19.03') < 0) return 'legacy';
  if (compareVersions(engineVersion, '24.0') < 0) return 'mid';
  return 'modern';
}

/** Go's filepath.IsAbs on Windows (after Clean): a drive with a root, or a UNC path. */
function windowsIsAbs(p) {
  const s = p.replace(/\//g, '\\');
  return /^[A-Za-z]:\\/.test(s) || /^\\\\[^\\]/.test(s);
}

/** The engine root as a path style: { prefix, segments, sep }. */
function rootStyle(root) {
  if (/^[A-Za-z]:[\\/]/.test(root)) {
    return { prefix: `${root.slice(0, 2)}\\`, segments: root.slice(3).split(/[\\/]+/).filter(Boolean), sep: '\\' };
  }
  return { prefix: '/', segments: root.split('/').filter(Boolean), sep: '/' };
}

/**
 * readCredentialSpecFile's path handling: Clean with Windows rules, refuse absolute paths, join under
 * <root>\CredentialSpecs and check with a plain string prefix test (so ..\CredentialSpecsX\ passes).
 * Returns { base, full, segments (below the root) } or throws the engine's message.
 */
function credentialSpecFilePath(root, location, messages) {
  if (windowsIsAbs(location)) throw new EngineError(500, messages.absolute());
  const style = rootStyle(root);
  const baseSegments = [...style.segments, CREDSPEC_DIR];
  const base = style.prefix + baseSegments.join(style.sep);
  const segments = [...baseSegments];
  for (const part of location.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length > 0) segments.pop();
    } else segments.push(part);
  }
  const full = style.prefix + segments.join(style.sep);
  if (!full.startsWith(base)) throw new EngineError(500, messages.outside(base));
  return { base, full, below: segments.slice(style.segments.length), style };
}

/** Finds `below` (path segments) under a local directory, ignoring case as NTFS does. */
function readLocalCaseInsensitive(dir, below) {
  let current = dir;
  for (let i = 0; i < below.length; i++) {
    const want = below[i];
    let entries;
    try {
      entries = fs.readdirSync(current);
    } catch {
      return { error: 'The system cannot find the path specified.' };
    }
    const hit = entries.includes(want) ? want : entries.find((e) => e.toLowerCase() === want.toLowerCase());
    if (!hit) return { error: i === below.length - 1 ? 'The system cannot find the file specified.' : 'The system cannot find the path specified.' };
    current = path.join(current, hit);
  }
  try {
    if (fs.statSync(current).isDirectory()) return { error: 'Incorrect function.', op: 'read' };
    return { data: fs.readFileSync(current) };
  } catch {
    return { error: 'The system cannot find the file specified.' };
  }
}

/** What the container got, as recorded on it: { source, json, parsed?, usable, account?, domain?, netbios? }. */
function analyzeCredentialSpec(source, json) {
  const rec = { source, json, usable: false };
  let text = json;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return rec;
  }
  rec.parsed = parsed;
  if (!parsed || typeof parsed !== 'object') return rec;
  const djc = parsed.DomainJoinConfig && typeof parsed.DomainJoinConfig === 'object' ? parsed.DomainJoinConfig : {};
  const str = (v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  if (str(djc.MachineAccountName)) rec.account = djc.MachineAccountName;
  if (str(djc.DnsName)) rec.domain = djc.DnsName;
  if (str(djc.NetBiosName)) rec.netbios = djc.NetBiosName;
  const plugins = Array.isArray(parsed.CmsPlugins) ? parsed.CmsPlugins : [];
  rec.usable = Boolean(
    plugins.some((p) => String(p).toLowerCase() === 'activedirectory') && str(djc.Sid) && rec.account && rec.domain,
  );
  return rec;
}

// ---------------------------------------------------------------------------------------------------
// Users inside a Windows container
// ---------------------------------------------------------------------------------------------------

const USERS = {
  containeradministrator: { display: 'user manager\\containeradministrator', name: 'ContainerAdministrator', machine: false, luid: '0:0x1d9c2b' },
  containeruser: { display: 'user manager\\containeruser', name: 'ContainerUser', machine: false, luid: '0:0x1da07e' },
  networkservice: { display: 'nt authority\\network service', name: 'NETWORK SERVICE', machine: true, luid: '0:0x3e4', service: true },
  system: { display: 'nt authority\\system', name: 'SYSTEM', machine: true, luid: '0:0x3e7', service: true },
  localservice: { display: 'nt authority\\local service', name: 'LOCAL SERVICE', machine: false, luid: '0:0x3e5', service: true },
};

/** Resolves a user name as Windows does for container processes; `known: false` for anyone else. */
function resolveUser(raw, image) {
  const given = String(raw || '').trim() || (image && image.user) || 'ContainerAdministrator';
  const s = given.toLowerCase().replace(/\s+/g, ' ');
  const table = {
    containeradministrator: 'containeradministrator',
    'user manager\\containeradministrator': 'containeradministrator',
    containeruser: 'containeruser',
    'user manager\\containeruser': 'containeruser',
    'nt authority\\network service': 'networkservice',
    'network service': 'networkservice',
    networkservice: 'networkservice',
    'nt authority\\networkservice': 'networkservice',
    'nt authority\\system': 'system',
    system: 'system',
    localsystem: 'system',
    'local system': 'system',
    'nt authority\\local service': 'localservice',
    'local service': 'localservice',
    localservice: 'localservice',
  };
  const key = table[s];
  if (key) return Object.assign({ key, given, known: true }, USERS[key]);
  return { key: null, given, known: false, display: s, name: given, machine: false, luid: '0:0x1db311' };
}

// ---------------------------------------------------------------------------------------------------
// The simulated programs: a command line becomes steps (output, sleep, forever) and an exit code
// ---------------------------------------------------------------------------------------------------

function programName(p) {
  const b = String(p).split(/[\\/]/).pop().toLowerCase();
  return b.endsWith('.exe') ? b.slice(0, -4) : b;
}

/** Go's syscall.EscapeArg: how the engine turns Args into a Windows command line. */
function escapeArg(s) {
  if (s === '') return '""';
  if (!/[ \t"]/.test(s)) return s;
  const hasSpace = /[ \t]/.test(s);
  let out = hasSpace ? '"' : '';
  let slashes = 0;
  for (const ch of s) {
    if (ch === '\\') {
      slashes++;
      out += ch;
    } else if (ch === '"') {
      out += '\\'.repeat(slashes) + '\\"';
      slashes = 0;
    } else {
      slashes = 0;
      out += ch;
    }
  }
  if (hasSpace) out += '\\'.repeat(slashes) + '"';
  return out;
}

function commandLine(argv) {
  return argv.map(escapeArg).join(' ');
}

/** Splits a command line into words: whitespace separates, double quotes group and are removed. */
function splitWords(line) {
  const words = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (const ch of line) {
    if (ch === '"') {
      inQuote = !inQuote;
      has = true;
    } else if (!inQuote && /\s/.test(ch)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

/** A program result: { steps: [{out, stream}|{sleep}|{forever, tick?, every?}], exitCode }. */
function result(exitCode, ...steps) {
  return { steps: steps.filter(Boolean), exitCode };
}
const out = (text) => ({ type: 'out', stream: 1, text });
const err = (text) => ({ type: 'out', stream: 2, text });
const lines = (...ls) => ls.map((l) => l + CRLF).join('');

function isForever(res) {
  return res.steps.some((s) => s.type === 'forever');
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

/** klist's time format: 3/21/2019 4:17:53 (local). */
function klistTime(d) {
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} (local)`;
}

function copyrightLine(build) {
  if (build >= 20348) return '(c) Microsoft Corporation. All rights reserved.';
  const year = build >= 19041 ? 2020 : build >= 18362 ? 2019 : build >= 17134 ? 2018 : build >= 16299 ? 2017 : 2016;
  return `(c) ${year} Microsoft Corporation. All rights reserved.`;
}

const NLTEST_USAGE = lines(
  'Usage: nltest [/OPTIONS]',
  '',
  '    /SERVER:<ServerName> - Specify <ServerName>',
  '',
  '    /SC_QUERY:<DomainName> - Query secure channel for <Domain> on <ServerName>',
  '    /SC_VERIFY:<DomainName> - Verify secure channel for <Domain> on <ServerName>',
  '    /DSGETDC:<DomainName> - Call DsGetDcName',
);

/** The gMSA situation of the container a program runs in. */
function identityOf(env) {
  const spec = env.container.credentialSpec;
  return spec && spec.usable ? spec : null;
}

function domainMatches(spec, name) {
  const n = String(name || '').toLowerCase().replace(/\.$/, '');
  return Boolean(spec && n && ((spec.domain && spec.domain.toLowerCase() === n) || (spec.netbios && spec.netbios.toLowerCase() === n)));
}

function dcName(env, spec) {
  const map = env.state.domainControllers || {};
  const key = Object.keys(map).find((k) => k.toLowerCase() === spec.domain.toLowerCase());
  return key ? map[key] : `dc01.${spec.domain.toLowerCase()}`;
}

function nltest(args, env) {
  const opt = args.find((a) => /^[/-](sc_verify|sc_query|dsgetdc):/i.test(a));
  if (!opt) return result(1, out(NLTEST_USAGE));
  const colon = opt.indexOf(':');
  const kind = opt.slice(1, colon).toLowerCase();
  const domain = opt.slice(colon + 1);
  const spec = identityOf(env);
  const matched = domainMatches(spec, domain) ? spec : null;
  if (kind === 'dsgetdc') {
    if (!matched) return result(1, out(lines('Getting DC name failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN')));
    const guid = (matched.parsed.DomainJoinConfig && matched.parsed.DomainJoinConfig.Guid) || '00000000-0000-0000-0000-000000000000';
    const forest = (matched.parsed.DomainJoinConfig && matched.parsed.DomainJoinConfig.DnsTreeName) || matched.domain;
    return result(
      0,
      out(
        lines(
          `           DC: \\\\${dcName(env, matched)}`,
          `      Address: \\\\10.0.0.10`,
          `     Dom Guid: ${guid}`,
          `     Dom Name: ${matched.domain}`,
          `  Forest Name: ${forest}`,
          ' Dc Site Name: Default-First-Site-Name',
          'Our Site Name: Default-First-Site-Name',
          '        Flags: PDC GC DS LDAP KDC TIMESERV WRITABLE DNS_DC DNS_DOMAIN DNS_FOREST CLOSE_SITE FULL_SECRET WS DS_8 DS_9 DS_10',
          'The command completed successfully',
        ),
      ),
    );
  }
  if (!matched) return result(1, out(lines('I_NetLogonControl failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN')));
  const build = env.state.build;
  const dc = dcName(env, matched);
  const verify = kind === 'sc_verify';
  if (build < 17763 && env.state.sharesGmsaWithRunningContainer(env.container)) {
    // Before 1809 two containers with one gMSA race at the DC: the secure channel is lost (deterministic here).
    return result(
      1,
      out(
        lines(
          'Flags: 0',
          'Trusted DC Name ',
          'Trusted DC Connection Status Status = 1311 0x51f ERROR_NO_LOGON_SERVERS',
          ...(verify ? ['Trust Verification Status = 1311 0x51f ERROR_NO_LOGON_SERVERS'] : []),
          'The command completed successfully',
        ),
      ),
    );
  }
  const hostname = String(env.container.config.Hostname || '');
  if (verify && build < 17763 && hostname.toLowerCase() !== matched.account.toLowerCase()) {
    return result(
      1,
      out(
        lines(
          'Flags: b0 HAS_IP  HAS_TIMESERV',
          `Trusted DC Name \\\\${dc}`,
          'Trusted DC Connection Status Status = 0 0x0 NERR_Success',
          'Trust Verification Status = 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE',
          'The command completed successfully',
        ),
      ),
    );
  }
  return result(
    0,
    out(
      lines(
        'Flags: 30 HAS_IP  HAS_TIMESERV',
        `Trusted DC Name \\\\${dc}`,
        'Trusted DC Connection Status Status = 0 0x0 NERR_Success',
        ...(verify ? ['Trust Verification Status = 0 0x0 NERR_Success'] : []),
        'The command completed successfully',
      ),
    ),
  );
}

function klist(args, env) {
  const sub = (args[0] || '').toLowerCase();
  const user = env.user;
  const spec = identityOf(env);
  if (sub === 'get') {
    if (!args[1]) return result(1, out(lines('', 'Usage: klist get <SPN>')));
    if (!user.machine) {
      // A local (virtual) account has no Kerberos logon session.
      return result(
        1,
        out(
          lines(
            '',
            `Current LogonId is ${user.luid}`,
            'Error calling API LsaCallAuthenticationPackage (GetTicket substatus): 1312',
            '',
            'klist failed with 0xc000005f/-1073741729: A specified logon session does not exist. It may already have been terminated.',
            '',
          ),
        ),
      );
    }
    if (!spec) {
      return result(
        1,
        out(
          lines(
            '',
            `Current LogonId is ${user.luid}`,
            'Error calling API LsaCallAuthenticationPackage (GetTicket substatus): 1311',
            '',
            'klist failed with 0xc000005e/-1073741730: There are currently no logon servers available to service the logon request.',
            '',
          ),
        ),
      );
    }
    const realm = spec.domain.toUpperCase();
    const client = `${spec.account}$ @ ${realm}`;
    const dc = dcName(env, spec);
    // the ticket asked for, or (for krbtgt, which is #0) the one the logon got from the DC
    const target = args[1].toLowerCase() === 'krbtgt' ? `ldap/${dc}/${spec.domain.toLowerCase()}` : args[1];
    const now = env.state.now();
    const ticket = (n, server, flags) => [
      `#${n}>\tClient: ${client}`,
      `\tServer: ${server} @ ${realm}`,
      '\tKerbTicket Encryption Type: AES-256-CTS-HMAC-SHA1-96',
      `\tTicket Flags ${flags}`,
      `\tStart Time: ${klistTime(now)}`,
      `\tEnd Time:   ${klistTime(new Date(now.getTime() + 10 * 3600e3))}`,
      `\tRenew Time: ${klistTime(new Date(now.getTime() + 7 * 24 * 3600e3))}`,
      '\tSession Key Type: AES-256-CTS-HMAC-SHA1-96',
      `\tCache Flags: ${n === 0 ? '0x1 -> PRIMARY' : '0'}`,
      `\tKdc Called: ${dc}`,
      '',
    ];
    return result(
      0,
      out(
        lines(
          '',
          `Current LogonId is ${user.luid}`,
          `A ticket to ${args[1]} has been retrieved successfully.`,
          '',
          'Cached Tickets: (2)',
          '',
          ...ticket(0, `krbtgt/${realm}`, '0x40e10000 -> forwardable renewable initial pre_authent name_canonicalize'),
          ...ticket(1, target, '0x40a10000 -> forwardable renewable pre_authent name_canonicalize'),
        ),
      ),
    );
  }
  if (sub === '' || sub === 'tickets' || sub === 'tgt') {
    return result(0, out(lines('', `Current LogonId is ${user.luid}`, '', 'Cached Tickets: (0)', '')));
  }
  if (sub === 'purge') return result(0, out(lines('', `Current LogonId is ${user.luid}`, '\tDeleting all tickets:', '\tTicket(s) purged!')));
  return result(1, out(lines('', 'Usage: klist [-lh <LogonId.HighPart>] [-li <LogonId.LowPart>] tickets | tgt | purge | sessions | kcd_cache | get | add_bind | query_bind | purge_bind')));
}

function ping(args, env) {
  let forever = false;
  let count = 4;
  let host;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === '-t' || a === '/t') forever = true;
    else if (a === '-n' || a === '/n') count = Math.max(1, parseInt(args[++i], 10) || 4);
    else if (!a.startsWith('-') && !a.startsWith('/')) host = args[i];
  }
  if (!host) return result(1, out(lines('', 'Usage: ping [-t] [-n count] target_name')));
  const hostname = String(env.container.config.Hostname || '');
  const h = host.toLowerCase();
  let addr;
  let header;
  if (h === 'localhost' || h === '::1' || h === hostname.toLowerCase()) {
    addr = '::1';
    header = `Pinging ${hostname} [::1] with 32 bytes of data:`;
  } else if (/^127\.\d+\.\d+\.\d+$/.test(h)) {
    addr = h;
    header = `Pinging ${h} with 32 bytes of data:`;
  } else {
    return result(1, out(lines(`Ping request could not find host ${host}. Please check the name and try again.`)));
  }
  const reply = addr === '::1' ? `Reply from ::1: time<1ms ${CRLF}` : `Reply from ${addr}: bytes=32 time<1ms TTL=128${CRLF}`;
  if (forever) return result(0, out(lines('', header) + reply), { type: 'forever', tick: reply, every: 1000 });
  const steps = [out(lines('', header) + reply)];
  for (let i = 1; i < count; i++) steps.push({ type: 'sleep', ms: 1000 }, out(reply));
  steps.push(
    out(
      lines(
        '',
        `Ping statistics for ${addr}:`,
        `    Packets: Sent = ${count}, Received = ${count}, Lost = 0 (0% loss),`,
        'Approximate round trip times in milli-seconds:',
        '    Minimum = 0ms, Maximum = 0ms, Average = 0ms',
      ),
    ),
  );
  return result(0, ...steps);
}

function timeoutCmd(args, env) {
  let secs;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === '/t' || a === '-t') secs = parseInt(args[++i], 10);
    else if (/^-?\d+$/.test(a)) secs = parseInt(a, 10);
  }
  if (secs === undefined || Number.isNaN(secs)) return result(1, err(lines('ERROR: Invalid syntax. Default option is not allowed more than \'1\' time(s).', 'Type "TIMEOUT /?" for usage.')));
  if (!env.tty) return result(1, err(lines('ERROR: Input redirection is not supported, exiting the process immediately.')));
  if (secs < 0) return result(0, { type: 'forever' });
  return result(0, { type: 'sleep', ms: secs * 1000 }, out(lines('')));
}

function dirCmd(args, env) {
  const target = args.find((a) => !a.startsWith('/')) || 'C:\\';
  const unc = /^\\\\([^\\]+)\\([^\\]+)/.exec(target);
  if (!unc) {
    return result(0, out(lines(' Volume in drive C has no label.', ' Volume Serial Number is 8ED1-5C7A', '', ` Directory of ${target}`, '', '               0 File(s)              0 bytes')));
  }
  const spec = identityOf(env);
  const host = unc[1].toLowerCase();
  const known = spec && (domainMatches(spec, host) || host === dcName(env, spec).toLowerCase());
  if (!known) return result(1, err(lines('The network path was not found.')));
  if (!env.user.machine) return result(1, err(lines('Access is denied.')));
  return result(
    0,
    out(
      lines(
        ` Volume in drive ${target} has no label.`,
        ' Volume Serial Number is 3C5E-9A6B',
        '',
        ` Directory of \\\\${unc[1]}\\${unc[2]}`,
        '',
        `02/27/2019  08:09 PM    <DIR>          .`,
        `02/27/2019  08:09 PM    <JUNCTION>     ${spec.domain.toLowerCase()} [C:\\Windows\\SYSVOL\\domain]`,
        '               0 File(s)              0 bytes',
        '               2 Dir(s)  52,706,353,152 bytes free',
      ),
    ),
  );
}

function whoami(args, env) {
  const a = (args[0] || '').toLowerCase();
  if (a === '/upn') return result(1, err(lines('ERROR: Unable to get User Principal Name (UPN) as the current logged-on user', '       is not a domain user.')));
  return result(0, out(lines(env.user.display)));
}

function hostnameCmd(args, env) {
  return result(0, out(lines(String(env.container.config.Hostname || ''))));
}

function imageVersionLine(env) {
  const v = env.image ? env.image.osVersion : `10.0.${env.state.build}.${env.state.revision}`;
  return `Microsoft Windows [Version ${v}]`;
}

/** A line cmd.exe runs: builtins, && / || / &, %VAR% and external programs. */
function runCmdLine(line, env) {
  const vars = env.vars;
  const expanded = line.replace(/%([^%\s]+)%/g, (m, name) => {
    const key = Object.keys(vars).find((k) => k.toLowerCase() === name.toLowerCase());
    return key ? vars[key] : m;
  });
  const parts = [];
  let cur = '';
  let inQuote = false;
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded[i];
    if (ch === '"') inQuote = !inQuote;
    if (!inQuote && (ch === '&' || (ch === '|' && expanded[i + 1] === '|'))) {
      const op = expanded[i + 1] === ch ? ch + ch : ch;
      parts.push({ text: cur, next: op });
      cur = '';
      if (op.length === 2) i++;
      continue;
    }
    cur += ch;
  }
  parts.push({ text: cur, next: null });
  const steps = [];
  let exitCode = 0;
  let prevOp = null;
  for (const part of parts) {
    const skip = (prevOp === '&&' && exitCode !== 0) || (prevOp === '||' && exitCode === 0);
    prevOp = part.next;
    if (skip) continue;
    const text = part.text.replace(/^\s+/, '');
    const m = /^(@?)([^\s.(/]+)([\s\S]*)$/.exec(text.trimEnd() === '' ? '' : text);
    if (!m) continue;
    const word = m[2].toLowerCase();
    const rest = m[3];
    if (word === 'echo') {
      if (/^[.]/.test(text.slice(m[1].length + 4))) {
        steps.push(out(lines(text.slice(m[1].length + 5).trimEnd())));
      } else if (rest.trim() === '') steps.push(out(lines('ECHO is on.')));
      else steps.push(out(lines(rest.replace(/^[\s]/, '').replace(/\s+$/, ''))));
      exitCode = 0;
      continue;
    }
    if (word === 'exit') {
      const n = rest.trim().replace(/^\/b\s*/i, '');
      return { steps, exitCode: parseInt(n, 10) || 0 };
    }
    if (word === 'rem') continue;
    if (word === 'ver') {
      steps.push(out(lines('', imageVersionLine(env))));
      exitCode = 0;
      continue;
    }
    if (word === 'cd' || word === 'chdir') {
      steps.push(out(lines('C:\\')));
      exitCode = 0;
      continue;
    }
    if (word === 'set' && /=/.test(rest)) {
      const kv = rest.trim();
      vars[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
      exitCode = 0;
      continue;
    }
    if (word === 'dir') {
      const r = dirCmd(splitWords(rest), env);
      steps.push(...r.steps);
      exitCode = r.exitCode;
      continue;
    }
    const words = splitWords(text);
    const r = runProgram(words, env, 'cmd');
    if (r.notFound) {
      steps.push(err(lines(`'${words[0]}' is not recognized as an internal or external command,`, 'operable program or batch file.')));
      exitCode = 1;
      continue;
    }
    steps.push(...r.steps);
    exitCode = r.exitCode;
    if (isForever(r)) return { steps, exitCode };
  }
  return { steps, exitCode };
}

function cmdExe(args, env) {
  let i = 0;
  let mode = null;
  let stripAll = false;
  for (; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === '/c' || a === '/k' || a === '/r') {
      mode = a;
      i++;
      break;
    }
    if (/^\/[sqdaeuvft]/.test(a)) {
      if (a === '/s') stripAll = true;
      continue;
    }
    break;
  }
  if (!mode) {
    const banner = lines(imageVersionLine(env), copyrightLine(env.image ? env.image.build : env.state.build), '') + 'C:\\>';
    return env.interactive ? result(0, out(banner), { type: 'forever' }) : result(0, out(banner));
  }
  let line = commandLine(args.slice(i));
  // cmd /c "..." strips the outer quotes (always with /s; without it cmd keeps them only around a bare
  // executable path, which the simulated programs never need)
  if (line.length > 1 && line.startsWith('"') && (stripAll || line.endsWith('"'))) {
    const last = line.lastIndexOf('"');
    line = line.slice(1, last) + line.slice(last + 1);
  }
  return runCmdLine(line, env);
}

/** Splits a PowerShell script into statements (; and newlines outside quotes). */
function psStatements(script) {
  const stmts = [];
  let cur = '';
  let q = null;
  for (const ch of script) {
    if (q) {
      if (ch === q) q = null;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      q = ch;
      cur += ch;
    } else if (ch === ';' || ch === '\n') {
      stmts.push(cur);
      cur = '';
    } else cur += ch;
  }
  stmts.push(cur);
  return stmts.map((s) => s.trim()).filter(Boolean);
}

function psWords(stmt) {
  const words = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(stmt))) words.push(m[1] !== undefined ? m[1] : m[2] !== undefined ? m[2] : m[3]);
  return words;
}

function psNotFound(name, stmt) {
  return err(
    lines(
      `${name} : The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
      'At line:1 char:1',
      `+ ${stmt}`,
      `+ ${'~'.repeat(name.length)}`,
      `    + CategoryInfo          : ObjectNotFound: (${name}:String) [], CommandNotFoundException`,
      '    + FullyQualifiedErrorId : CommandNotFoundException',
      ' ',
    ),
  );
}

function runPsScript(script, env) {
  if (/while\s*\(\s*\$true\s*\)/i.test(script)) return result(0, { type: 'forever' });
  const steps = [];
  let ok = true;
  let exitCode;
  for (const stmt of psStatements(script)) {
    const words = psWords(stmt);
    const w = (words[0] || '').toLowerCase();
    if (w === 'write-output' || w === 'echo' || w === 'write' || w === 'write-host') {
      steps.push(out(lines(words.slice(1).join(' '))));
      ok = true;
    } else if (w === 'start-sleep' || w === 'sleep') {
      let ms = 0;
      for (let i = 1; i < words.length; i++) {
        const a = words[i].toLowerCase();
        if (a === '-milliseconds' || a === '-m') ms = parseFloat(words[++i]) || 0;
        else if (a === '-seconds' || a === '-s') ms = (parseFloat(words[++i]) || 0) * 1000;
        else if (/^\d+(\.\d+)?$/.test(a)) ms = parseFloat(a) * 1000;
      }
      steps.push({ type: 'sleep', ms });
      ok = true;
    } else if (w === 'exit') {
      exitCode = parseInt(words[1], 10) || 0;
      break;
    } else if (w === '$env:computername') {
      steps.push(out(lines(String(env.container.config.Hostname || '').toUpperCase().slice(0, 15))));
    } else if (w === '$env:username') {
      steps.push(out(lines(env.vars.USERNAME)));
    } else if (w.startsWith('$')) {
      ok = true;
    } else {
      const r = runProgram(words, env, 'powershell');
      if (r.notFound) {
        steps.push(psNotFound(words[0], stmt));
        ok = false;
        continue;
      }
      steps.push(...r.steps);
      ok = r.exitCode === 0;
      if (isForever(r)) return { steps, exitCode: 0 };
    }
  }
  return { steps, exitCode: exitCode !== undefined ? exitCode : ok ? 0 : 1 };
}

function powershellExe(args, env) {
  let script = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === '-command' || a === '-c' || a === '/c' || a === '/command') {
      script = args.slice(i + 1).join(' ');
      break;
    }
    if (['-noprofile', '-nop', '-noninteractive', '-noni', '-nologo', '-nol', '-sta', '-mta'].includes(a)) continue;
    if (['-executionpolicy', '-ep', '-ex', '-inputformat', '-outputformat', '-windowstyle', '-version', '-w'].includes(a)) {
      i++;
      continue;
    }
    if (a === '-file' || a === '-f') {
      // Windows PowerShell exits -196608 (0xFFFD0000) when the -File script does not exist
      return result(
        4294770688,
        err(lines(`The argument '${args[i + 1] || ''}' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.`)),
      );
    }
    if (a.startsWith('-')) continue;
    script = args.slice(i).join(' ');
    break;
  }
  if (script === null) {
    const banner =
      lines('Windows PowerShell', 'Copyright (C) Microsoft Corporation. All rights reserved.', '') +
      (env.state.build >= 17763 ? lines('Try the new cross-platform PowerShell https://aka.ms/pscore6', '') : '') +
      'PS C:\\> ';
    return env.interactive ? result(0, out(banner), { type: 'forever' }) : result(0, out(banner));
  }
  return runPsScript(script, env);
}

const PROGRAMS = {
  cmd: cmdExe,
  powershell: powershellExe,
  nltest,
  klist,
  whoami,
  hostname: hostnameCmd,
  ping,
  timeout: timeoutCmd,
};

/**
 * Runs argv as a program in the container. Returns a program result, or { notFound: true } when the
 * executable does not exist. `from` is 'container' (init process), 'exec', 'cmd' or 'powershell'.
 */
function runProgram(argv, env, from) {
  if (!argv.length) return result(0);
  const name = programName(argv[0]);
  const image = env.image;
  if (name === 'powershell' && image && !image.powershell) return { notFound: true };
  const impl = PROGRAMS[name];
  if (impl) return impl(argv.slice(1), env);
  if (image && image.programs.has(name)) return result(0, { type: 'forever' });
  return { notFound: true };
}

// ---------------------------------------------------------------------------------------------------
// Engine state
// ---------------------------------------------------------------------------------------------------

const NAME_LEFT = ['admiring', 'brave', 'clever', 'dreamy', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen', 'lucid', 'modest', 'nifty', 'quirky', 'serene', 'vibrant'];
const NAME_RIGHT = ['babbage', 'curie', 'darwin', 'euler', 'fermi', 'gauss', 'hopper', 'kepler', 'lovelace', 'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'wozniak', 'yonath'];

/** Everything the engine "is": personality, images, containers, exec sessions, the request log. */
class EngineState {
  constructor(fixture, overrides, options) {
    const o = overrides || {};
    const opts = options || {};
    this.info = Object.assign({}, fixture.info, o.info || {});
    this.version = Object.assign({}, fixture.version, o.version || {});
    if (o.apiVersion) this.version.ApiVersion = o.apiVersion;
    if (o.minApiVersion) this.version.MinAPIVersion = o.minApiVersion;
    if (o.build) applyBuildOverride(this.info, this.version, Number(o.build));
    this.apiVersion = this.version.ApiVersion || '1.24';
    this.minApiVersion = this.version.MinAPIVersion || '1.24';
    this.osType = (this.info.OSType || this.version.Os || 'windows').toLowerCase();
    this.experimental = o.experimental === true;
    this.engineVersion = this.version.Version || this.info.ServerVersion || '0.0.0';
    /** Every request seen: { method, path, apiVersion }. */
    this.requests = [];

    // Windows personality
    this.build = windowsBuildOf(this.info);
    this.revision = windowsRevisionOf(this.info);
    this.isClient = this.osType === 'windows' && !/server/i.test(String(this.info.OperatingSystem || ''));
    const iso = String(this.info.Isolation || '').toLowerCase();
    this.defaultIsolation = iso === 'hyperv' || iso === 'process' ? iso : this.isClient ? 'hyperv' : 'process';
    this.hcs = hcsOperations(this.engineVersion);
    this.credentialSpecEra = credentialSpecEra(this.engineVersion);
    /** raw:// came with engine 19.03 (API 1.40). */
    this.rawCredentialSpecs = this.credentialSpecEra !== 'legacy' && compareVersions(this.apiVersion, '1.40') >= 0;
    /** A local folder playing C:\ProgramData\docker, or undefined (then file:// specs find nothing). */
    this.rootDir = opts.rootDir ? path.resolve(opts.rootDir) : undefined;
    this.fixtureRoot = this.info.DockerRootDir || 'C:\\ProgramData\\docker';
    /** Spec files when there is no rootDir: an in-memory CredentialSpecs folder (empty unless given). */
    this.credentialSpecFiles = new Map(Object.entries(opts.credentialSpecFiles || {}));
    /** HKLM\...\Containers\CredentialSpecs values (registry://), or null when that key does not exist. */
    this.registry = opts.registry ? new Map(Object.entries(opts.registry)) : null;
    this.hypervHangMs = opts.hypervHangMs !== undefined ? Number(opts.hypervHangMs) : 2000;
    this.domainControllers = opts.domainControllers || {};
    /** Refuse images that Windows would not run on this host build (default on). */
    this.imageOsCheck = opts.imageOsCheck !== false;
    this.clock = typeof opts.now === 'function' ? opts.now : () => new Date();

    const host = { build: this.build, revision: this.revision };
    /** Local images, by canonical name. */
    this.images = new Map();
    for (const spec of opts.images || DEFAULT_IMAGES) {
      const img = describeImage(spec, host);
      this.images.set(img.canonical, img);
    }
    /** Containers by id; each has `name` (without the leading slash). */
    this.containers = {};
    /** Exec sessions by id. */
    this.execs = {};
    /** Networks by id: a Windows engine starts with "nat" (the default) and "none". */
    this.networks = {};
    for (const [name, driver] of [['nat', 'nat'], ['none', 'null']]) {
      const id = crypto.createHash('sha256').update(`network#${name}`).digest('hex');
      this.networks[id] = { Name: name, Id: id, Created: this.now().toISOString(), Scope: 'local', Driver: driver, EnableIPv6: false, IPAM: { Driver: 'windows', Options: null, Config: driver === 'nat' ? [{ Subnet: '172.24.80.0/20', Gateway: '172.24.80.1' }] : [] }, Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {} };
    }
    this.timers = new Set();
    this.sockets = new Set();
    this.closed = false;
  }

  /** The Swarm header of newer engines (API 1.48+): "inactive", "active/manager", "active/worker". */
  swarmHeader() {
    const s = this.info.Swarm || {};
    const state = s.LocalNodeState || 'inactive';
    if (state !== 'active') return state;
    return `active/${s.ControlAvailable ? 'manager' : 'worker'}`;
  }

  now() {
    return this.clock();
  }

  /** The Docker root the engine reports: the local rootDir, or the fixture's Windows path. */
  get dockerRootDir() {
    return this.rootDir || this.fixtureRoot;
  }

  /** /info: the fixture's (recorded counts included), with DockerRootDir = the local rootDir when given. */
  liveInfo() {
    return this.rootDir ? Object.assign({}, this.info, { DockerRootDir: this.rootDir }) : this.info;
  }

  later(fn, ms) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  every(fn, ms) {
    const t = setInterval(fn, ms);
    this.timers.add(t);
    return () => {
      clearInterval(t);
      this.timers.delete(t);
    };
  }

  /** Stops every timer and hijacked stream (the server is going away). */
  shutdown() {
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  // --- images --------------------------------------------------------------------------------------

  findImage(name) {
    const n = String(name || '');
    const hex = n.replace(/^sha256:/, '');
    if (/^[0-9a-f]{4,64}$/.test(hex)) {
      const byId = [...this.images.values()].filter((i) => i.id.slice(7).startsWith(hex));
      if (byId.length === 1) return byId[0];
    }
    return this.images.get(normalizeImageRef(n).canonical);
  }

  noSuchImage(name) {
    return new EngineError(404, `No such image: ${normalizeImageRef(name).familiar}`);
  }

  // --- networks (what docker compose needs: a project network, created, listed, inspected, removed) --

  /** moby's network lookup: full id, name, then a unique id prefix. */
  findNetwork(ref) {
    const r = String(ref || '');
    if (this.networks[r]) return this.networks[r];
    const byName = Object.values(this.networks).find((n) => n.Name === r);
    if (byName) return byName;
    const hits = Object.values(this.networks).filter((n) => n.Id.startsWith(r));
    return r && hits.length === 1 ? hits[0] : undefined;
  }

  getNetwork(ref) {
    const n = this.findNetwork(ref);
    if (!n) throw new EngineError(404, `network ${ref} not found`);
    return n;
  }

  createNetwork(body) {
    const name = body && typeof body.Name === 'string' ? body.Name : '';
    if (!name) throw new EngineError(400, 'network name must not be empty');
    if (this.findNetwork(name) && this.findNetwork(name).Name === name) throw new EngineError(409, `network with name ${name} already exists`);
    const driver = body.Driver || 'nat';
    if (!['nat', 'transparent', 'l2bridge', 'l2tunnel', 'ics', 'overlay', 'null'].includes(driver)) {
      throw new EngineError(400, `could not find plugin ${driver} in v1 plugin registry: plugin not found`);
    }
    const id = crypto.randomBytes(32).toString('hex');
    this.networks[id] = { Name: name, Id: id, Created: this.now().toISOString(), Scope: 'local', Driver: driver, EnableIPv6: Boolean(body.EnableIPv6), IPAM: { Driver: 'windows', Options: null, Config: [] }, Internal: Boolean(body.Internal), Attachable: Boolean(body.Attachable), Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: body.Options || {}, Labels: body.Labels || {} };
    return this.networks[id];
  }

  removeNetwork(ref) {
    const n = this.getNetwork(ref);
    if (['nat', 'none'].includes(n.Name)) throw new EngineError(403, `${n.Name} is a pre-defined network and cannot be removed`);
    const users = Object.values(this.containers).filter((c) => this.containerNetwork(c) === n);
    if (users.length) throw new EngineError(403, `error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    delete this.networks[n.Id];
  }

  /** The network a container is attached to: its NetworkMode, "default" being nat. */
  containerNetwork(c) {
    const mode = c.hostConfig.NetworkMode || 'default';
    return this.findNetwork(mode === 'default' ? 'nat' : mode) || this.findNetwork('nat');
  }

  // --- containers ----------------------------------------------------------------------------------

  /** moby's GetContainer: full id, name, then a unique id prefix. */
  findContainer(ref) {
    const r = String(ref || '');
    if (this.containers[r]) return this.containers[r];
    const name = r.replace(/^\//, '');
    const byName = Object.values(this.containers).find((c) => c.name === name);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(r)) {
      const hits = Object.values(this.containers).filter((c) => c.id.startsWith(r));
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) throw new EngineError(400, `multiple IDs found with provided prefix: ${r}`);
    }
    return undefined;
  }

  getContainer(ref) {
    const c = this.findContainer(ref);
    if (!c) throw new EngineError(404, `No such container: ${ref}`);
    return c;
  }

  notRunningMessage(id) {
    return `${compareVersions(this.engineVersion, '25.0') < 0 ? 'Container' : 'container'} ${id} is not running`;
  }

  generateName() {
    for (;;) {
      const n = `${NAME_LEFT[crypto.randomInt(NAME_LEFT.length)]}_${NAME_RIGHT[crypto.randomInt(NAME_RIGHT.length)]}`;
      const name = Object.values(this.containers).some((c) => c.name === n) ? `${n}${crypto.randomInt(10)}` : n;
      if (!Object.values(this.containers).some((c) => c.name === name)) return name;
    }
  }

  /** POST /containers/create: the checks a Windows engine makes at create (not the security options). */
  createContainer(body, requestedName) {
    if (!body || typeof body !== 'object') throw new EngineError(400, 'Config cannot be empty in order to create a container');
    const hostConfig = Object.assign({}, body.HostConfig || {});
    const config = Object.assign({}, body);
    delete config.HostConfig;
    delete config.NetworkingConfig;
    let name = requestedName ? String(requestedName) : '';
    if (name) {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name.replace(/^\//, ''))) {
        throw new EngineError(400, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      }
      name = name.replace(/^\//, '');
      const taken = Object.values(this.containers).find((c) => c.name === name);
      if (taken) {
        throw new EngineError(
          409,
          `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
    }
    if (this.osType !== 'windows') this.checkLinuxSecurityOpts(hostConfig.SecurityOpt);
    const isolation = String(hostConfig.Isolation || '').toLowerCase();
    if (this.osType === 'windows' && !['', 'default', 'process', 'hyperv'].includes(isolation)) {
      throw new EngineError(400, `Invalid isolation: ${goQuote(hostConfig.Isolation)}. Windows supports 'default', 'process', or 'hyperv'`);
    }
    if (!config.Image) throw new EngineError(400, 'No command specified');
    const image = this.findImage(config.Image);
    if (!image) throw this.noSuchImage(config.Image);
    const resolvedIsolation = isolation === '' || isolation === 'default' ? this.defaultIsolation : isolation;
    if (resolvedIsolation === 'process' && this.isClient && this.build < 17763) {
      throw new EngineError(
        400,
        compareVersions(this.engineVersion, '17.10') < 0
          ? 'Windows client operating systems only support Hyper-V containers'
          : 'Windows client operating systems earlier than version 1809 can only run Hyper-V containers',
      );
    }
    const id = crypto.randomBytes(32).toString('hex');
    if (!name) name = this.generateName();
    hostConfig.Isolation = resolvedIsolation;
    if (hostConfig.NetworkMode === undefined || hostConfig.NetworkMode === '') hostConfig.NetworkMode = 'default';
    if (hostConfig.SecurityOpt === undefined) hostConfig.SecurityOpt = null;
    if (!hostConfig.RestartPolicy) hostConfig.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
    const cmd = Array.isArray(config.Cmd) && config.Cmd.length ? config.Cmd : image.cmd;
    const entrypoint = Array.isArray(config.Entrypoint) && config.Entrypoint.length ? config.Entrypoint : image.entrypoint;
    const argv = [...(entrypoint || []), ...(cmd || [])];
    if (!argv.length) throw new EngineError(400, 'No command specified');
    const fullConfig = Object.assign(
      {
        Hostname: '',
        Domainname: '',
        User: '',
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        Tty: false,
        OpenStdin: false,
        StdinOnce: false,
        Env: null,
        Cmd: null,
        Image: config.Image,
        Volumes: null,
        WorkingDir: '',
        Entrypoint: null,
        OnBuild: null,
        Labels: {},
      },
      config,
    );
    fullConfig.Hostname = config.Hostname || id.slice(0, 12);
    fullConfig.User = config.User || image.user || '';
    fullConfig.Cmd = cmd || null;
    fullConfig.Entrypoint = entrypoint || null;
    fullConfig.Env = [...image.env, ...(config.Env || [])];
    if (!fullConfig.WorkingDir) fullConfig.WorkingDir = image.workingDir;
    if (!fullConfig.Labels) fullConfig.Labels = {};
    if (image.exposedPorts && !fullConfig.ExposedPorts) fullConfig.ExposedPorts = image.exposedPorts;
    // a user-defined network must exist (moby: "network X not found"); its aliases are kept for inspect
    const mode = hostConfig.NetworkMode;
    if (mode && !['default', 'nat', 'none', 'host', 'bridge'].includes(mode) && !mode.startsWith('container:')) this.getNetwork(mode);
    const endpoints = (body.NetworkingConfig && body.NetworkingConfig.EndpointsConfig) || {};
    const endpoint = Object.values(endpoints)[0];
    const c = {
      id,
      name,
      aliases: endpoint && Array.isArray(endpoint.Aliases) ? endpoint.Aliases : null,
      created: this.now().toISOString(),
      image: image.name,
      imageId: image.id,
      path: argv[0],
      args: argv.slice(1),
      config: fullConfig,
      hostConfig,
      platform: 'windows',
      state: {
        status: 'created',
        running: false,
        paused: false,
        restarting: false,
        pid: 0,
        exitCode: 0,
        error: '',
        startedAt: ZERO_TIME,
        finishedAt: ZERO_TIME,
      },
      credentialSpec: null,
      logs: [],
      execIds: [],
      restartCount: 0,
    };
    Object.defineProperty(c, 'rt', {
      enumerable: false,
      value: { image, program: null, attaches: new Set(), waiters: [], starting: false, ip: `172.24.${80 + (Object.keys(this.containers).length % 16)}.${10 + crypto.randomInt(200)}` },
    });
    this.containers[id] = c;
    return c;
  }

  /** A Linux engine (daemon_unix.go parseSecurityOpt) refuses credentialspec, and anything unknown, at create. */
  checkLinuxSecurityOpts(opts) {
    for (const opt of opts || []) {
      if (opt === 'no-new-privileges' || opt === 'disable') continue;
      const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : null;
      if (!sep) throw new EngineError(500, `invalid --security-opt 1: ${goQuote(opt)}`);
      const [k, v] = [opt.slice(0, opt.indexOf(sep)), opt.slice(opt.indexOf(sep) + 1)];
      if (['label', 'apparmor', 'seccomp'].includes(k)) continue;
      if (k === 'no-new-privileges' && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v)) continue;
      throw new EngineError(500, `invalid --security-opt 2: ${goQuote(opt)}`);
    }
  }

  /** Other running containers using the same gMSA (account and domain) as this one. */
  sharesGmsaWithRunningContainer(c) {
    const mine = c.credentialSpec;
    if (!mine || !mine.usable) return false;
    return Object.values(this.containers).some(
      (o) =>
        o !== c &&
        o.state.running &&
        o.credentialSpec &&
        o.credentialSpec.usable &&
        o.credentialSpec.account.toLowerCase() === mine.account.toLowerCase() &&
        o.credentialSpec.domain.toLowerCase() === mine.domain.toLowerCase(),
    );
  }

  /** setWindowsCredentialSpec: the spec string the container gets (or '' for none), or the engine's error. */
  credentialSpecFor(c) {
    const opts = c.hostConfig.SecurityOpt;
    if (!Array.isArray(opts)) return null;
    const era = this.credentialSpecEra;
    const msgs = CREDSPEC_MESSAGES[era];
    let spec = '';
    let source = null;
    for (const original of opts) {
      const secOpt = era === 'legacy' ? String(original).toLowerCase() : String(original);
      const eq = secOpt.indexOf('=');
      if (eq < 0) throw new EngineError(500, `invalid security option: no equals sign in supplied value ${secOpt}`);
      const k = secOpt.slice(0, eq);
      const v = secOpt.slice(eq + 1);
      if (era === 'legacy') {
        if (k !== 'credentialspec') throw new EngineError(500, `security option not supported: ${k}`);
        if (v.startsWith('file://')) {
          const value = v.slice('file://'.length);
          if (!value) throw new EngineError(500, 'no value supplied for file:// credential spec security option');
          spec = this.readCredentialSpecFile(c, value, msgs);
        } else if (v.startsWith('registry://')) {
          const value = v.slice('registry://'.length);
          if (!value) throw new EngineError(500, 'no value supplied for registry:// credential spec security option');
          spec = this.readCredentialSpecRegistry(c, value, msgs);
        } else throw new EngineError(500, ERR_INVALID_SECOPT_LEGACY);
      } else {
        if (k.toLowerCase() !== 'credentialspec') throw new EngineError(500, `security option not supported: ${k}`);
        const sep = v.indexOf('://');
        if (sep < 0 || v.slice(sep + 3) === '') throw new EngineError(500, ERR_INVALID_SECOPT);
        const scheme = v.slice(0, sep).toLowerCase();
        const value = v.slice(sep + 3);
        if (scheme === 'file') spec = this.readCredentialSpecFile(c, value, msgs);
        else if (scheme === 'registry') spec = this.readCredentialSpecRegistry(c, value, msgs);
        else if (scheme === 'raw' && this.rawCredentialSpecs) spec = value;
        else throw new EngineError(500, ERR_INVALID_SECOPT); // config:// outside swarm too
      }
      source = String(original).slice(String(original).indexOf('=') + 1);
    }
    return spec === '' ? null : { source, json: spec };
  }

  readCredentialSpecFile(c, location, msgs) {
    const root = this.dockerRootDir;
    const p = credentialSpecFilePath(root, location, msgs);
    let got;
    if (this.rootDir) {
      got = readLocalCaseInsensitive(this.rootDir, p.below);
    } else {
      const rel = p.below.slice(1).join('\\').toLowerCase();
      const key = p.below[0] === CREDSPEC_DIR ? [...this.credentialSpecFiles.keys()].find((k) => k.toLowerCase() === rel) : undefined;
      got = key !== undefined ? { data: Buffer.from(this.credentialSpecFiles.get(key)) } : { error: 'The system cannot find the file specified.' };
    }
    if (got.error) throw new EngineError(500, msgs.unreadable(c.id, p.full, `${got.op || 'open'} ${p.full}: ${got.error}`));
    return got.data.toString('utf8');
  }

  readCredentialSpecRegistry(c, name, msgs) {
    if (!this.registry) throw new EngineError(500, msgs.registryKey(c.id, name));
    const key = [...this.registry.keys()].find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw new EngineError(500, msgs.registryValue(c.id, name));
    return String(this.registry.get(key));
  }

  /** The HCS CreateProcess error for a user Windows cannot log on (unknown, or NS/SYSTEM before 1709). */
  userProblem(user) {
    if (!user.known) return 'The user name or password is incorrect.';
    if (user.service && this.build < 16299) return 'The user name or password is incorrect.';
    return null;
  }

  processConfigJson(argv, user) {
    return JSON.stringify({
      CommandLine: commandLine(argv),
      User: user.given,
      WorkingDirectory: 'C:\\',
      CreateStdOutPipe: true,
      CreateStdErrPipe: true,
      ConsoleSize: [0, 0],
    });
  }

  /** POST /containers/{id}/start. Resolves when started; rejects with the engine's error. */
  async startContainer(c) {
    if (c.state.running) throw new EngineError(304, '');
    if (c.rt.starting) throw new EngineError(409, `container ${c.id} is already starting`);
    c.rt.starting = true;
    try {
      let got;
      try {
        got = this.credentialSpecFor(c);
      } catch (e) {
        // start.go: any createSpec error is a system error (500)
        throw new EngineError(500, e.message);
      }
      const image = c.rt.image;
      const isolation = c.hostConfig.Isolation || this.defaultIsolation;
      const allowDownlevel = this.isClient && this.build >= 22000 && image.build === 20348;
      const mismatch = image.build > this.build || (isolation === 'process' && image.build !== this.build && !allowDownlevel);
      if (this.imageOsCheck && mismatch) {
        throw new EngineError(500, hcsSyscallError(c.id, this.hcs.create, 'The container operating system does not match the host operating system.', 0xc0370101));
      }
      if (got && isolation === 'hyperv' && this.build >= 15063 && this.build < 17763) {
        // gMSA + Hyper-V isolation on 1703/1709/1803: the start hangs (here: fails after a delay).
        await new Promise((resolve) => this.later(resolve, this.hypervHangMs));
        throw new EngineError(500, `container ${c.id} encountered an error during ${this.hcs.start}: hcsshim: timeout waiting for notification`);
      }
      const user = resolveUser(c.config.User, image);
      const problem = this.userProblem(user);
      const argv = [c.path, ...c.args];
      if (problem) throw new EngineError(500, hcsSyscallError(c.id, this.hcs.exec, problem, 0x52e, this.processConfigJson(argv, user)));
      if (this.closed) throw new EngineError(500, 'engine is shutting down');

      c.credentialSpec = got ? analyzeCredentialSpec(got.source, got.json) : null;
      c.state = {
        status: 'running',
        running: true,
        paused: false,
        restarting: false,
        pid: 1000 + crypto.randomInt(9000),
        exitCode: 0,
        error: '',
        startedAt: this.now().toISOString(),
        finishedAt: c.state.finishedAt,
      };
      const env = this.programEnv(c, user, { tty: Boolean(c.config.Tty), interactive: Boolean(c.config.OpenStdin) });
      let prog = runProgram(argv, env, 'container');
      if (prog.notFound) prog = result(0, { type: 'forever' }); // an app we know nothing about: it runs
      c.rt.program = this.run(prog, {
        output: (stream, text) => this.containerOutput(c, stream, text),
        exit: (code) => this.containerExited(c, code),
      });
    } catch (e) {
      if (e.status !== 304 && e.status !== 409) {
        c.state.error = e.message;
        if (c.state.exitCode === 0) c.state.exitCode = 128;
        if (c.hostConfig.AutoRemove) this.removeContainer(c, true);
      }
      throw e;
    } finally {
      c.rt.starting = false;
    }
  }

  programEnv(c, user, { tty, interactive }) {
    const hostname = String(c.config.Hostname || '');
    return {
      state: this,
      container: c,
      image: c.rt.image,
      user,
      tty,
      interactive,
      vars: {
        COMPUTERNAME: hostname.toUpperCase().slice(0, 15),
        USERNAME: user.machine ? `${hostname.toUpperCase().slice(0, 15)}$` : user.name,
        USERDOMAIN: user.key === 'containeradministrator' || user.key === 'containeruser' ? 'User Manager' : 'NT AUTHORITY',
        SystemRoot: 'C:\\Windows',
      },
    };
  }

  /** Runs program steps; returns { kill() }. */
  run(prog, { output, exit }) {
    const steps = prog.steps;
    let i = 0;
    let cancel = null;
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      if (cancel) cancel();
      exit(code);
    };
    const next = () => {
      cancel = null;
      while (!done && i < steps.length) {
        const st = steps[i++];
        if (st.type === 'out') output(st.stream, st.text);
        else if (st.type === 'sleep') {
          cancel = this.later(next, st.ms);
          return;
        } else if (st.type === 'forever') {
          if (st.tick) cancel = this.every(() => output(1, st.tick), st.every || 1000);
          return;
        }
      }
      finish(prog.exitCode);
    };
    cancel = this.later(next, 0);
    return {
      kill: (code) => finish(code),
      get done() {
        return done;
      },
    };
  }

  containerOutput(c, stream, text) {
    const entry = { stream, text, time: this.now().toISOString() };
    c.logs.push(entry);
    for (const a of c.rt.attaches) {
      if ((stream === 1 && a.stdout) || (stream === 2 && a.stderr)) a.sink.write(stream, text);
    }
  }

  containerExited(c, code) {
    if (!c.state.running) return;
    c.rt.program = null;
    c.state = Object.assign({}, c.state, {
      status: 'exited',
      running: false,
      pid: 0,
      exitCode: code,
      finishedAt: this.now().toISOString(),
    });
    for (const id of c.execIds) {
      const ex = this.execs[id];
      if (ex && ex.rt.program && !ex.rt.program.done) ex.rt.program.kill(STOP_EXIT_CODE);
    }
    for (const a of [...c.rt.attaches]) a.sink.end();
    c.rt.attaches.clear();
    const waiters = c.rt.waiters;
    c.rt.waiters = waiters.filter((w) => w.condition === 'removed');
    for (const w of waiters) if (w.condition !== 'removed') w.resolve({ StatusCode: code });
    if (c.hostConfig.AutoRemove) this.removeContainer(c, true);
  }

  stopContainer(c) {
    if (!c.state.running) throw new EngineError(304, '');
    if (c.rt.program) c.rt.program.kill(STOP_EXIT_CODE);
    else this.containerExited(c, STOP_EXIT_CODE);
  }

  killContainer(c, ref) {
    if (!c.state.running) {
      const prefix = compareVersions(this.engineVersion, '26.0') < 0 ? 'Cannot kill container' : 'cannot kill container';
      throw new EngineError(409, `${prefix}: ${ref}: ${this.notRunningMessage(c.id)}`);
    }
    if (c.rt.program) c.rt.program.kill(STOP_EXIT_CODE);
    else this.containerExited(c, STOP_EXIT_CODE);
  }

  removeContainer(c, force) {
    if (!this.containers[c.id]) return;
    if (c.state.running) {
      if (!force) {
        throw new EngineError(
          409,
          compareVersions(this.engineVersion, '25.0') < 0
            ? `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`
            : `cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`,
        );
      }
      const auto = c.hostConfig.AutoRemove;
      c.hostConfig.AutoRemove = false;
      this.killContainer(c, c.name);
      c.hostConfig.AutoRemove = auto;
    }
    delete this.containers[c.id];
    for (const id of c.execIds) delete this.execs[id];
    for (const a of [...c.rt.attaches]) a.sink.end();
    c.rt.attaches.clear();
    const waiters = c.rt.waiters;
    c.rt.waiters = [];
    for (const w of waiters) w.resolve({ StatusCode: c.state.exitCode });
  }

  // --- exec ----------------------------------------------------------------------------------------

  createExec(c, body) {
    if (!c.state.running) throw new EngineError(409, this.notRunningMessage(c.id));
    const b = body || {};
    if (!Array.isArray(b.Cmd) || b.Cmd.length === 0) throw new EngineError(400, 'No exec command specified');
    const id = crypto.randomBytes(32).toString('hex');
    const ex = {
      id,
      containerId: c.id,
      cmd: b.Cmd.map(String),
      user: b.User || '',
      tty: Boolean(b.Tty),
      attachStdin: Boolean(b.AttachStdin),
      attachStdout: Boolean(b.AttachStdout),
      attachStderr: Boolean(b.AttachStderr),
      privileged: Boolean(b.Privileged),
      running: false,
      exitCode: null,
      pid: 0,
    };
    Object.defineProperty(ex, 'rt', { enumerable: false, value: { program: null } });
    // the create request body as received (Cmd, User, Env, WorkingDir, DetachKeys...), for tests
    Object.defineProperty(ex, 'request', { enumerable: false, value: JSON.parse(JSON.stringify(b)) });
    this.execs[id] = ex;
    c.execIds.push(id);
    return ex;
  }

  /**
   * Starts an exec. `sink` receives output (null when detached). Resolves to null, or to the start
   * error message (the process could not be created), after which the exec has ExitCode 126.
   */
  startExec(ex, sink) {
    const c = this.containers[ex.containerId];
    if (!c) throw new EngineError(404, `No such container: ${ex.containerId}`);
    if (ex.exitCode !== null) throw new EngineError(409, `Error: Exec command ${ex.id} has already run`);
    if (ex.running) throw new EngineError(409, `Error: Exec command ${ex.id} is already running`);
    if (!c.state.running) throw new EngineError(409, this.notRunningMessage(c.id));
    const user = resolveUser(ex.user || c.config.User, c.rt.image);
    const fail = (message, status) => {
      ex.exitCode = 126;
      ex.running = false;
      return { message, status };
    };
    const problem = this.userProblem(user);
    if (problem) return fail(hcsSyscallError(c.id, this.hcs.exec, problem, 0x52e, this.processConfigJson(ex.cmd, user)), 500);
    const env = this.programEnv(c, user, { tty: ex.tty, interactive: ex.attachStdin });
    const prog = runProgram(ex.cmd, env, 'exec');
    if (prog.notFound) {
      return fail(hcsSyscallError(c.id, this.hcs.exec, 'The system cannot find the file specified.', 0x2, this.processConfigJson(ex.cmd, user)), 400);
    }
    ex.running = true;
    ex.pid = 2000 + crypto.randomInt(9000);
    ex.rt.program = this.run(prog, {
      output: (stream, text) => {
        if (!sink) return;
        if ((stream === 1 && ex.attachStdout) || (stream === 2 && ex.attachStderr)) sink.write(stream, text);
      },
      exit: (code) => {
        ex.exitCode = code;
        ex.running = false;
        ex.rt.program = null;
        if (sink) sink.end();
      },
    });
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------------

class Router {
  constructor() {
    this.routes = [];
  }

  /**
   * Adds a route. `method` is a method or an array of them; `pattern` a path string (exact) or a RegExp
   * whose named groups become ctx.params. Paths are matched without the /vX.Y prefix and query string.
   * Later routes are tried after earlier ones; use `prepend` to override a default.
   */
  add(method, pattern, handler, { prepend = false } = {}) {
    const route = { methods: [].concat(method).map((m) => m.toUpperCase()), pattern, handler };
    if (prepend) this.routes.unshift(route);
    else this.routes.push(route);
    return this;
  }

  match(method, pathname) {
    for (const r of this.routes) {
      if (!r.methods.includes(method)) continue;
      if (typeof r.pattern === 'string') {
        if (r.pattern === pathname) return { route: r, params: {} };
      } else {
        const m = r.pattern.exec(pathname);
        if (m) {
          const params = {};
          for (const [k, v] of Object.entries(m.groups || {})) params[k] = decodeURIComponent(v);
          return { route: r, params };
        }
      }
    }
    return undefined;
  }
}

/** Headers a real engine puts on every answer. */
function commonHeaders(state) {
  return {
    'Api-Version': state.apiVersion,
    'Docker-Experimental': String(state.experimental),
    Ostype: state.osType,
    Server: `Docker/${state.engineVersion} (${state.osType})`,
  };
}

function sendJson(ctx, status, body) {
  const text = JSON.stringify(body) + '\n';
  ctx.res.writeHead(status, Object.assign(commonHeaders(ctx.state), {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  }));
  ctx.res.end(text);
}

function sendText(ctx, status, text, extraHeaders) {
  ctx.res.writeHead(status, Object.assign(commonHeaders(ctx.state), {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  }, extraHeaders || {}));
  ctx.res.end(text);
}

/** An answer without a body (204, 304, a detached exec's 200). */
function sendEmpty(ctx, status) {
  ctx.res.writeHead(status, Object.assign(commonHeaders(ctx.state), status === 204 || status === 304 ? {} : { 'Content-Length': 0 }));
  ctx.res.end();
}

/** The engine's error shape: {"message": "..."}. */
function sendError(ctx, status, message) {
  sendJson(ctx, status, { message });
}

/** Reads a request body as JSON (undefined when empty). */
function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Reads the body of an upgraded request: what came with the headers, then the socket, up to Content-Length. */
function readUpgradeBody(req, socket, head) {
  const length = parseInt(req.headers['content-length'] || '0', 10) || 0;
  return new Promise((resolve) => {
    let buf = head || Buffer.alloc(0);
    const done = () => {
      socket.removeListener('data', onData);
      if (buf.length > length) socket.unshift(buf.subarray(length));
      resolve(buf.subarray(0, length));
    };
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= length) done();
    };
    if (buf.length >= length) return done();
    socket.on('data', onData);
  });
}

/** A ServerResponse look-alike writing plain HTTP/1.1 to a raw (upgraded) socket. */
class RawResponse {
  constructor(socket) {
    this.socket = socket;
    this.headersSent = false;
  }

  writeHead(status, headers) {
    let s = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] || ''}\r\n`;
    for (const [k, v] of Object.entries(Object.assign({ Connection: 'close' }, headers || {}))) s += `${k}: ${v}\r\n`;
    this.socket.write(s + '\r\n');
    this.headersSent = true;
    return this;
  }

  flushHeaders() {}

  write(data) {
    return this.socket.write(data);
  }

  end(data) {
    if (data !== undefined) this.socket.write(data);
    this.socket.end();
  }

  on(event, cb) {
    this.socket.on(event === 'close' ? 'close' : event, cb);
    return this;
  }
}

/** Output of an attach or exec: multiplexed frames (8-byte headers) unless the process has a tty. */
class StreamSink {
  constructor(target, { multiplexed, raw }) {
    this.target = target;
    this.multiplexed = multiplexed;
    this.raw = raw;
    this.closed = false;
    this.closeHandlers = [];
    const onClose = () => {
      if (this.closed) return;
      this.closed = true;
      for (const h of this.closeHandlers) h();
    };
    target.on('close', onClose);
    target.on('error', onClose);
  }

  write(stream, text) {
    if (this.closed) return;
    const data = Buffer.isBuffer(text) ? text : Buffer.from(String(text), 'utf8');
    if (this.multiplexed) {
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(data.length, 4);
      this.target.write(Buffer.concat([header, data]));
    } else this.target.write(data);
  }

  end() {
    if (this.closed) return;
    this.closed = true;
    this.target.end();
    for (const h of this.closeHandlers) h();
  }

  onClose(cb) {
    this.closeHandlers.push(cb);
  }
}

function boolParam(url, name) {
  const v = url.searchParams.get(name);
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function streamContentType(ctx, tty) {
  return !tty && compareVersions(ctx.version, '1.42') >= 0 ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream';
}

/**
 * Hijacks the connection: with `Upgrade` the 101 answer on the raw socket (as moby writes it), without
 * it a 200 raw-stream answer through the ordinary response. Returns a StreamSink.
 */
function hijack(ctx, { tty, withHeaders }) {
  const multiplexed = !tty;
  if (ctx.socket) {
    let s = `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${streamContentType(ctx, tty)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`;
    if (withHeaders) for (const [k, v] of Object.entries(commonHeaders(ctx.state))) s += `${k}: ${v}\r\n`;
    ctx.socket.write(s + '\r\n');
    ctx.hijacked = true;
    return new StreamSink(ctx.socket, { multiplexed, raw: true });
  }
  ctx.res.writeHead(200, Object.assign(commonHeaders(ctx.state), { 'Content-Type': 'application/vnd.docker.raw-stream' }));
  ctx.hijacked = true;
  return new StreamSink(ctx.res, { multiplexed, raw: false });
}

function pingHandler(ctx) {
  const headers = {
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Builder-Version': ctx.state.osType === 'windows' ? '1' : '2',
  };
  if (compareVersions(ctx.state.apiVersion, '1.48') >= 0) headers.Swarm = ctx.state.swarmHeader();
  sendText(ctx, 200, 'OK', headers);
}

// ---------------------------------------------------------------------------------------------------
// Container and exec JSON
// ---------------------------------------------------------------------------------------------------

function humanDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

function statusText(state, c) {
  const now = state.now().getTime();
  if (c.state.running) return `Up ${humanDuration(now - Date.parse(c.state.startedAt))}`;
  if (c.state.status === 'exited') return `Exited (${c.state.exitCode}) ${humanDuration(now - Date.parse(c.state.finishedAt))} ago`;
  return 'Created';
}

function networkSettings(c, net) {
  const running = c.state.running;
  return {
    Bridge: '',
    SandboxID: running ? c.id : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: running ? c.id : '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: {
      [net ? net.Name : 'nat']: {
        IPAMConfig: null,
        Links: null,
        Aliases: c.aliases || null,
        NetworkID: net ? net.Id : 'c1a2e8f0d3b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716050403020100',
        EndpointID: running ? crypto.createHash('sha256').update(`${c.id}#ep`).digest('hex') : '',
        Gateway: running ? '172.24.80.1' : '',
        IPAddress: running ? c.rt.ip : '',
        IPPrefixLen: running ? 20 : 0,
        IPv6Gateway: '',
        GlobalIPv6Address: '',
        GlobalIPv6PrefixLen: 0,
        MacAddress: running ? '00:15:5d:8e:2a:4c' : '',
        DriverOpts: null,
      },
    },
  };
}

function containerJson(state, c) {
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: {
      Status: c.state.status,
      Running: c.state.running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: c.state.pid,
      ExitCode: c.state.exitCode,
      Error: c.state.error,
      StartedAt: c.state.startedAt,
      FinishedAt: c.state.finishedAt,
    },
    Image: c.imageId,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: `${state.dockerRootDir}\\containers\\${c.id}\\${c.id}-json.log`,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: 'windowsfilter',
    Platform: 'windows',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: c.execIds.length ? [...c.execIds] : null,
    HostConfig: c.hostConfig,
    GraphDriver: { Data: { dir: `${state.dockerRootDir}\\windowsfilter\\${c.id}` }, Name: 'windowsfilter' },
    Mounts: [],
    Config: c.config,
    NetworkSettings: networkSettings(c, state.containerNetwork(c)),
  };
}

function containerSummary(state, c) {
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.config.Image,
    ImageID: c.imageId,
    Command: commandLine([c.path, ...c.args]),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: [],
    Labels: c.config.Labels || {},
    State: c.state.status,
    Status: statusText(state, c),
    HostConfig: { NetworkMode: c.hostConfig.NetworkMode || 'default' },
    NetworkSettings: { Networks: networkSettings(c, state.containerNetwork(c)).Networks },
    Mounts: [],
  };
}

function execJson(ex) {
  return {
    ID: ex.id,
    Running: ex.running,
    ExitCode: ex.exitCode,
    ProcessConfig: { tty: ex.tty, entrypoint: ex.cmd[0], arguments: ex.cmd.slice(1), privileged: ex.privileged, user: ex.user },
    OpenStdin: ex.attachStdin,
    OpenStderr: ex.attachStderr,
    OpenStdout: ex.attachStdout,
    CanRemove: false,
    ContainerID: ex.containerId,
    DetachKeys: '',
    Pid: ex.pid,
  };
}

/** docker ps filters: name, id, status. */
function matchesFilters(c, filters) {
  const values = (k) => {
    const v = filters[k];
    if (!v) return null;
    return Array.isArray(v) ? v : Object.keys(v).filter((x) => v[x]);
  };
  const names = values('name');
  if (names && !names.some((n) => new RegExp(n).test(`/${c.name}`))) return false;
  const ids = values('id');
  if (ids && !ids.some((i) => c.id.startsWith(i))) return false;
  const statuses = values('status');
  if (statuses && !statuses.includes(c.state.status)) return false;
  return matchesLabels((c.config && c.config.Labels) || {}, values('label'));
}

/** docker's label filters: `key` (present) or `key=value`, all must match. */
function matchesLabels(labels, wanted) {
  if (!wanted) return true;
  return wanted.every((w) => {
    const i = w.indexOf('=');
    return i < 0 ? Object.prototype.hasOwnProperty.call(labels, w) : labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

function parseFilters(url) {
  const f = url.searchParams.get('filters');
  if (!f) return {};
  try {
    return JSON.parse(f);
  } catch {
    throw new EngineError(400, `invalid filter: ${f}`);
  }
}

function filterValues(filters, k) {
  const v = filters[k];
  if (!v) return null;
  return Array.isArray(v) ? v : Object.keys(v).filter((x) => v[x]);
}

function networkJson(state, n) {
  const containers = {};
  for (const c of Object.values(state.containers)) {
    if (state.containerNetwork(c) === n && c.state.running) {
      containers[c.id] = { Name: c.name, EndpointID: crypto.createHash('sha256').update(`${c.id}#ep`).digest('hex'), MacAddress: '00:15:5d:8e:2a:4c', IPv4Address: `${c.rt.ip}/20`, IPv6Address: '' };
    }
  }
  return Object.assign({}, n, { Containers: containers });
}

function addNetworkRoutes(router) {
  const N = (rest) => new RegExp(`^/networks/(?<id>[^/]+)${rest}$`);
  router.add('GET', '/networks', (ctx) => {
    const filters = parseFilters(ctx.url);
    const names = filterValues(filters, 'name');
    const ids = filterValues(filters, 'id');
    const drivers = filterValues(filters, 'driver');
    const list = Object.values(ctx.state.networks).filter(
      (n) =>
        (!names || names.some((x) => n.Name.includes(x))) &&
        (!ids || ids.some((x) => n.Id.startsWith(x))) &&
        (!drivers || drivers.includes(n.Driver)) &&
        matchesLabels(n.Labels || {}, filterValues(filters, 'label')),
    );
    sendJson(ctx, 200, list.map((n) => networkJson(ctx.state, n)));
  });
  router.add('GET', N(''), (ctx) => sendJson(ctx, 200, networkJson(ctx.state, ctx.state.getNetwork(decodeURIComponent(ctx.params.id)))));
  router.add('POST', '/networks/create', async (ctx) => {
    const n = ctx.state.createNetwork(await ctx.body());
    sendJson(ctx, 201, { Id: n.Id, Warning: '' });
  });
  router.add('DELETE', N(''), (ctx) => {
    ctx.state.removeNetwork(decodeURIComponent(ctx.params.id));
    sendEmpty(ctx, 204);
  });
  // volumes: none are ever created here (compose lists its project's to remove them on `down -v`)
  router.add('GET', '/volumes', (ctx) => {
    parseFilters(ctx.url);
    sendJson(ctx, 200, { Volumes: [], Warnings: null });
  });
  router.add('POST', N('/(?:connect|disconnect)'), async (ctx) => {
    ctx.state.getNetwork(decodeURIComponent(ctx.params.id));
    await ctx.body();
    sendEmpty(ctx, 200);
  });
}

// ---------------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------------

/** The routes every engine has. */
function addDefaultRoutes(router) {
  router.add(['GET', 'HEAD'], '/_ping', pingHandler);
  router.add('GET', '/version', (ctx) => sendJson(ctx, 200, ctx.state.version));
  router.add('GET', '/info', (ctx) => sendJson(ctx, 200, ctx.state.liveInfo()));
  return router;
}

const C = (rest) => new RegExp(`^/containers/(?<id>[^/]+)${rest}$`);

function addImageRoutes(router) {
  router.add('GET', '/images/json', (ctx) =>
    sendJson(
      ctx,
      200,
      [...ctx.state.images.values()].map((img) => ({
        Containers: -1,
        Created: Math.floor(Date.parse(img.created) / 1000),
        Id: img.id,
        Labels: null,
        ParentId: '',
        RepoDigests: [],
        RepoTags: [img.name],
        SharedSize: -1,
        Size: img.size,
      })),
    ),
  );
  router.add('GET', /^\/images\/(?<name>.+)\/json$/, (ctx) => {
    const img = ctx.state.findImage(ctx.params.name);
    if (!img) throw ctx.state.noSuchImage(ctx.params.name);
    sendJson(ctx, 200, imageInspectJson(img));
  });
  router.add('POST', '/images/create', (ctx) => {
    // No registry is reachable from the lab: the engine fails the way an offline Windows host does.
    const from = ctx.url.searchParams.get('fromImage') || '';
    const tag = ctx.url.searchParams.get('tag') || '';
    const ref = normalizeImageRef(tag && !from.includes('@') ? `${from}:${tag}` : from);
    const host = ref.domain === 'docker.io' ? 'registry-1.docker.io' : ref.domain;
    const url = `https://${host}/v2/`;
    const quoted = compareVersions(ctx.state.engineVersion, '20.10') >= 0 ? `"${url}"` : url;
    throw new EngineError(500, `Get ${quoted}: dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`);
  });
}

function addContainerRoutes(router) {
  router.add('POST', '/containers/create', async (ctx) => {
    const body = await ctx.body();
    const c = ctx.state.createContainer(body, ctx.url.searchParams.get('name'));
    sendJson(ctx, 201, { Id: c.id, Warnings: compareVersions(ctx.state.engineVersion, '19.03') >= 0 ? [] : null });
  });
  router.add('GET', '/containers/json', (ctx) => {
    const all = boolParam(ctx.url, 'all');
    const filters = parseFilters(ctx.url);
    let list = Object.values(ctx.state.containers)
      .filter((c) => (all || c.state.running) && matchesFilters(c, filters))
      .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    const limit = parseInt(ctx.url.searchParams.get('limit') || '', 10);
    if (limit > 0) list = list.slice(0, limit);
    sendJson(ctx, 200, list.map((c) => containerSummary(ctx.state, c)));
  });
  router.add('GET', C('/json'), (ctx) => sendJson(ctx, 200, containerJson(ctx.state, ctx.state.getContainer(ctx.params.id))));
  router.add('POST', C('/start'), async (ctx) => {
    const c = ctx.state.getContainer(ctx.params.id);
    await ctx.state.startContainer(c);
    sendEmpty(ctx, 204);
  });
  router.add('POST', C('/stop'), (ctx) => {
    ctx.state.stopContainer(ctx.state.getContainer(ctx.params.id));
    sendEmpty(ctx, 204);
  });
  router.add('POST', C('/restart'), async (ctx) => {
    const c = ctx.state.getContainer(ctx.params.id);
    if (c.state.running) ctx.state.stopContainer(c);
    await ctx.state.startContainer(c);
    sendEmpty(ctx, 204);
  });
  router.add('POST', C('/kill'), (ctx) => {
    ctx.state.killContainer(ctx.state.getContainer(ctx.params.id), ctx.params.id);
    sendEmpty(ctx, 204);
  });
  router.add('DELETE', C(''), (ctx) => {
    ctx.state.removeContainer(ctx.state.getContainer(ctx.params.id), boolParam(ctx.url, 'force'));
    sendEmpty(ctx, 204);
  });
  router.add('POST', C('/resize'), (ctx) => {
    ctx.state.getContainer(ctx.params.id);
    sendEmpty(ctx, 200);
  });
  router.add('POST', C('/wait'), (ctx) => {
    const c = ctx.state.getContainer(ctx.params.id);
    const condition = ctx.url.searchParams.get('condition') || 'not-running';
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw new EngineError(400, `invalid condition: ${goQuote(condition)}`);
    const headers = Object.assign(commonHeaders(ctx.state), { 'Content-Type': 'application/json' });
    const answer = (r) => {
      if (ctx.res.writableEnded) return;
      if (!ctx.res.headersSent) ctx.res.writeHead(200, headers);
      ctx.res.end(JSON.stringify(r) + '\n');
    };
    if (condition === 'not-running' && !c.state.running) return answer({ StatusCode: c.state.exitCode });
    const waiter = { condition, resolve: answer };
    c.rt.waiters.push(waiter);
    ctx.res.on('close', () => {
      c.rt.waiters = c.rt.waiters.filter((w) => w !== waiter);
    });
    // API 1.30+: the headers go out at once (the CLI waits for them before it starts the container)
    ctx.res.writeHead(200, headers);
    ctx.res.flushHeaders();
  });
  router.add('POST', C('/attach'), (ctx) => {
    const c = ctx.state.getContainer(ctx.params.id);
    const tty = Boolean(c.config.Tty);
    const sink = hijack(ctx, { tty, withHeaders: false });
    const a = { sink, stdout: boolParam(ctx.url, 'stdout'), stderr: boolParam(ctx.url, 'stderr') };
    if (boolParam(ctx.url, 'logs')) {
      for (const l of c.logs) if ((l.stream === 1 && a.stdout) || (l.stream === 2 && a.stderr)) sink.write(l.stream, l.text);
    }
    if (!boolParam(ctx.url, 'stream')) return sink.end();
    c.rt.attaches.add(a);
    sink.onClose(() => c.rt.attaches.delete(a));
  });
  router.add('GET', C('/logs'), (ctx) => {
    const c = ctx.state.getContainer(ctx.params.id);
    const stdout = boolParam(ctx.url, 'stdout');
    const stderr = boolParam(ctx.url, 'stderr');
    if (!stdout && !stderr) throw new EngineError(400, 'Bad parameters: you must choose at least one stream');
    const tty = Boolean(c.config.Tty);
    const timestamps = boolParam(ctx.url, 'timestamps');
    ctx.res.writeHead(200, Object.assign(commonHeaders(ctx.state), { 'Content-Type': streamContentType(ctx, tty) }));
    const sink = new StreamSink(ctx.res, { multiplexed: !tty, raw: false });
    const emit = (l) => {
      if ((l.stream === 1 && stdout) || (l.stream === 2 && stderr)) sink.write(l.stream, timestamps ? `${l.time} ${l.text}` : l.text);
    };
    let entries = c.logs;
    const tail = ctx.url.searchParams.get('tail');
    if (tail && tail !== 'all' && /^\d+$/.test(tail)) entries = entries.slice(Math.max(0, entries.length - Number(tail)));
    entries.forEach(emit);
    if (boolParam(ctx.url, 'follow') && c.state.running) {
      const a = { sink: { write: (stream, text) => emit({ stream, text, time: ctx.state.now().toISOString() }), end: () => sink.end() }, stdout: true, stderr: true };
      c.rt.attaches.add(a);
      sink.onClose(() => c.rt.attaches.delete(a));
      return;
    }
    sink.end();
  });
}

function addExecRoutes(router) {
  router.add('POST', C('/exec'), async (ctx) => {
    const c = ctx.state.getContainer(ctx.params.id);
    const body = await ctx.body();
    const ex = ctx.state.createExec(c, body);
    sendJson(ctx, 201, { Id: ex.id });
  });
  router.add('POST', /^\/exec\/(?<id>[^/]+)\/start$/, async (ctx) => {
    const body = (await ctx.body()) || {};
    const ex = ctx.state.execs[ctx.params.id];
    if (!ex) throw new EngineError(404, `No such exec instance: ${ctx.params.id}`);
    if (body.Detach) {
      const failed = ctx.state.startExec(ex, null);
      if (failed) throw new EngineError(failed.status, failed.message);
      return sendEmpty(ctx, 200);
    }
    // the checks moby makes before it hijacks
    const c = ctx.state.containers[ex.containerId];
    if (ex.exitCode !== null) throw new EngineError(409, `Error: Exec command ${ex.id} has already run`);
    if (!c || !c.state.running) throw new EngineError(409, ctx.state.notRunningMessage(ex.containerId));
    const sink = hijack(ctx, { tty: Boolean(body.Tty || ex.tty), withHeaders: true });
    let failed;
    try {
      failed = ctx.state.startExec(ex, sink);
    } catch (e) {
      failed = { message: e.message };
    }
    if (failed) {
      sink.write(1, `${failed.message}\r\n`);
      sink.end();
      return;
    }
    sink.onClose(() => {
      if (ex.rt.program && !ex.rt.program.done) ex.rt.program.kill(STOP_EXIT_CODE);
    });
  });
  router.add('GET', /^\/exec\/(?<id>[^/]+)\/json$/, (ctx) => {
    const ex = ctx.state.execs[ctx.params.id];
    if (!ex) throw new EngineError(404, `No such exec instance: ${ctx.params.id}`);
    sendJson(ctx, 200, execJson(ex));
  });
  router.add('POST', /^\/exec\/(?<id>[^/]+)\/resize$/, (ctx) => {
    if (!ctx.state.execs[ctx.params.id]) throw new EngineError(404, `No such exec instance: ${ctx.params.id}`);
    sendEmpty(ctx, 200);
  });
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/**
 * Builds the engine (state + router + request handlers) without listening anywhere.
 * Options besides fixture/overrides: rootDir, images, registry, credentialSpecFiles, hypervHangMs,
 * domainControllers, imageOsCheck, now.
 */
function createWindowsEngine(opts = {}) {
  const { fixture, overrides } = opts;
  const data = typeof fixture === 'string' ? loadFixture(fixture) : fixture;
  if (!data) throw new Error('createWindowsEngine: a fixture (name or {info, version}) is required');
  const state = new EngineState(data, overrides, opts);
  const router = addDefaultRoutes(new Router());
  addImageRoutes(router);
  addContainerRoutes(router);
  addExecRoutes(router);
  addNetworkRoutes(router);

  async function dispatch(req, res, socket, head) {
    const url = new URL(req.url || '/', 'http://engine');
    let pathname = url.pathname.replace(/\/+$/, '') || '/';
    let apiVersion;
    const m = VERSION_PREFIX.exec(pathname);
    if (m) {
      apiVersion = m[1];
      pathname = m[2];
    }
    const method = (req.method || 'GET').toUpperCase();
    state.requests.push({ method, path: url.pathname + url.search, apiVersion });
    let bodyPromise;
    const ctx = {
      req,
      res,
      state,
      url,
      pathname,
      apiVersion,
      version: apiVersion || state.apiVersion,
      params: {},
      socket,
      hijacked: false,
      body() {
        bodyPromise ??= socket
          ? readUpgradeBody(req, socket, head).then((b) => (b.toString('utf8').trim() === '' ? undefined : JSON.parse(b.toString('utf8'))))
          : readJson(req);
        return bodyPromise.catch((e) => {
          throw new EngineError(400, `invalid JSON: ${e.message}`);
        });
      },
    };

    if (apiVersion !== undefined) {
      if (compareVersions(apiVersion, state.apiVersion) > 0) {
        return sendError(ctx, 400, `client version ${apiVersion} is too new. Maximum supported API version is ${state.apiVersion}`);
      }
      if (compareVersions(apiVersion, state.minApiVersion) < 0) {
        return sendError(
          ctx,
          400,
          `client version ${apiVersion} is too old. Minimum supported API version is ${state.minApiVersion}, please upgrade your client to a newer version`,
        );
      }
    }
    const found = router.match(method, pathname);
    if (process.env.GMSA_STANDIN_TRACE) process.stderr.write(`windows-engine: ${method} ${url.pathname}${url.search}${found ? '' : ' -> 404'}\n`);
    if (!found) return sendError(ctx, 404, 'page not found');
    ctx.params = found.params;
    try {
      await found.route.handler(ctx);
    } catch (err) {
      if (ctx.hijacked) {
        if (socket) socket.destroy();
        else res.end();
        return;
      }
      const status = err instanceof EngineError ? err.status : 500;
      if (!res.headersSent) {
        if (status === 304) sendEmpty(ctx, 304);
        else sendError(ctx, status, String((err && err.message) || err));
      } else if (typeof res.destroy === 'function') res.destroy(err);
      else if (socket) socket.destroy();
    }
  }

  function handle(req, res) {
    return dispatch(req, res, undefined, undefined);
  }

  /** The server's 'upgrade' event: hijacked attach and exec start (and anything else sent with Upgrade). */
  function handleUpgrade(req, socket, head) {
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return dispatch(req, new RawResponse(socket), socket, head);
  }

  return { state, router, handle, handleUpgrade };
}

/**
 * Starts the stand-in on a unix socket (a stale socket file is replaced).
 * Resolves to { socketPath, close(), state, router, requests }.
 */
function startWindowsEngine(opts = {}) {
  const { socketPath } = opts;
  if (!socketPath) return Promise.reject(new Error('startWindowsEngine: socketPath is required'));
  let engine;
  try {
    engine = createWindowsEngine(opts);
  } catch (err) {
    return Promise.reject(err);
  }
  const server = http.createServer((req, res) => {
    engine.handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    engine.handleUpgrade(req, socket, head);
  });
  try {
    if (fs.statSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
  } catch {
    // nothing there
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.removeListener('error', reject);
      let closed;
      resolve({
        socketPath,
        state: engine.state,
        router: engine.router,
        requests: engine.state.requests,
        server,
        close() {
          closed ??= new Promise((done) => {
            engine.state.shutdown();
            server.close(() => {
              try {
                fs.unlinkSync(socketPath);
              } catch {
                // already gone
              }
              done();
            });
            if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
          });
          return closed;
        },
      });
    });
  });
}

function usage() {
  return [
    'usage: node test/support/windows-engine.js --socket PATH --fixture NAME [options]',
    '',
    'options:',
    '  --api-version X.Y          the engine API version',
    '  --isolation process|hyperv the default isolation',
    '  --build N                  the Windows build (rewrites KernelVersion/OSVersion)',
    '  --root-dir DIR             a local folder playing C:\\ProgramData\\docker (specs in DIR/CredentialSpecs)',
    '  --image NAME               a local image besides the defaults (repeatable)',
    '  --no-default-images        only the --image ones',
    '  --registry-spec NAME=FILE  a registry:// credential spec value (repeatable; creates the key)',
    '  --hyperv-hang-ms N         how long a "hanging" Hyper-V + gMSA start takes to fail (default 2000)',
    '  --dc DOMAIN=HOST           the DC nltest and klist name for DOMAIN (default dc01.DOMAIN)',
    '  --no-image-os-check        run images whatever their Windows build (Windows itself refuses)',
    '',
    `fixtures (${FIXTURE_DIR}):`,
    ...listFixtures().map((f) => `  ${f}`),
  ].join('\n');
}

async function main(argv) {
  const opts = { images: [], registry: undefined, dcs: {} };
  let defaults = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : argv[++i]);
    switch (key) {
      case '--socket':
        opts.socket = value();
        break;
      case '--fixture':
        opts.fixture = value();
        break;
      case '--api-version':
        opts.apiVersion = value();
        break;
      case '--isolation':
        opts.isolation = value();
        break;
      case '--build':
        opts.build = Number(value());
        break;
      case '--root-dir':
        opts.rootDir = value();
        break;
      case '--image':
        opts.images.push(value());
        break;
      case '--no-default-images':
        defaults = false;
        break;
      case '--no-image-os-check':
        opts.imageOsCheck = false;
        break;
      case '--registry-spec': {
        const v = value();
        const at = v.indexOf('=');
        if (at <= 0) throw new Error(`--registry-spec wants NAME=FILE, got ${v}`);
        opts.registry ??= {};
        opts.registry[v.slice(0, at)] = fs.readFileSync(v.slice(at + 1), 'utf8');
        break;
      }
      case '--hyperv-hang-ms':
        opts.hypervHangMs = Number(value());
        break;
      case '--dc': {
        const v = value();
        const at = v.indexOf('=');
        if (at <= 0) throw new Error(`--dc wants DOMAIN=HOST, got ${v}`);
        opts.dcs[v.slice(0, at)] = v.slice(at + 1);
        break;
      }
      case '-h':
      case '--help':
        process.stdout.write(usage() + '\n');
        return 0;
      default:
        process.stderr.write(`windows-engine: unknown argument ${a}\n${usage()}\n`);
        return 2;
    }
  }
  if (!opts.socket || !opts.fixture) {
    process.stderr.write(`windows-engine: --socket and --fixture are required\n${usage()}\n`);
    return 2;
  }
  const overrides = {};
  if (opts.apiVersion) overrides.apiVersion = opts.apiVersion;
  if (opts.isolation) overrides.info = { Isolation: opts.isolation };
  if (opts.build) overrides.build = opts.build;
  const engine = await startWindowsEngine({
    socketPath: opts.socket,
    fixture: opts.fixture,
    overrides,
    rootDir: opts.rootDir,
    images: defaults ? [...DEFAULT_IMAGES, ...opts.images] : opts.images,
    registry: opts.registry,
    hypervHangMs: opts.hypervHangMs,
    domainControllers: opts.dcs,
    imageOsCheck: opts.imageOsCheck,
  });
  process.stdout.write(
    `windows-engine: listening on unix://${engine.socketPath} (fixture ${opts.fixture}, API ${engine.state.apiVersion}, build ${engine.state.build}, root ${engine.state.dockerRootDir})\n`,
  );
  await new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await engine.close();
  return 0;
}

module.exports = {
  FIXTURE_DIR,
  DEFAULT_IMAGES,
  CREDSPEC_MESSAGES,
  ERR_INVALID_SECOPT,
  ERR_INVALID_SECOPT_LEGACY,
  loadFixture,
  listFixtures,
  EngineState,
  EngineError,
  Router,
  createWindowsEngine,
  startWindowsEngine,
  normalizeImageRef,
  analyzeCredentialSpec,
  sendJson,
  sendText,
  sendError,
  readJson,
  compareVersions,
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`windows-engine: ${err && err.message ? err.message : err}\n`);
      process.exit(1);
    },
  );
}
