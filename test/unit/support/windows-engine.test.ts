/** The stand-in engine itself, spoken to with raw HTTP the way the docker CLI does. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { startWindowsEngine, type WindowsEngineHandle } from '../../support/windows-engine';
import { removeDir, tempDir } from '../engine/helpers';

let dir: string;
let socketPath: string;
let engine: WindowsEngineHandle | undefined;

beforeEach(() => {
  dir = tempDir('gmsa-we-');
  socketPath = path.join(dir, 'w.sock');
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  removeDir(dir);
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(method: string, urlPath: string, sock = socketPath): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, method, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HEAD /_ping answers with the headers the CLI reads for negotiation', async () => {
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
  const a = await request('HEAD', '/_ping');
  expect(a.status).toBe(200);
  expect(a.body).toBe('');
  expect(a.headers['api-version']).toBe('1.43');
  expect(a.headers['ostype']).toBe('windows');
  expect(a.headers['docker-experimental']).toBe('false');
  expect(a.headers['builder-version']).toBe('1');
  expect(a.headers['server']).toBe('Docker/24.0.7 (windows)');
  expect(a.headers['swarm']).toBeUndefined(); // only engines with API 1.48+ send it
});

test('GET /_ping and /v1.xx/_ping say OK', async () => {
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-17763-engine-19.03' });
  for (const p of ['/_ping', '/v1.40/_ping', '/v1.24/_ping']) {
    const a = await request('GET', p);
    expect(a.status).toBe(200);
    expect(a.body).toBe('OK');
    expect(a.headers['api-version']).toBe('1.40');
  }
});

test('/version and /info come from the fixture, with or without the version prefix', async () => {
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-14393-engine-17.06' });
  for (const p of ['/info', '/v1.30/info']) {
    const a = await request('GET', p);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json');
    expect(JSON.parse(a.body)).toMatchObject({ OSType: 'windows', KernelVersion: expect.stringContaining('14393') });
  }
  const v = await request('GET', '/v1.25/version');
  expect(JSON.parse(v.body)).toMatchObject({ ApiVersion: '1.30', MinAPIVersion: '1.24', Os: 'windows' });
  expect(engine.requests.map((r) => [r.method, r.path, r.apiVersion])).toEqual([
    ['GET', '/info', undefined],
    ['GET', '/v1.30/info', '1.30'],
    ['GET', '/v1.25/version', '1.25'],
  ]);
});

test('versions outside the engine range get the engine answers', async () => {
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
  const tooNew = await request('GET', '/v1.50/info');
  expect(tooNew.status).toBe(400);
  expect(JSON.parse(tooNew.body)).toEqual({ message: 'client version 1.50 is too new. Maximum supported API version is 1.43' });
  const tooOld = await request('GET', '/v1.12/version');
  expect(tooOld.status).toBe(400);
  expect(JSON.parse(tooOld.body).message).toMatch(/^client version 1.12 is too old. Minimum supported API version is 1.24/);
});

test('anything else is 404 page not found', async () => {
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
  for (const [m, p] of [['GET', '/plugins'], ['POST', '/info'], ['GET', '/v1.43/nope'], ['GET', '/swarm']] as const) {
    const a = await request(m, p);
    expect(a.status).toBe(404);
    expect(JSON.parse(a.body)).toEqual({ message: 'page not found' });
  }
});

test('overrides change /info, /version and the headers', async () => {
  engine = await startWindowsEngine({
    socketPath,
    fixture: 'windows-17763-engine-20.10',
    overrides: { info: { Isolation: 'hyperv' }, apiVersion: '1.48', experimental: true },
  });
  expect(JSON.parse((await request('GET', '/info')).body).Isolation).toBe('hyperv');
  expect(JSON.parse((await request('GET', '/version')).body).ApiVersion).toBe('1.48');
  const ping = await request('HEAD', '/_ping');
  expect(ping.headers['api-version']).toBe('1.48');
  expect(ping.headers['docker-experimental']).toBe('true');
  expect(ping.headers['swarm']).toBe('active/worker');
});

test('a stale socket file is replaced, and close() removes the socket', async () => {
  // a process that dies without cleaning up leaves its socket file behind
  const crashed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((r) => crashed.on('exit', r));
  expect(fs.statSync(socketPath).isSocket()).toBe(true);
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0' });
  expect((await request('GET', '/_ping')).body).toBe('OK');
  await engine.close();
  engine = undefined;
  expect(fs.existsSync(socketPath)).toBe(false);
});

test('an unknown fixture is a clear error', async () => {
  await expect(startWindowsEngine({ socketPath, fixture: 'no-such-engine' })).rejects.toThrow(/cannot load engine fixture/);
});

test('runs standalone with plain node', async () => {
  const script = path.join(__dirname, '..', '..', 'support', 'windows-engine.js');
  const child = spawn(process.execPath, [script, '--socket', socketPath, '--fixture', 'windows-26100-engine-27.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('listening on')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const a = await request('GET', '/v1.47/info');
    expect(JSON.parse(a.body).OperatingSystem).toContain('26100');
  } finally {
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  expect(child.exitCode).toBe(0);
  expect(fs.existsSync(socketPath)).toBe(false);
});
