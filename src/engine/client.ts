/**
 * The Engine API client. This is the only module that loads dockerode, and it does so lazily inside
 * {@link createEngineClient}: the plugin's start-up path (the metadata handshake, help, completion)
 * must never pay for loading dockerode, docker-modem and ssh2.
 *
 * docker-modem reads DOCKER_HOST (and, when it is set, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
 * DOCKER_CLIENT_TIMEOUT, DOCKER_PATH_PREFIX and SSH_AUTH_SOCK) in its constructor, merges what it finds
 * under the explicit options, and throws on a DOCKER_HOST it cannot parse. The endpoint has already been
 * resolved the docker CLI's way, so the modem is built with DOCKER_HOST hidden from it: every setting
 * comes from the resolved endpoint.
 */
import type Dockerode from 'dockerode';
import { ConflictError, EngineError, UnsupportedEngineError, type GmsaError } from '../errors';
import { describeEndpoint, type ResolvedEndpoint } from './endpoint';

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

/** The options handed to `new Docker(...)` for an endpoint (exported for tests). */
export function dockerodeOptions(ep: ResolvedEndpoint, opts: EngineClientOptions = {}): Dockerode.DockerOptions {
  const env = opts.env ?? process.env;
  // No docker-modem `timeout`: it destroys the socket with a bare "socket hang up" that cannot be told
  // from a dropped connection. Each call runs under its own AbortSignal timer instead (createEngineClient).
  switch (ep.protocol) {
    case 'unix':
    case 'npipe':
      return { socketPath: ep.socketPath ?? '' };
    case 'tcp': {
      const o: Dockerode.DockerOptions = {
        host: ep.hostname ?? 'localhost',
        port: ep.port ?? 2375,
        protocol: ep.tls ? 'https' : 'http',
      };
      // A path prefix (tcp://host:port/prefix) is not passed on: docker-modem resolves every API path
      // as an absolute path, which would drop it anyway.
      if (ep.tls) {
        if (ep.tls.ca) o.ca = ep.tls.ca;
        if (ep.tls.cert) o.cert = ep.tls.cert;
        if (ep.tls.key) o.key = ep.tls.key;
        // Verification off (SkipTLSVerify, --tls without --tlsverify): buildDocker adds an https.Agent
        // with rejectUnauthorized: false, which docker-modem hands to https.request.
      }
      return o;
    }
    case 'ssh': {
      // Plain HTTP over `ssh ... docker system dial-stdio`, as the docker CLI does (engine/ssh.ts); the
      // host in the request URL is a placeholder, the agent makes every connection. Not docker-modem's
      // own ssh mode: it builds an invalid URL (ssh:HOST:PORTHOST) that Node warns about.
      const { sshAgent } = require('./ssh') as typeof import('./ssh');
      return { protocol: 'http', host: 'docker', agent: sshAgent(ep, env) } as Dockerode.DockerOptions;
    }
  }
}

/** Runs `fn` with DOCKER_HOST hidden from process.env (docker-modem's constructor reads it). */
function withoutDockerHost<T>(fn: () => T): T {
  const had = Object.prototype.hasOwnProperty.call(process.env, 'DOCKER_HOST');
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return fn();
  } finally {
    if (had) process.env.DOCKER_HOST = saved;
  }
}

function buildDocker(ep: ResolvedEndpoint, opts: EngineClientOptions): Dockerode {
  // Loaded here, never at module top level (start-up path).
  const Docker = require('dockerode') as typeof Dockerode;
  const options = dockerodeOptions(ep, opts);
  if (ep.protocol === 'tcp' && ep.tls && !ep.tls.verify) {
    // https.Agent with verification off: docker-modem passes `agent` through to https.request.
      const https = require('https') as typeof import('https');
    (options as Record<string, unknown>).agent = new https.Agent({ rejectUnauthorized: false });
  }
  return withoutDockerHost(() => new Docker(options));
}

/** Builds a client for a resolved endpoint. Nothing is sent until a method is called. */
export function createEngineClient(ep: ResolvedEndpoint, opts: EngineClientOptions = {}): EngineClient {
  let docker: Dockerode | undefined;
  const get = (): Dockerode => (docker ??= buildDocker(ep, opts));
  const timeoutMs = opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : 0;

  const call = async <T>(action: string, run: (d: Dockerode, signal: AbortSignal) => Promise<T>): Promise<T> => {
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
      return await run(get(), controller.signal);
    } catch (err) {
      throw mapEngineError(timedOut ? Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }) : err, ep, action, timeoutMs);
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  // dockerode accepts { abortSignal } on these calls; its type definitions do not declare the argument.
  type WithSignal = (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
  type WithOpts = (opts: object) => Promise<any>;
  const withFilters = (filters: Record<string, string[]> | undefined, signal: AbortSignal): object =>
    filters && Object.keys(filters).length > 0 ? { filters, abortSignal: signal } : { abortSignal: signal };
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
    ping: () =>
      call('ping', async (d, signal) => {
        const body = await (d.ping as unknown as WithSignal).call(d, { abortSignal: signal });
        return Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
      }),
    info: () => call('read /info from', (d, signal) => (d.info as unknown as WithSignal).call(d, { abortSignal: signal })),
    version: () => call('read /version from', (d, signal) => (d.version as unknown as WithSignal).call(d, { abortSignal: signal })),
    listContainers: (all = false) =>
      call('list the containers of', (d, signal) => (d.listContainers as unknown as (o: object) => Promise<any[]>).call(d, { all, abortSignal: signal })),
    inspectContainer: async (idOrName) => {
      try {
        return await call(`inspect container ${idOrName} on`, (d, signal) => (d.getContainer(idOrName).inspect as unknown as WithSignal).call(d.getContainer(idOrName), { abortSignal: signal }));
      } catch (err) {
        if (err instanceof EngineError && /\b404\b|no such container/i.test(err.message)) return undefined;
        throw err;
      }
    },
    createConfig: async (spec) => {
      const body = { Name: spec.Name, Labels: spec.Labels ?? {}, Data: spec.Data.toString('base64') };
      try {
        const created = await call(`create config ${spec.Name} on`, (d, signal) => (d.createConfig as unknown as WithOpts).call(d, { ...body, abortSignal: signal }));
        return { ID: String((created as { id?: unknown }).id ?? '') };
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
    listConfigs: (filters) =>
      call('list the swarm configs of', (d, signal) => (d.listConfigs as unknown as WithOpts).call(d, withFilters(filters, signal))),
    inspectConfig: (idOrName) =>
      orMissing(call(`inspect config ${idOrName} on`, (d, signal) => (d.getConfig(idOrName).inspect as unknown as WithSignal).call(d.getConfig(idOrName), { abortSignal: signal }))),
    removeConfig: async (idOrName) => {
      await call(`remove config ${idOrName} from`, (d, signal) => (d.getConfig(idOrName).remove as unknown as WithSignal).call(d.getConfig(idOrName), { abortSignal: signal }));
    },
    listServices: (filters) =>
      call('list the services of', (d, signal) => (d.listServices as unknown as WithOpts).call(d, withFilters(filters, signal))),
    inspectService: (idOrName) =>
      orMissing(call(`inspect service ${idOrName} on`, (d, signal) => (d.getService(idOrName).inspect as unknown as WithSignal).call(d.getService(idOrName), { abortSignal: signal }))),
    listNodes: () => call('list the nodes of', (d, signal) => (d.listNodes as unknown as WithOpts).call(d, { abortSignal: signal })),
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
 * Turns whatever dockerode/docker-modem/Node threw into an EngineError that names the endpoint and says
 * what to try next. `action` completes "cannot <action> the Docker engine at ...".
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
        : message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
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
