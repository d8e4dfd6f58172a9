import * as fs from 'fs';
import * as https from 'https';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { rootCertificates } from 'tls';
import { EngineError } from '../../../src/errors';
import { createEngineClient, mapEngineError, transport } from '../../../src/engine/client';
import { resolveEndpoint, type ResolvedEndpoint } from '../../../src/engine/endpoint';
import { emptyGlobals } from '../../../src/engine/globals';
import { buildHostProfile, parseWindowsBuild } from '../../../src/engine/profile';
import { sshArgs } from '../../../src/engine/ssh';
import { listFixtures, loadFixture, sendError, startWindowsEngine, type WindowsEngineHandle } from '../../support/windows-engine';
import { FAKE_CA, FAKE_CERT, FAKE_KEY, dockerContext, removeDir, tempDir, writeContext, writeContextTls } from './helpers';

let dir: string;
let engine: WindowsEngineHandle | undefined;

beforeEach(() => {
  dir = tempDir('gmsa-cli-');
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  removeDir(dir);
});

/** The endpoint for `-H unix://<socket>`, resolved the normal way. */
function socketEndpoint(socketPath: string): ResolvedEndpoint {
  return resolveEndpoint({ ...emptyGlobals(), hosts: [`unix://${socketPath}`] }, {}, 'linux', dir);
}

function base(over: Partial<ResolvedEndpoint>): ResolvedEndpoint {
  return { contextName: 'default', source: 'flag', host: 'x', protocol: 'unix', skipTLSVerify: false, configDir: '/c', warnings: [], ...over };
}

describe('createEngineClient against the stand-in Windows engine', () => {
  test.each(listFixtures())('%s: info, version and ping', async (name) => {
    const socketPath = path.join(dir, 'e.sock');
    engine = await startWindowsEngine({ socketPath, fixture: name });
    const ep = socketEndpoint(socketPath);
    const client = createEngineClient(ep, { timeoutMs: 5000 });
    expect(client.endpoint).toBe(ep);
    await expect(client.ping()).resolves.toBe('OK');
    const [info, version] = await Promise.all([client.info(), client.version()]);
    const fixture = loadFixture(name);
    expect(info).toEqual(fixture.info);
    expect(version.ApiVersion).toBe(fixture.version.ApiVersion);
    const profile = buildHostProfile(info, version, { endpoint: ep, platform: 'linux', pathExists: fs.existsSync });
    expect(profile.osType).toBe(fixture.info.OSType);
    if (fixture.info.OSType === 'windows') {
      expect(profile.windowsBuild).toBe(parseWindowsBuild(fixture.info).build);
      expect(profile.windowsBuild).toBe(Number(/^10\.0 (\d+)/.exec(fixture.info.KernelVersion)?.[1]));
      expect(profile.rootDirLocal).toBe(false); // a Windows engine's C:\ root is not on this Linux machine
    }
    expect(engine.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/_ping', '/info', '/version']));
  });

  test('Windows Server 2022 stand-in: osType windows, build 20348, process isolation', async () => {
    const socketPath = path.join(dir, 'e.sock');
    engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
    const ep = socketEndpoint(socketPath);
    const client = createEngineClient(ep, { timeoutMs: 5000 });
    const profile = buildHostProfile(await client.info(), await client.version(), { endpoint: ep, platform: 'linux', pathExists: () => false });
    expect(profile).toMatchObject({ osType: 'windows', windowsBuild: 20348, windowsRevision: 2113, isolation: 'process', apiVersion: '1.43' });
  });

  test('DOCKER_HOST in the environment plays no part once the endpoint is resolved', async () => {
    const socketPath = path.join(dir, 'e.sock');
    engine = await startWindowsEngine({ socketPath, fixture: 'windows-17763-engine-20.10' });
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://[not-a-host';
    try {
      const client = createEngineClient(socketEndpoint(socketPath), { timeoutMs: 5000 });
      await expect(client.info()).resolves.toMatchObject({ OSType: 'windows' });
      expect(process.env.DOCKER_HOST).toBe('tcp://[not-a-host');
      // and a well-formed one pointing elsewhere does not win over the explicit socket either
      process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
      await expect(createEngineClient(socketEndpoint(socketPath)).version()).resolves.toMatchObject({ Os: 'windows' });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  test('an engine error answer becomes EngineError with the engine message', async () => {
    const socketPath = path.join(dir, 'e.sock');
    engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
    engine.router.add('GET', '/info', (ctx) => sendError(ctx, 500, 'hcsshim::GetComputeSystems failed'), { prepend: true });
    const err = await createEngineClient(socketEndpoint(socketPath)).info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toContain('answered 500');
    expect((err as EngineError).message).toContain('hcsshim::GetComputeSystems failed');
    expect((err as EngineError).message).toContain(socketPath);
  });

  test('an engine that does not answer in time gives EngineError (timeout)', async () => {
    const socketPath = path.join(dir, 'e.sock');
    engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
    engine.router.add('GET', '/info', () => undefined /* never answers */, { prepend: true });
    const started = Date.now();
    const err = await createEngineClient(socketEndpoint(socketPath), { timeoutMs: 300 }).info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/did not answer within/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('connection failures', () => {
  test('a missing socket: EngineError naming the socket path', async () => {
    const socketPath = path.join(dir, 'missing.sock');
    const err = await createEngineClient(socketEndpoint(socketPath), { timeoutMs: 2000 }).info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toContain(socketPath);
    expect((err as EngineError).message).toContain('does not exist');
    expect((err as EngineError).hint).toMatch(/running/);
    expect((err as EngineError).hint).toContain('docker context ls');
  });

  test('a socket file nobody listens on: connection refused', async () => {
    const socketPath = path.join(dir, 'dead.sock');
    fs.writeFileSync(socketPath, '');
    const err = await createEngineClient(socketEndpoint(socketPath), { timeoutMs: 2000 }).ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toContain(socketPath);
    expect((err as EngineError).message).toContain('connection refused');
  });

  test('a closed tcp port: connection refused, with the host', async () => {
    const ep = resolveEndpoint({ ...emptyGlobals(), hosts: ['tcp://127.0.0.1:9'] }, {}, 'linux', dir);
    const err = await createEngineClient(ep, { timeoutMs: 2000 }).version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toContain('tcp://127.0.0.1:9');
  });
});

/**
 * A throwaway self-signed certificate for 127.0.0.1 (valid 2020-2120), for a local https engine.
 * Test material only: it protects nothing.
 */
const TEST_ENGINE_CERT = `-----BEGIN CERTIFICATE-----
MIIBeDCCAR+gAwIBAgICEAAwCgYIKoZIzj0EAwIwIjEgMB4GA1UEAwwXZG9ja2Vy
LWdtc2EtdGVzdC1lbmdpbmUwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAw
MDBaMCIxIDAeBgNVBAMMF2RvY2tlci1nbXNhLXRlc3QtZW5naW5lMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEn8t1LlGjQaWjBZJ28t7PlC7QCATyxO3T/CZkKmx/
c7HbSjkxuKCU9rR+lmFbpUtFXNTHo4fPryaKtQS2nuGAm6NDMEEwDwYDVR0TAQH/
BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMB0GA1UdDgQWBBSNJyGyqEOJQrUOLnYx
JjZzf5d17DAKBggqhkjOPQQDAgNHADBEAiBLwu186VRxyKT98fydzPs+74coIEOf
6gScaok9AmGHDAIgHzNjqJeoipqwhWWjS3QOHUnwmwNGTJywC57wN0GLT2o=
-----END CERTIFICATE-----
`;
/** Another self-signed certificate, used as a CA that did not sign the engine's. */
const OTHER_CA = `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUXeM1UTcgPuuUnRuLA54TlLzeAY4wCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUZG9ja2VyLWdtc2Etb3RoZXItY2EwIBcNMjYxMTI4MTkzMDQy
WhgPMjEyNjExMDQxOTMwNDJaMB8xHTAbBgNVBAMMFGRvY2tlci1nbXNhLW90aGVy
LWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvtoU19yQpmr1KBuddgkdKkY6
Woawsp0T0GT5K3H0Dq1ibmhE81Z+N6o5W28jIBJdcYRx3mt7jgo/x9hSSabVQqNT
MFEwHQYDVR0OBBYEFBc2t4gULNAGMoVZVQ7IVtcYmzkFMB8GA1UdIwQYMBaAFBc2
t4gULNAGMoVZVQ7IVtcYmzkFMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
SAAwRQIhAIb6Yr2/xOF8+vBYxcH0XkvBl/gGZWnABhtMrvRYaeNFAiA0KJZbUuZr
1mbOe0bvIaS0Gi/h8CNZINt9BCnZ0jVV7w==
-----END CERTIFICATE-----
`;
const TEST_ENGINE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpZrx6JVubgOO8Dn8
8uDJp/Q+F7u5CkyN+nQFTc/eJf6hRANCAASfy3UuUaNBpaMFknby3s+ULtAIBPLE
7dP8JmQqbH9zsdtKOTG4oJT2tH6WYVulS0Vc1Mejh8+vJoq1BLae4YCb
-----END PRIVATE KEY-----
`;

describe('TLS (https engine on 127.0.0.1, endpoints from stored contexts)', () => {
  let server: https.Server | undefined;
  let port = 0;
  beforeEach(async () => {
    server = https.createServer({ cert: TEST_ENGINE_CERT, key: TEST_ENGINE_KEY }, (req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(req.url === '/info' ? { OSType: 'windows', KernelVersion: '10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)' } : { ApiVersion: '1.43' }));
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  function contextEndpoint(name: string, skip: boolean, files: { ca?: string }): ResolvedEndpoint {
    const configDir = path.join(dir, '.docker');
    writeContext(configDir, name, dockerContext(name, `tcp://127.0.0.1:${port}`, skip));
    writeContextTls(configDir, name, files);
    return resolveEndpoint({ ...emptyGlobals(), context: name }, {}, 'linux', dir);
  }

  test('the context CA verifies the engine', async () => {
    const ep = contextEndpoint('tls', false, { ca: TEST_ENGINE_CERT });
    expect(transport(ep).protocol).toBe('https:');
    await expect(createEngineClient(ep, { timeoutMs: 5000 }).info()).resolves.toMatchObject({ OSType: 'windows' });
  });

  test('SkipTLSVerify accepts an unknown certificate', async () => {
    const ep = contextEndpoint('skip', true, {});
    await expect(createEngineClient(ep, { timeoutMs: 5000 }).version()).resolves.toEqual({ ApiVersion: '1.43' });
  });

  test('an untrusted certificate is a TLS EngineError', async () => {
    const ep = contextEndpoint('wrongca', false, { ca: OTHER_CA });
    const err = await createEngineClient(ep, { timeoutMs: 5000 }).info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/^TLS failure talking to the Docker engine at tcp:\/\/127\.0\.0\.1:\d+ \(context "wrongca"\): /);
    expect((err as EngineError).message).toMatch(/self-signed|certificate/);
  });

  test('plain http against a TLS engine: the connection is closed, hint about --tlsverify', async () => {
    const ep = contextEndpoint('plain', false, {});
    const err = await createEngineClient(ep, { timeoutMs: 5000 }).info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).hint).toContain('--tlsverify');
  });
});

describe('mapEngineError', () => {
  const sock = base({ host: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' });
  const pipe = base({ host: 'npipe:////./pipe/docker_engine', protocol: 'npipe', socketPath: '//./pipe/docker_engine' });
  const tcpEp = base({ host: 'tcp://win:2376', protocol: 'tcp', hostname: 'win', port: 2376, tls: { verify: true } });
  const sshEp = base({ host: 'ssh://me@win', protocol: 'ssh', hostname: 'win', username: 'me' });
  const e = (code: string, message = code) => Object.assign(new Error(message), { code });

  test.each([
    [sock, e('EACCES'), /permission denied on \/var\/run\/docker.sock/, /docker group/],
    [pipe, e('EACCES'), /permission denied on \/\/\.\/pipe\/docker_engine/, /elevated/],
    [pipe, e('ENOENT'), /\/\/\.\/pipe\/docker_engine does not exist/, /Get-Service docker/],
    [tcpEp, e('ECONNREFUSED'), /connection refused/, /win:2376/],
    [tcpEp, e('ETIMEDOUT'), /did not answer/, /docker version/],
    [tcpEp, e('ENOTFOUND'), /does not resolve/, /host name/],
    [tcpEp, e('ECONNRESET'), /connection was closed/, /network/],
    [base({ host: 'tcp://h:2375', protocol: 'tcp', hostname: 'h', port: 2375 }), e('ECONNRESET'), /closed/, /--tlsverify/],
    [tcpEp, e('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), /TLS failure/, /--tlscacert/],
    [tcpEp, e('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), /TLS failure/, /host name/],
    [sshEp, new Error('All configured authentication methods failed'), /over ssh/, /ssh me@win/],
    [tcpEp, Object.assign(new Error('(HTTP code 404) unexpected - page not found '), { statusCode: 404, json: { message: 'page not found' } }), /answered 404 to read \/info: page not found/, /too old/],
    [sock, new Error('something odd'), /cannot read \/info from the Docker engine/, /running/],
  ])('%#', (ep, err, message, hint) => {
    const mapped = mapEngineError(err, ep, 'read /info from', 1000);
    expect(mapped).toBeInstanceOf(EngineError);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).toContain(ep.host);
    expect(mapped.hint).toMatch(hint);
  });

  test('an EngineError passes through', () => {
    const original = new EngineError('x', 'y');
    expect(mapEngineError(original, sock, 'ping')).toBe(original);
  });
});

describe('transport', () => {
  test('unix socket (no TLS: no server name for Node to work out)', () => {
    expect(transport(base({ protocol: 'unix', socketPath: '/var/run/docker.sock' }), { timeoutMs: 1000 })).toEqual({
      protocol: 'http:',
      socketPath: '/var/run/docker.sock',
      servername: '',
    });
  });

  test('named pipe: npipe:////./pipe/x becomes //./pipe/x', () => {
    const ep = resolveEndpoint({ ...emptyGlobals(), hosts: ['npipe:////./pipe/docker_engine'] }, {}, 'win32', 'C:\\Users\\a');
    expect(transport(ep)).toEqual({ protocol: 'http:', socketPath: '//./pipe/docker_engine', servername: '' });
  });

  test('plain tcp', () => {
    expect(transport(base({ protocol: 'tcp', hostname: '10.0.0.5', port: 2375, pathPrefix: '' }))).toEqual({
      protocol: 'http:',
      host: '10.0.0.5',
      port: 2375,
      servername: '',
    });
  });

  test('tcp with TLS material; verification off only when the endpoint says so', () => {
    const tls = { ca: Buffer.from(FAKE_CA), cert: Buffer.from(FAKE_CERT), key: Buffer.from(FAKE_KEY), verify: true };
    expect(transport(base({ protocol: 'tcp', hostname: 'win', port: 2376, tls }))).toEqual({
      protocol: 'https:',
      host: 'win',
      port: 2376,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
    });
    expect(transport(base({ protocol: 'tcp', hostname: 'win', port: 2376, tls: { verify: false } }))).toEqual({
      protocol: 'https:',
      host: 'win',
      port: 2376,
      rejectUnauthorized: false,
    });
  });

  test('tcp with TLS verified and no ca.pem: default trust, built by util/trust.ts only when the launcher kept NODE_EXTRA_CA_CERTS from Node', () => {
    const ep = base({ protocol: 'tcp', hostname: 'win', port: 2376, tls: { verify: true } });
    expect(transport(ep)).toEqual({ protocol: 'https:', host: 'win', port: 2376 });
    const file = path.join(dir, 'extra-ca.pem');
    fs.writeFileSync(file, FAKE_CA);
    const key = Symbol.for('docker-gmsa.extra-ca-deferred');
    (globalThis as Record<symbol, unknown>)[key] = file;
    try {
      expect(transport(ep)).toEqual({ protocol: 'https:', host: 'win', port: 2376, ca: [...rootCertificates, FAKE_CA] });
      // Not verifying, or a ca.pem of its own: nothing to build.
      expect(transport(base({ protocol: 'tcp', hostname: 'win', port: 2376, tls: { verify: false } }))).not.toHaveProperty('ca');
      const own = Buffer.from(FAKE_CA);
      expect(transport(base({ protocol: 'tcp', hostname: 'win', port: 2376, tls: { ca: own, verify: true } })).ca).toBe(own);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
    }
  });

  test('ssh: plain HTTP through an agent that runs ssh ... docker system dial-stdio', () => {
    const ep = resolveEndpoint({ ...emptyGlobals(), hosts: ['ssh://deploy@win-build:2222'] }, {}, 'linux', dir);
    const o = transport(ep, { env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } });
    expect(o.protocol).toBe('http:');
    expect(o.agent).toBeInstanceOf(http.Agent);
    expect(sshArgs(ep)).toEqual(['-o ConnectTimeout=30', '-T', '-o', 'BatchMode=yes', '-l', 'deploy', '-p', '2222', '--', 'win-build', 'docker', 'system', 'dial-stdio']);
    const withSocket = resolveEndpoint({ ...emptyGlobals(), hosts: ['ssh://win-build/var/run/alt.sock'] }, {}, 'linux', dir);
    expect(sshArgs(withSocket)).toEqual(['-o ConnectTimeout=30', '-T', '-o', 'BatchMode=yes', '--', 'win-build', 'docker', '--host', 'unix:///var/run/alt.sock', 'system', 'dial-stdio']);
  });
});

describe('start-up path', () => {
  test('no Docker SDK: src requires neither dockerode nor docker-modem, and client.ts loads http only inside functions', () => {
    const srcDir = path.join(__dirname, '..', '..', '..', 'src');
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts') && /['"](dockerode|docker-modem)['"]/.test(fs.readFileSync(full, 'utf8'))) offenders.push(full);
      }
    };
    walk(srcDir);
    expect(offenders).toEqual([]);
    const client = fs.readFileSync(path.join(srcDir, 'engine', 'client.ts'), 'utf8');
    expect(client).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+['"](node:)?https?['"]/m);
    expect(client).not.toMatch(/^(const|let|var)[^\n]*require\(['"](node:)?https?['"]\)/m);
  });

  test('the engine errors keep their shape: status, the engine message, 404 as missing', async () => {
    const socketPath = path.join(dir, 'e.sock');
    engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
    const client = createEngineClient(socketEndpoint(socketPath), { timeoutMs: 5000 });
    await expect(client.inspectContainer('no-such-container')).resolves.toBeUndefined();
    expect(engine.requests.map((r) => r.path)).toContain('/containers/no-such-container/json');
    await expect(client.listContainers(true)).resolves.toEqual(expect.any(Array));
    expect(engine.requests.map((r) => r.path)).toContain('/containers/json?all=1');
  });

  test('creating a client does not connect', () => {
    const client = createEngineClient(socketEndpoint(path.join(dir, 'nothing.sock')));
    expect(client.endpoint.socketPath).toBe(path.join(dir, 'nothing.sock'));
  });
});
