/**
 * Which Docker engine does this invocation talk to? The answer follows the docker CLI's own rules, so
 * that `docker gmsa ...` reaches the same engine as `docker ...` with the same flags and environment:
 *
 *   1. `--context NAME` (may not be combined with `-H`)
 *   2. `-H HOST`, else `DOCKER_HOST`: both mean the context "default"
 *   3. `DOCKER_CONTEXT`
 *   4. `currentContext` in `<configDir>/config.json`
 *   5. the context "default": the platform's local socket, or tcp://localhost:2376 when TLS is on
 *
 * The context "default" is never stored: it is made of -H/DOCKER_HOST and the TLS flags/variables.
 * Stored contexts live in `<configDir>/contexts/meta/<sha256(name)>/meta.json`, with their TLS files in
 * `<configDir>/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem`.
 *
 * Everything here is synchronous and reads files only through an {@link EndpointFs}, so tests can point
 * it at temporary directories and other platforms' conventions can be exercised on any machine.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as nodePath from 'path';
import { DockerConfigError, NotFoundError, UsageError } from '../errors';
import type { DockerGlobals } from './globals';

/** What decided the endpoint. */
export type EndpointSource =
  /** `-H/--host` */
  | 'flag'
  /** `DOCKER_HOST` */
  | 'env'
  /** `--context` */
  | 'context-flag'
  /** `DOCKER_CONTEXT` */
  | 'context-env'
  /** `currentContext` in config.json */
  | 'context-config'
  /** nothing was configured */
  | 'default';

export type EndpointProtocol = 'unix' | 'npipe' | 'tcp' | 'ssh';

/** TLS material for a tcp endpoint. Buffers hold PEM text as read from disk. */
export interface EndpointTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** false when the server certificate must not be verified (SkipTLSVerify, or --tls without --tlsverify). */
  verify: boolean;
}

/** A parsed, normalised Docker host address. */
export interface ParsedHost {
  /** Normalised address, e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`. */
  host: string;
  protocol: EndpointProtocol;
  /** unix and npipe: the path to hand to Node's net module (`//./pipe/docker_engine` for a pipe). */
  socketPath?: string;
  /** tcp and ssh: the host name or address (IPv6 without brackets). */
  hostname?: string;
  /** tcp: always set (default 2375). ssh: only when the address names one. */
  port?: number;
  /** tcp: a path prefix for API calls ('' when none). */
  pathPrefix?: string;
  /** ssh: the user name, when the address names one. */
  username?: string;
  /** ssh: the engine's socket on the remote host (ssh://HOST/PATH), when the address names one. */
  remoteSocket?: string;
}

export interface ResolvedEndpoint extends ParsedHost {
  /** The docker context in effect ("default" for -H, DOCKER_HOST and the built-in default). */
  contextName: string;
  source: EndpointSource;
  /** TLS settings; only for tcp endpoints that use TLS (sockets and ssh never do). */
  tls?: EndpointTls;
  /** True when TLS is used without verifying the server certificate. */
  skipTLSVerify: boolean;
  /** The client configuration directory that was consulted. */
  configDir: string;
  /** The meta.json a stored context was read from. */
  contextMetaPath?: string;
  /** Things the docker CLI would print as warnings (e.g. an unparsable config.json). */
  warnings: string[];
}

/** The file-system access resolution needs. Errors must be Node errno exceptions (code ENOENT...). */
export interface EndpointFs {
  readFile(path: string): Buffer;
  /** false only when the path does not exist (other stat failures count as existing). */
  exists(path: string): boolean;
}

export const nodeEndpointFs: EndpointFs = {
  readFile: (p) => fs.readFileSync(p),
  exists: (p) => {
    try {
      fs.statSync(p);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code !== 'ENOENT' && code !== 'ENOTDIR';
    }
  },
};

export const DEFAULT_CONTEXT = 'default';
export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
export const DEFAULT_NAMED_PIPE = '//./pipe/docker_engine';
const DEFAULT_HTTP_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

const HOST_FORMS_HINT =
  'Use unix:///path/to/docker.sock, npipe:////./pipe/docker_engine, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT].';

function pathApi(platform: NodeJS.Platform): nodePath.PlatformPath {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v !== '' ? v : undefined;
}

/** The directory named by a context in the store: the sha256 of its name, in hex. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex');
}

/** The client configuration directory: `--config`, else DOCKER_CONFIG, else `<home>/.docker`. */
export function resolveConfigDir(
  globals: Pick<DockerGlobals, 'config'>,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  homedir: string,
): string {
  return nonEmpty(globals.config) ?? nonEmpty(env.DOCKER_CONFIG) ?? pathApi(platform).join(homedir, '.docker');
}

/** The engine address the CLI uses when nothing is configured. */
export function defaultHost(platform: NodeJS.Platform, tls = false): ParsedHost {
  if (tls) {
    return { host: `tcp://localhost:${DEFAULT_TLS_PORT}`, protocol: 'tcp', hostname: 'localhost', port: DEFAULT_TLS_PORT, pathPrefix: '' };
  }
  if (platform === 'win32') {
    return { host: `npipe://${DEFAULT_NAMED_PIPE}`, protocol: 'npipe', socketPath: DEFAULT_NAMED_PIPE };
  }
  return { host: `unix://${DEFAULT_UNIX_SOCKET}`, protocol: 'unix', socketPath: DEFAULT_UNIX_SOCKET };
}

/** Where a host value came from, for messages: `-H`, `DOCKER_HOST`, or a context. */
export interface HostOrigin {
  /** e.g. `-H`, `DOCKER_HOST`, `context "prod"` */
  label: string;
  /** How to fix it. */
  hint?: string;
}

function badHost(value: string, origin: HostOrigin, reason: string): DockerConfigError {
  return new DockerConfigError(
    `${origin.label} "${value}" is not a valid Docker host: ${reason}`,
    origin.hint ?? HOST_FORMS_HINT,
  );
}

/**
 * Parses a Docker host address the way the docker CLI validates `-H` and DOCKER_HOST: `unix://PATH`
 * (empty path = /var/run/docker.sock), `npipe://PATH` (empty = //./pipe/docker_engine),
 * `tcp://[HOST][:PORT][/PREFIX]` (host defaults to localhost, port to 2375, whether or not TLS is on:
 * only a completely empty value becomes tcp://localhost:2376 under TLS), a bare `HOST[:PORT]` (tcp), and
 * `ssh://[USER@]HOST[:PORT][/SOCKET]`. `fd://` is refused (it only makes sense for a daemon). An empty value is
 * the caller's business (see {@link defaultHost}).
 */
export function parseDockerHost(value: string, origin: HostOrigin): ParsedHost {
  const addr = value.trim();
  if (addr === '') throw badHost(value, origin, 'the value is empty');
  const sep = addr.indexOf('://');
  let proto: string;
  let rest: string;
  if (sep < 0) {
    if (addr.startsWith('/') || addr.includes('\\')) {
      throw new DockerConfigError(
        `${origin.label} "${value}" is not a valid Docker host: it looks like a socket path but has no scheme`,
        origin.hint ?? `Write it as unix://${addr.replace(/\\/g, '/')} (or npipe://... for a named pipe).`,
      );
    }
    proto = 'tcp';
    rest = addr;
  } else {
    proto = addr.slice(0, sep);
    rest = addr.slice(sep + 3);
  }
  switch (proto) {
    case 'unix':
    case 'npipe': {
      if (rest.includes('://')) throw badHost(value, origin, `only one scheme is allowed (expected ${proto}://PATH)`);
      const socketPath = rest !== '' ? rest : proto === 'unix' ? DEFAULT_UNIX_SOCKET : DEFAULT_NAMED_PIPE;
      return { host: `${proto}://${socketPath}`, protocol: proto, socketPath };
    }
    case 'tcp':
      return parseTcp(value, rest, origin);
    case 'ssh':
      return parseSsh(value, addr, origin);
    case 'fd':
      throw new DockerConfigError(
        `${origin.label} "${value}" uses fd://, which docker gmsa does not support: fd:// is a daemon-side (socket activation) address`,
        origin.hint ?? `Point it at the engine's socket instead, e.g. unix://${DEFAULT_UNIX_SOCKET}.`,
      );
    default:
      throw badHost(
        value,
        origin,
        proto === '' ? 'the scheme is missing before "://"' : `unknown scheme "${proto}://"`,
      );
  }
}

function parseTcp(original: string, rest: string, origin: HostOrigin): ParsedHost {
  if (rest.includes('://')) throw badHost(original, origin, 'only one scheme is allowed (expected tcp://HOST:PORT)');
  if (rest === '') {
    return { host: `tcp://localhost:${DEFAULT_HTTP_PORT}`, protocol: 'tcp', hostname: 'localhost', port: DEFAULT_HTTP_PORT, pathPrefix: '' };
  }
  if (/[?#]/.test(rest)) throw badHost(original, origin, 'query strings and fragments are not allowed');
  if (/\s/.test(rest)) throw badHost(original, origin, 'it contains white space');
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathPrefix = slash < 0 ? '' : rest.slice(slash);
  if (authority.includes('@')) throw badHost(original, origin, 'a tcp address cannot carry a user name');

  let hostname: string;
  let portText: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw badHost(original, origin, `missing "]" after the IPv6 address`);
    hostname = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after === '') portText = '';
    else if (after.startsWith(':')) portText = after.slice(1);
    else throw badHost(original, origin, `unexpected "${after}" after the IPv6 address`);
    if (!/^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(hostname)) throw badHost(original, origin, `"${hostname}" is not an IPv6 address`);
  } else {
    const colons = authority.split(':').length - 1;
    if (colons > 1) throw badHost(original, origin, 'an IPv6 address must be written in brackets, e.g. tcp://[::1]:2375');
    const colon = authority.indexOf(':');
    hostname = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? '' : authority.slice(colon + 1);
    if (hostname !== '' && !/^[A-Za-z0-9._-]+$/.test(hostname)) {
      throw badHost(original, origin, `"${hostname}" is not a valid host name`);
    }
  }
  if (hostname === '') hostname = 'localhost';
  let port = DEFAULT_HTTP_PORT;
  if (portText !== '') {
    if (!/^\d+$/.test(portText)) throw badHost(original, origin, `invalid port "${portText}"`);
    port = Number(portText);
    if (port > 65535) throw badHost(original, origin, `port ${port} is out of range`);
  }
  const hostPart = hostname.includes(':') ? `[${hostname}]` : hostname;
  return { host: `tcp://${hostPart}:${port}${pathPrefix}`, protocol: 'tcp', hostname, port, pathPrefix };
}

function parseSsh(original: string, addr: string, origin: HostOrigin): ParsedHost {
  let url: URL;
  try {
    url = new URL(addr);
  } catch {
    throw badHost(original, origin, 'it is not a valid ssh URL');
  }
  if (url.password !== '') throw badHost(original, origin, 'a plain-text password is not supported (use an ssh key or agent)');
  if (url.search !== '') throw badHost(original, origin, 'query parameters are not allowed');
  if (url.hash !== '') throw badHost(original, origin, 'fragments are not allowed');
  let hostname = url.hostname;
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  if (hostname === '') throw badHost(original, origin, 'the host name is empty (ssh://[USER@]HOST[:PORT])');
  const result: ParsedHost = { host: addr, protocol: 'ssh', hostname };
  if (url.username !== '') result.username = decodeURIComponent(url.username);
  if (url.port !== '') result.port = Number(url.port);
  if (url.pathname !== '' && url.pathname !== '/') result.remoteSocket = decodeURIComponent(url.pathname);
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Resolution

interface TlsSettings {
  on: boolean;
  verify: boolean;
  caPath: string;
  certPath: string;
  keyPath: string;
  caExplicit: boolean;
  certExplicit: boolean;
  keyExplicit: boolean;
}

/**
 * TLS settings for the context "default", as the CLI computes them: `--tls` or DOCKER_TLS turn TLS on;
 * `--tlsverify` (given at all) or a non-empty DOCKER_TLS_VERIFY turn it on too, with verification as
 * given. File defaults live in DOCKER_CERT_PATH, else in DOCKER_CONFIG or ~/.docker (the CLI fixes these
 * defaults before it reads --config, so --config does not move them).
 */
function tlsSettings(globals: DockerGlobals, env: NodeJS.ProcessEnv, platform: NodeJS.Platform, homedir: string): TlsSettings {
  const p = pathApi(platform);
  const envVerify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
  const verify = globals.tlsVerify ?? envVerify;
  const on = globals.tls || nonEmpty(env.DOCKER_TLS) !== undefined || globals.tlsVerify !== undefined || verify;
  const certDir = nonEmpty(env.DOCKER_CERT_PATH) ?? nonEmpty(env.DOCKER_CONFIG) ?? p.join(homedir, '.docker');
  return {
    on,
    verify,
    caPath: nonEmpty(globals.tlsCaCert) ?? p.join(certDir, 'ca.pem'),
    certPath: nonEmpty(globals.tlsCert) ?? p.join(certDir, 'cert.pem'),
    keyPath: nonEmpty(globals.tlsKey) ?? p.join(certDir, 'key.pem'),
    caExplicit: nonEmpty(globals.tlsCaCert) !== undefined,
    certExplicit: nonEmpty(globals.tlsCert) !== undefined,
    keyExplicit: nonEmpty(globals.tlsKey) !== undefined,
  };
}

const TLS_FLAGS_HINT =
  'Pass --tlscacert/--tlscert/--tlskey, set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem, or drop --tls/--tlsverify (and DOCKER_TLS/DOCKER_TLS_VERIFY).';

function tlsReadError(err: unknown, path: string, what: string, hint: string): DockerConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (err as Error).message;
  return new DockerConfigError(`cannot read the TLS ${what} ${path}: ${reason}`, hint);
}

function readTlsFile(reader: EndpointFs, path: string, what: string, hint: string): Buffer {
  try {
    return reader.readFile(path);
  } catch (err) {
    throw tlsReadError(err, path, what, hint);
  }
}

function checkPem(data: Buffer, path: string, what: string, marker: RegExp, hint: string): void {
  if (!marker.test(data.toString('latin1'))) {
    throw new DockerConfigError(`the TLS ${what} ${path} does not contain a PEM ${what === 'key' ? 'private key' : 'certificate'}`, hint);
  }
}

const CERT_MARKER = /-----BEGIN CERTIFICATE-----/;
const KEY_MARKER = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

function pairClientCert(cert: Buffer | undefined, key: Buffer | undefined, where: string, warnings: string[]): { cert?: Buffer; key?: Buffer } {
  if (cert && key) return { cert, key };
  if (cert) warnings.push(`${where}: a client certificate without a key is ignored`);
  if (key) warnings.push(`${where}: a client key without a certificate is ignored`);
  return {};
}

function resolveDefaultContext(
  globals: DockerGlobals,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  homedir: string,
  reader: EndpointFs,
  base: { contextName: string; source: EndpointSource; configDir: string; warnings: string[] },
): ResolvedEndpoint {
  const t = tlsSettings(globals, env, platform, homedir);
  const flagHost = globals.hosts[0];
  const envHost = nonEmpty(env.DOCKER_HOST);
  let parsed: ParsedHost;
  if (flagHost !== undefined && flagHost.trim() !== '') {
    parsed = parseDockerHost(flagHost, { label: '-H' });
  } else if (flagHost === undefined && envHost !== undefined && envHost.trim() !== '') {
    parsed = parseDockerHost(envHost, {
      label: 'DOCKER_HOST',
      hint: `${HOST_FORMS_HINT} Or unset DOCKER_HOST to use the current docker context.`,
    });
  } else {
    parsed = defaultHost(platform, t.on);
  }

  const result: ResolvedEndpoint = { ...parsed, ...base, skipTLSVerify: false };
  if (!t.on) return result;

  // The CLI reads the TLS files whenever TLS is on (even for a socket, where it then ignores them).
  const ca = readTlsFile(reader, t.caPath, 'CA certificate', TLS_FLAGS_HINT);
  checkPem(ca, t.caPath, 'CA certificate', CERT_MARKER, TLS_FLAGS_HINT);
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if (t.certExplicit || reader.exists(t.certPath)) {
    cert = readTlsFile(reader, t.certPath, 'certificate', TLS_FLAGS_HINT);
    checkPem(cert, t.certPath, 'certificate', CERT_MARKER, TLS_FLAGS_HINT);
  }
  if (t.keyExplicit || reader.exists(t.keyPath)) {
    key = readTlsFile(reader, t.keyPath, 'key', TLS_FLAGS_HINT);
    checkPem(key, t.keyPath, 'key', KEY_MARKER, TLS_FLAGS_HINT);
  }
  result.skipTLSVerify = !t.verify;
  if (result.protocol === 'tcp') {
    result.tls = { ca, ...pairClientCert(cert, key, 'TLS', base.warnings), verify: t.verify };
  }
  return result;
}

function sourceHint(name: string, source: EndpointSource): string {
  const where =
    source === 'context-env'
      ? `DOCKER_CONTEXT names "${name}"; unset it or pick another with`
      : source === 'context-config'
        ? `"${name}" is the current context in config.json; switch with \`docker context use default\` or pick another with`
        : `Pick another with --context, see`;
  return `${where} \`docker context ls\`.`;
}

/** Looks a key up case-insensitively, as Go's encoding/json does when it fills a struct. */
function getField(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const rec = obj as Record<string, unknown>;
  if (key in rec) return rec[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}

function resolveStoredContext(
  name: string,
  platform: NodeJS.Platform,
  reader: EndpointFs,
  base: { contextName: string; source: EndpointSource; configDir: string; warnings: string[] },
): ResolvedEndpoint {
  const p = pathApi(platform);
  const id = contextDirName(name);
  const metaPath = p.join(base.configDir, 'contexts', 'meta', id, 'meta.json');
  const fixHint = `Recreate it: \`docker context rm ${name}\`, then \`docker context create ${name} --docker host=...\`.`;
  let raw: Buffer;
  try {
    raw = reader.readFile(metaPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotFoundError(`context "${name}" does not exist`, sourceHint(name, base.source));
    }
    throw new DockerConfigError(
      `cannot read context "${name}" (${metaPath}): ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message}`,
      'Check the permissions of the docker configuration directory.',
    );
  }
  let meta: unknown;
  try {
    meta = JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new DockerConfigError(`context "${name}" has an invalid meta.json (${metaPath}): ${(err as Error).message}`, fixHint);
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new DockerConfigError(`context "${name}" has an invalid meta.json (${metaPath}): not a JSON object`, fixHint);
  }
  const docker = getField(getField(meta, 'Endpoints'), 'docker');
  if (docker === undefined || docker === null) {
    throw new DockerConfigError(`context "${name}" has no docker endpoint (${metaPath})`, fixHint);
  }
  if (typeof docker !== 'object' || Array.isArray(docker)) {
    throw new DockerConfigError(`context "${name}" has an invalid docker endpoint (${metaPath})`, fixHint);
  }
  const hostField = getField(docker, 'Host');
  const skipField = getField(docker, 'SkipTLSVerify');
  if (hostField !== undefined && hostField !== null && typeof hostField !== 'string') {
    throw new DockerConfigError(`context "${name}" has an invalid docker endpoint (${metaPath}): Host is not a string`, fixHint);
  }
  if (skipField !== undefined && skipField !== null && typeof skipField !== 'boolean') {
    throw new DockerConfigError(`context "${name}" has an invalid docker endpoint (${metaPath}): SkipTLSVerify is not true or false`, fixHint);
  }
  const skip = skipField === true;
  const hostText = typeof hostField === 'string' ? hostField.trim() : '';
  let parsed: ParsedHost;
  if (hostText === '') {
    parsed = defaultHost(platform);
    base.warnings.push(`context "${name}" names no docker host; using ${parsed.host}`);
  } else {
    parsed = parseDockerHost(hostText, {
      label: `context "${name}" has a host`,
      hint: `Fix it with \`docker context update ${name} --docker host=...\` (${metaPath}).`,
    });
  }

  // TLS material stored with the context: whatever of ca.pem, cert.pem and key.pem is there.
  const tlsDir = p.join(base.configDir, 'contexts', 'tls', id, 'docker');
  const tlsHint = `Check the files in ${tlsDir}, or update the context with \`docker context update ${name} --docker ...\`.`;
  const readOptional = (file: string, what: string, marker: RegExp): Buffer | undefined => {
    const full = p.join(tlsDir, file);
    let data: Buffer;
    try {
      data = reader.readFile(full);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw tlsReadError(err, full, what, tlsHint);
    }
    checkPem(data, full, what, marker, tlsHint);
    return data;
  };
  const ca = readOptional('ca.pem', 'CA certificate', CERT_MARKER);
  const cert = readOptional('cert.pem', 'certificate', CERT_MARKER);
  const key = readOptional('key.pem', 'key', KEY_MARKER);
  const hasTlsData = ca !== undefined || cert !== undefined || key !== undefined;

  const result: ResolvedEndpoint = { ...parsed, ...base, contextMetaPath: metaPath, skipTLSVerify: skip };
  if (parsed.protocol === 'tcp' && (hasTlsData || skip)) {
    const tls: EndpointTls = { verify: !skip, ...pairClientCert(cert, key, `context "${name}"`, base.warnings) };
    if (ca) tls.ca = ca;
    result.tls = tls;
  }
  return result;
}

function readCurrentContext(configDir: string, platform: NodeJS.Platform, reader: EndpointFs, warnings: string[]): string | undefined {
  const file = pathApi(platform).join(configDir, 'config.json');
  let raw: Buffer;
  try {
    raw = reader.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') warnings.push(`cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
  let cfg: unknown;
  try {
    cfg = JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    warnings.push(`cannot parse ${file}: ${(err as Error).message}`);
    return undefined;
  }
  const current = getField(cfg, 'currentContext');
  return typeof current === 'string' && current !== '' ? current : undefined;
}

/**
 * Resolves the engine endpoint for this invocation (see the module comment for the order).
 *
 * Errors: UsageError for `--context` with `-H` and for more than one `-H`; DockerConfigError for a
 * malformed host, unreadable or invalid context metadata, or missing/invalid TLS files; NotFoundError
 * when the named context does not exist.
 */
export function resolveEndpoint(
  globals: DockerGlobals,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  homedir: string,
  reader: EndpointFs = nodeEndpointFs,
): ResolvedEndpoint {
  if (globals.hosts.length > 1) {
    throw new UsageError(`specify only one -H (got ${globals.hosts.length}: ${globals.hosts.join(', ')})`, 'Give a single -H/--host, or use --context.');
  }
  const context = nonEmpty(globals.context);
  if (context !== undefined && globals.hosts.length > 0) {
    throw new UsageError('conflicting options: cannot specify both --host and --context', 'Use either -H/--host or --context, not both.');
  }
  const configDir = resolveConfigDir(globals, env, platform, homedir);
  const warnings: string[] = [];
  // The CLI loads config.json on every run (and warns when it cannot), whatever decides the context.
  const current = readCurrentContext(configDir, platform, reader, warnings);

  let contextName: string;
  let source: EndpointSource;
  if (context !== undefined) {
    contextName = context;
    source = 'context-flag';
  } else if (globals.hosts.length > 0) {
    contextName = DEFAULT_CONTEXT;
    source = 'flag';
  } else if (nonEmpty(env.DOCKER_HOST) !== undefined) {
    contextName = DEFAULT_CONTEXT;
    source = 'env';
  } else if (nonEmpty(env.DOCKER_CONTEXT) !== undefined) {
    contextName = env.DOCKER_CONTEXT as string;
    source = 'context-env';
  } else if (current !== undefined) {
    contextName = current;
    source = 'context-config';
  } else {
    contextName = DEFAULT_CONTEXT;
    source = 'default';
  }

  const base = { contextName, source, configDir, warnings };
  if (contextName === DEFAULT_CONTEXT) return resolveDefaultContext(globals, env, platform, homedir, reader, base);
  return resolveStoredContext(contextName, platform, reader, base);
}

/** For people: `unix:///var/run/docker.sock (context "default")`, `tcp://h:2376 (context "default", from DOCKER_HOST)`. */
export function describeEndpoint(ep: Pick<ResolvedEndpoint, 'host' | 'contextName' | 'source'>): string {
  const from =
    ep.source === 'flag'
      ? ', from -H'
      : ep.source === 'env'
        ? ', from DOCKER_HOST'
        : ep.source === 'context-env'
          ? ', from DOCKER_CONTEXT'
          : '';
  return `${ep.host} (context "${ep.contextName}"${from})`;
}

/** True for a unix socket or a named pipe: the engine runs on this machine. */
export function isLocalEndpoint(ep: Pick<ResolvedEndpoint, 'protocol'>): boolean {
  return ep.protocol === 'unix' || ep.protocol === 'npipe';
}
