/**
 * The Engine API client: JSON over HTTP to the endpoint resolved the docker CLI's way (engine/endpoint.ts),
 * with Node's http (https for TLS endpoints), loaded on the first request. Every call this tool makes is
 * a plain request with a JSON answer, so there is no Docker SDK: loading dockerode and docker-modem was
 * profiled at about half of what `run --dry-run` cost on top of Node's own start.
 *
 * Paths are unversioned, as the docker SDK for Node sends them: the engine answers with its own API
 * version. A path prefix (tcp://host:port/prefix) is not used.
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { ConflictError, EngineError, UnsupportedEngineError, type GmsaError } from '../errors';
import { describeEndpoint, type ResolvedEndpoint } from './endpoint';
import { trustFor } from '../util/trust';

/** What the rest of the tool uses of the engine. Methods resolve to the API's JSON bodies. */
export interface EngineClient {
  readonly endpoint: ResolvedEndpoint;
  /** GET /_ping: "OK". */
  ping(): Promise<string>;
  /** GET /info. */
  info(): Promise<any>;
  /** GET /version. */
  version(): Promise<any>;
  /** GET /containers/json (running ones unless all). */
  listContainers(all?: boolean): Promise<any[]>;
  /** GET /containers/{id}/json; undefined when there is no such container. */
  inspectContainer(idOrName: string): Promise<any | undefined>;
  /** POST /configs/create (swarm managers): the new config's ID. Data is the raw content (sent base64). */
  createConfig(spec: { Name: string; Labels?: Record<string, string>; Data: Buffer }): Promise<{ ID: string }>;
  /** GET /configs, with the API's filters (name, id, label: ["key" | "key=value"]). Each has Spec.Data (base64). */
  listConfigs(filters?: Record<string, string[]>): Promise<any[]>;
  /** GET /configs/{id}; undefined when there is no such config. */
  inspectConfig(idOrName: string): Promise<any | undefined>;
  /** DELETE /configs/{id}. */
  removeConfig(idOrName: string): Promise<void>;
  /** GET /services, with the API's filters (id, name, label, mode). */
  listServices(filters?: Record<string, string[]>): Promise<any[]>;
  /** GET /services/{id}; undefined when there is no such service. */
  inspectService(idOrName: string): Promise<any | undefined>;
  /** GET /nodes: every node of the swarm, with Description.Platform and Spec.Labels. */
  listNodes(): Promise<any[]>;
}

export interface EngineClientOptions {
  /** Per-request limit; 0 or undefined = no limit. */
  timeoutMs?: number;
  /** Environment of the ssh client for ssh:// endpoints (engine/ssh.ts). Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** How requests reach an endpoint: the http.request/https.request options besides method, path and headers (exported for tests). */
export interface Transport {
  protocol: 'http:' | 'https:';
  socketPath?: string;
  host?: string;
  port?: number;
  ca?: Buffer | string[];
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  /** No TLS, so no server name to indicate: set, it spares Node working one out (an IPv6 regular expression it compiles on first use). */
  servername?: string;
  agent?: Agent;
}

export function transport(ep: ResolvedEndpoint, opts: EngineClientOptions = {}): Transport {
  switch (ep.protocol) {
    case 'unix':
    case 'npipe':
      return { protocol: 'http:', socketPath: ep.socketPath ?? '', servername: '' };
    case 'tcp': {
      if (!ep.tls) return { protocol: 'http:', host: ep.hostname ?? 'localhost', port: ep.port ?? 2375, servername: '' };
      const t: Transport = { protocol: 'https:', host: ep.hostname ?? 'localhost', port: ep.port ?? 2376 };
      const trusted = trustFor(ep.tls.ca, ep.tls.verify);
      if (trusted) t.ca = trusted;
      if (ep.tls.cert) t.cert = ep.tls.cert;
      if (ep.tls.key) t.key = ep.tls.key;
      // SkipTLSVerify, --tls without --tlsverify
      if (!ep.tls.verify) t.rejectUnauthorized = false;
      return t;
    }
    case 'ssh': {
      // Plain HTTP over `ssh ... docker system dial-stdio`, as the docker CLI does (engine/ssh.ts); the
      // host in the request is a placeholder, the agent makes every connection.
      const { sshAgent } = require('./ssh') as typeof import('./ssh');
      return { protocol: 'http:', host: 'docker', servername: '', agent: sshAgent(ep, opts.env ?? process.env) };
    }
  }
}

interface EngineRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** An answer other than 2xx, shaped as mapEngineError reads it: the status and the engine's JSON. */
function httpError(status: number, text: string): Error {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const message = json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string' ? (json as { message: string }).message : text.trim() || `HTTP ${status}`;
  return Object.assign(new Error(message), { statusCode: status, json });
}

/** One request; resolves to the body (undefined when empty), parsed when the engine says it is JSON. */
function send(t: Transport, req: EngineRequest, signal: AbortSignal): Promise<unknown> {
  const http = (t.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:http');
  const query = req.query && Object.keys(req.query).length > 0 ? `?${new URLSearchParams(req.query).toString()}` : '';
  const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), 'utf8');
  const headers: Record<string, string | number> = body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {};
  const options: RequestOptions = { ...t, method: req.method, path: req.path + query, headers, signal };
  return new Promise((resolve, reject) => {
    const r: ClientRequest = http.request(options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(httpError(status, text));
        if (text === '') return resolve(undefined);
        if (!/\bjson\b/i.test(String(res.headers['content-type'] ?? ''))) return resolve(text);
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(new Error(`the engine's answer to ${req.method} ${req.path} is not JSON: ${(err as Error).message}`));
        }
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Builds a client for a resolved endpoint. Nothing is sent until a method is called. */
export function createEngineClient(ep: ResolvedEndpoint, opts: EngineClientOptions = {}): EngineClient {
  let t: Transport | undefined;
  const timeoutMs = opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : 0;

  const call = async <T>(action: string, req: EngineRequest): Promise<T> => {
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    try {
      return (await send((t ??= transport(ep, opts)), req, controller.signal)) as T;
    } catch (err) {
      throw mapEngineError(timedOut ? Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }) : err, ep, action, timeoutMs);
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  const get = <T>(action: string, path: string, query?: Record<string, string>): Promise<T> => call<T>(action, { method: 'GET', path, ...(query ? { query } : {}) });
  const filtersQuery = (filters: Record<string, string[]> | undefined): Record<string, string> | undefined =>
    filters && Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : undefined;
  const id = (idOrName: string): string => encodeURIComponent(idOrName);
  /** undefined for a 404 (no such object), the error otherwise. */
  const orMissing = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof EngineError && /\b404\b|not found|no such/i.test(err.message)) return undefined;
      throw err;
    }
  };
  return {
    endpoint: ep,
    ping: async () => String((await get<unknown>('ping', '/_ping')) ?? ''),
    info: () => get('read /info from', '/info'),
    version: () => get('read /version from', '/version'),
    listContainers: (all = false) => get('list the containers of', '/containers/json', all ? { all: '1' } : undefined),
    inspectContainer: async (idOrName) => {
      try {
        return await get(`inspect container ${idOrName} on`, `/containers/${id(idOrName)}/json`);
      } catch (err) {
        if (err instanceof EngineError && /\b404\b|no such container/i.test(err.message)) return undefined;
        throw err;
      }
    },
    createConfig: async (spec) => {
      const body = { Name: spec.Name, Labels: spec.Labels ?? {}, Data: spec.Data.toString('base64') };
      try {
        const created = await call<{ ID?: unknown } | undefined>(`create config ${spec.Name} on`, { method: 'POST', path: '/configs/create', body });
        return { ID: String(created?.ID ?? '') };
      } catch (err) {
        if (err instanceof EngineError && /\b409\b/.test(err.message)) {
          throw new ConflictError(
            `a swarm config named ${spec.Name} already exists on ${describeEndpoint(ep)}`,
            `Inspect it (docker config inspect ${spec.Name}); remove it if it is not in use (docker config rm ${spec.Name}).`,
          );
        }
        throw err;
      }
    },
    listConfigs: (filters) => get('list the swarm configs of', '/configs', filtersQuery(filters)),
    inspectConfig: (idOrName) => orMissing(get(`inspect config ${idOrName} on`, `/configs/${id(idOrName)}`)),
    removeConfig: async (idOrName) => {
      await call(`remove config ${idOrName} from`, { method: 'DELETE', path: `/configs/${id(idOrName)}` });
    },
    listServices: (filters) => get('list the services of', '/services', filtersQuery(filters)),
    inspectService: (idOrName) => orMissing(get(`inspect service ${idOrName} on`, `/services/${id(idOrName)}`)),
    listNodes: () => get('list the nodes of', '/nodes'),
  };
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Turns whatever a request threw (a Node error, or an answer other than 2xx) into an EngineError that
 * names the endpoint and says what to try next. `action` completes "cannot <action> the Docker engine at ...".
 */
export function mapEngineError(err: unknown, ep: ResolvedEndpoint, action: string, timeoutMs = 0): GmsaError {
  if (err instanceof EngineError) return err;
  const where = describeEndpoint(ep);
  const e = (err ?? {}) as NodeJS.ErrnoException & { statusCode?: number; json?: unknown; reason?: string };
  const code = e.code ?? '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const local = ep.protocol === 'unix' || ep.protocol === 'npipe';
  const target = local ? ep.socketPath ?? ep.host : ep.host;
  const ctxHint = 'Check `docker context ls` and the -H/DOCKER_HOST/--context you are using.';

  if (typeof e.statusCode === 'number') {
    const j = e.json as { message?: unknown } | undefined;
    const engineMsg =
      j && typeof j === 'object' && typeof j.message === 'string'
        ? j.message
        : message.trim();
    if (e.statusCode === 503 && /swarm/i.test(engineMsg)) {
      // The swarm API (configs, services, nodes) answers only on a manager.
      const worker = /worker/i.test(engineMsg);
      return new UnsupportedEngineError(
        `the Docker engine at ${where} is not a swarm manager, so it cannot ${action.replace(/ (from|on|of)$/, '')}: ${engineMsg}`,
        worker
          ? 'It is a swarm worker: point docker at a manager (docker --context MANAGER gmsa ..., or -H), or promote this node from a manager (docker node promote NODE).'
          : 'Point docker at a swarm manager (docker --context MANAGER gmsa ..., or -H), or make this engine one (docker swarm init).',
      );
    }
    return new EngineError(
      `the Docker engine at ${where} answered ${e.statusCode} to ${action.replace(/ (from|on|of)$/, '')}: ${engineMsg}`,
      e.statusCode === 404
        ? 'The engine does not know this API call; it may be too old for this command.'
        : e.statusCode >= 500
          ? 'The engine reported an internal error: look at its log, and retry.'
          : 'Check the request, or run the equivalent docker command to compare.',
    );
  }

  if (code === 'ENOENT' && local) {
    return new EngineError(
      `cannot connect to the Docker engine at ${where}: ${target} does not exist`,
      ep.protocol === 'npipe'
        ? 'Is the Docker engine running (Get-Service docker)? ' + ctxHint
        : 'Is the Docker engine running? ' + ctxHint,
    );
  }
  if (code === 'ECONNREFUSED') {
    return new EngineError(
      `cannot connect to the Docker engine at ${where}: connection refused`,
      local
        ? `Nothing is listening on ${target}: is the Docker engine running? ${ctxHint}`
        : `Is the engine running and listening on ${ep.hostname}:${ep.port}? ${ctxHint}`,
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new EngineError(
      `cannot connect to the Docker engine at ${where}: permission denied on ${target}`,
      ep.protocol === 'npipe'
        ? 'Run from an elevated prompt, or ask for access to the docker pipe (the docker-users group).'
        : 'Run as a member of the docker group (or with sudo), or fix the permissions of the socket.',
    );
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || e.name === 'AbortError' || code === 'ABORT_ERR') {
    return new EngineError(
      `the Docker engine at ${where} did not answer${timeoutMs > 0 ? ` within ${Math.round(timeoutMs / 1000)}s` : ''}`,
      `Is the engine reachable and healthy (try \`docker version\`)? ${ctxHint}`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new EngineError(
      `cannot connect to the Docker engine at ${where}: host name ${ep.hostname ?? ''} does not resolve`,
      `Check the host name. ${ctxHint}`,
    );
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new EngineError(
      `cannot talk to the Docker engine at ${where}: ${code === 'ECONNRESET' || code === 'EPIPE' ? 'the connection was closed' : 'the host is unreachable'}`,
      ep.protocol === 'tcp' && !ep.tls
        ? `If the engine expects TLS, use --tlsverify (or a context with TLS). ${ctxHint}`
        : `Check the network path to the engine. ${ctxHint}`,
    );
  }
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(message)) {
    return new EngineError(
      `TLS failure talking to the Docker engine at ${where}: ${message}`,
      'Check the CA, certificate and key (--tlscacert/--tlscert/--tlskey, DOCKER_CERT_PATH or the context\'s TLS files), and that the engine\'s certificate matches its host name.',
    );
  }
  if (ep.protocol === 'ssh' || /ssh|authentication|handshake/i.test(message)) {
    return new EngineError(
      `cannot connect to the Docker engine at ${where} over ssh: ${message}`,
      'Check that `ssh ' + (ep.port !== undefined ? `-p ${ep.port} ` : '') + (ep.username ? `${ep.username}@` : '') + `${ep.hostname ?? ''} docker version\` works without a prompt (a key in ssh-agent or ~/.ssh, the host in known_hosts).`,
    );
  }
  return new EngineError(`cannot ${action} the Docker engine at ${where}: ${message}`, `Is the engine running and reachable? ${ctxHint}`);
}
