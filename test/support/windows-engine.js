'use strict';
/**
 * A stand-in Docker engine with a Windows personality, for tests and the lab.
 *
 * It listens on a unix socket and answers the Engine API from a recorded fixture
 * (test/fixtures/engines/<name>.json = { info, version }), well enough for dockerode and for the real
 * docker CLI's `docker version` / `docker info`:
 *   - GET/HEAD /_ping (unversioned, as the CLI pings before it negotiates) and /vX.Y/_ping: "OK" with
 *     the Api-Version, Ostype, Docker-Experimental and Builder-Version headers;
 *   - GET /version and /info, with or without a /vX.Y prefix;
 *   - a /vX.Y prefix above the engine's API version or below its minimum gets the engine's 400 answer;
 *   - anything else: 404 {"message":"page not found"}.
 *
 * Plain CommonJS without TypeScript so scripts can run it with plain node:
 *   node test/support/windows-engine.js --socket /tmp/win.sock --fixture windows-20348-engine-24.0
 * test/support/windows-engine.ts re-exports it with types.
 *
 * Structure, for later extension (containers, exec...): a Router of (method, pattern) -> handler;
 * handlers get a context { req, res, state, params, apiVersion, url } and use the reply helpers. The
 * engine state (info, version, anything added later) lives in one EngineState object.
 */
const fs = require('fs');
const http = require('http');
const path = require('path');

const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'engines');

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

/** Everything the engine "is". Later extensions keep their containers, exec sessions... here too. */
class EngineState {
  constructor(fixture, overrides) {
    const o = overrides || {};
    this.info = Object.assign({}, fixture.info, o.info || {});
    this.version = Object.assign({}, fixture.version, o.version || {});
    if (o.apiVersion) this.version.ApiVersion = o.apiVersion;
    if (o.minApiVersion) this.version.MinAPIVersion = o.minApiVersion;
    this.apiVersion = this.version.ApiVersion || '1.24';
    this.minApiVersion = this.version.MinAPIVersion || '1.24';
    this.osType = (this.info.OSType || this.version.Os || 'windows').toLowerCase();
    this.experimental = o.experimental === true;
    this.engineVersion = this.version.Version || this.info.ServerVersion || '0.0.0';
    /** Every request seen: { method, path, apiVersion }. */
    this.requests = [];
  }

  /** The Swarm header of newer engines (API 1.48+): "inactive", "active/manager", "active/worker". */
  swarmHeader() {
    const s = this.info.Swarm || {};
    const state = s.LocalNodeState || 'inactive';
    if (state !== 'active') return state;
    return `active/${s.ControlAvailable ? 'manager' : 'worker'}`;
  }
}

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
        if (m) return { route: r, params: m.groups || {} };
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

/** The engine's error shape: {"message": "..."}. */
function sendError(ctx, status, message) {
  sendJson(ctx, status, { message });
}

/** Reads a request body as JSON (undefined when empty). For the routes later extensions add. */
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

function pingHandler(ctx) {
  const headers = {
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Builder-Version': ctx.state.osType === 'windows' ? '1' : '2',
  };
  if (compareVersions(ctx.state.apiVersion, '1.48') >= 0) headers.Swarm = ctx.state.swarmHeader();
  sendText(ctx, 200, 'OK', headers);
}

/** The routes every engine has. */
function addDefaultRoutes(router) {
  router.add(['GET', 'HEAD'], '/_ping', pingHandler);
  router.add('GET', '/version', (ctx) => sendJson(ctx, 200, ctx.state.version));
  router.add('GET', '/info', (ctx) => sendJson(ctx, 200, ctx.state.info));
  return router;
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/** Builds the engine (state + router + request handler) without listening anywhere. */
function createWindowsEngine({ fixture, overrides } = {}) {
  const data = typeof fixture === 'string' ? loadFixture(fixture) : fixture;
  if (!data) throw new Error('createWindowsEngine: a fixture (name or {info, version}) is required');
  const state = new EngineState(data, overrides);
  const router = addDefaultRoutes(new Router());

  async function handle(req, res) {
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
    const ctx = { req, res, state, url, pathname, apiVersion, params: {} };

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
    if (!found) return sendError(ctx, 404, 'page not found');
    ctx.params = found.params;
    try {
      await found.route.handler(ctx);
    } catch (err) {
      if (!res.headersSent) sendError(ctx, 500, String((err && err.message) || err));
      else res.destroy(err);
    }
  }

  return { state, router, handle };
}

/**
 * Starts the stand-in on a unix socket (a stale socket file is replaced).
 * Resolves to { socketPath, close(), state, router, requests }.
 */
function startWindowsEngine({ socketPath, fixture, overrides } = {}) {
  if (!socketPath) return Promise.reject(new Error('startWindowsEngine: socketPath is required'));
  let engine;
  try {
    engine = createWindowsEngine({ fixture, overrides });
  } catch (err) {
    return Promise.reject(err);
  }
  const server = http.createServer((req, res) => {
    engine.handle(req, res);
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
    'usage: node test/support/windows-engine.js --socket PATH --fixture NAME [--api-version X.Y] [--isolation process|hyperv]',
    '',
    `fixtures (${FIXTURE_DIR}):`,
    ...listFixtures().map((f) => `  ${f}`),
  ].join('\n');
}

async function main(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : a;
    const value = () => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
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
  const engine = await startWindowsEngine({ socketPath: opts.socket, fixture: opts.fixture, overrides });
  process.stdout.write(
    `windows-engine: listening on unix://${engine.socketPath} (fixture ${opts.fixture}, API ${engine.state.apiVersion})\n`,
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
  loadFixture,
  listFixtures,
  EngineState,
  Router,
  createWindowsEngine,
  startWindowsEngine,
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
