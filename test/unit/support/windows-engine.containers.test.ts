/**
 * Containers, exec and the hijack protocol of the stand-in Windows engine, spoken to with raw HTTP the way
 * the docker CLI does, and with dockerode the way the plugin does.
 */
import { spawn } from 'child_process';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { PassThrough } from 'stream';
import { analyzeCredentialSpec, startWindowsEngine, type WindowsEngineHandle, type WindowsEngineOptions } from '../../support/windows-engine';
import { removeDir, tempDir } from '../engine/helpers';

/** A spec written by hand, independent of the plugin's model (test/fixtures/specs). */
const SPEC = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/specs/contoso_webapp01.json'), 'utf8')) as { DomainJoinConfig: Record<string, string> };
const APP = 'local/app:1';

let dir: string;
let socketPath: string;
let engine: WindowsEngineHandle | undefined;

beforeEach(() => {
  dir = tempDir('gmsa-wc-');
  socketPath = path.join(dir, 'w.sock');
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  removeDir(dir);
});

async function start(opts: Omit<WindowsEngineOptions, 'socketPath' | 'fixture'> & { fixture?: WindowsEngineOptions['fixture'] } = {}) {
  engine = await startWindowsEngine({ socketPath, fixture: 'windows-20348-engine-24.0', ...opts });
  return engine;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(method: string, urlPath: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath, method, path: urlPath, agent: false, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function json(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  const a = await request(method, urlPath, body);
  return { status: a.status, body: a.body ? JSON.parse(a.body) : undefined };
}

/** A hijacked request as the docker CLI sends it; resolves once the head is in, streams the rest. */
function hijack(urlPath: string, body?: unknown): Promise<{ head: string; rest: Promise<Buffer>; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const data = body === undefined ? '' : JSON.stringify(body);
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(
        `POST ${urlPath} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
          (data ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\n` : '') +
          `\r\n${data}`,
      );
    });
    let buf = Buffer.alloc(0);
    let resolved = false;
    const chunks: Buffer[] = [];
    const rest = new Promise<Buffer>((done) => socket.on('end', () => done(Buffer.concat(chunks))));
    socket.on('data', (c: Buffer) => {
      if (resolved) return void chunks.push(c);
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      resolved = true;
      chunks.push(buf.subarray(end + 4));
      resolve({ head: buf.subarray(0, end).toString('latin1'), rest, socket });
    });
  });
}

/** Splits a multiplexed stream into [stream, text] frames. */
function frames(buf: Buffer): [number, string][] {
  const out: [number, string][] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out.push([buf[i]!, buf.subarray(i + 8, i + 8 + len).toString('utf8')]);
    i += 8 + len;
  }
  expect(i).toBe(buf.length);
  return out;
}

async function createAndStart(body: Record<string, unknown>, name?: string): Promise<string> {
  const created = await json('POST', `/v1.43/containers/create${name ? `?name=${name}` : ''}`, body);
  expect(created.status).toBe(201);
  const started = await request('POST', `/v1.43/containers/${created.body.Id}/start`);
  expect(started.status).toBe(204);
  return created.body.Id as string;
}

test('create fills in the image, hostname, user and isolation; security options are not checked yet', async () => {
  await start();
  const created = await json('POST', '/v1.43/containers/create?name=web', {
    Image: 'mcr.microsoft.com/windows/nanoserver:ltsc2022',
    HostConfig: { SecurityOpt: ['label=disable', 'credentialspec=nope://'] },
  });
  expect(created).toEqual({ status: 201, body: { Id: expect.stringMatching(/^[0-9a-f]{64}$/), Warnings: [] } });
  const c = engine!.state.containers[created.body.Id]!;
  expect(c).toMatchObject({
    name: 'web',
    path: 'c:\\windows\\system32\\cmd.exe',
    config: { Hostname: created.body.Id.slice(0, 12), User: 'ContainerUser', Image: 'mcr.microsoft.com/windows/nanoserver:ltsc2022' },
    hostConfig: { Isolation: 'process', SecurityOpt: ['label=disable', 'credentialspec=nope://'] },
    state: { status: 'created', running: false },
    credentialSpec: null,
  });
  const startAnswer = await json('POST', `/v1.43/containers/web/start`);
  expect(startAnswer).toEqual({ status: 500, body: { message: 'security option not supported: label' } });
  expect(c.state).toMatchObject({ status: 'created', exitCode: 128, error: 'security option not supported: label' });

  expect(await json('POST', '/v1.43/containers/create?name=web', { Image: APP })).toEqual({
    status: 409,
    body: {
      message: `Conflict. The container name "/web" is already in use by container "${c.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    },
  });
  expect(await json('POST', '/v1.43/containers/create?name=-x', { Image: APP })).toEqual({
    status: 400,
    body: { message: 'Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed' },
  });
  expect(await json('POST', '/v1.43/containers/create', { Image: 'busybox' })).toEqual({ status: 404, body: { message: 'No such image: busybox:latest' } });
  expect(await json('GET', '/v1.43/containers/nope/json')).toEqual({ status: 404, body: { message: 'No such container: nope' } });
});

test('a Windows client before 1809 only runs Hyper-V containers', async () => {
  await start({ fixture: 'windows10-19045-desktop-24.0', overrides: { build: 17134 } });
  expect(engine!.state).toMatchObject({ build: 17134, isClient: true, defaultIsolation: 'hyperv' });
  expect((await json('POST', '/v1.43/containers/create', { Image: APP })).status).toBe(201);
  expect(await json('POST', '/v1.43/containers/create', { Image: APP, HostConfig: { Isolation: 'process' } })).toEqual({
    status: 400,
    body: { message: 'Windows client operating systems earlier than version 1809 can only run Hyper-V containers' },
  });
});

test('images: inspect, list, 404, and a pull that fails like an offline engine', async () => {
  await start({ images: ['mcr.microsoft.com/windows/servercore:ltsc2022', { name: 'contoso/web:2', user: 'ContainerUser', cmd: ['C:\\web\\web.exe'] }] });
  const core = await json('GET', '/v1.43/images/mcr.microsoft.com/windows/servercore:ltsc2022/json');
  expect(core.status).toBe(200);
  expect(core.body).toMatchObject({ RepoTags: ['mcr.microsoft.com/windows/servercore:ltsc2022'], Os: 'windows', OsVersion: expect.stringMatching(/^10\.0\.20348\./) });
  const web = await json('GET', '/v1.43/images/docker.io/contoso/web:2/json');
  expect(web.body).toMatchObject({ RepoTags: ['contoso/web:2'], Config: { User: 'ContainerUser', Cmd: ['C:\\web\\web.exe'] } });
  expect((await json('GET', `/v1.43/images/${web.body.Id.slice(7, 19)}/json`)).body.Id).toBe(web.body.Id);
  expect(await json('GET', '/v1.43/images/local/app:1/json')).toEqual({ status: 404, body: { message: 'No such image: local/app:1' } });
  expect((await json('GET', '/v1.43/images/json')).body).toHaveLength(2);
  expect(await json('POST', '/v1.43/images/create?fromImage=local%2Fapp&tag=1')).toEqual({
    status: 500,
    body: { message: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host' },
  });
});

test('exec start is hijacked: 101, then multiplexed frames (API 1.42+), then ExitCode', async () => {
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'CredentialSpecs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'CredentialSpecs', 'contoso_webapp01.json'), JSON.stringify(SPEC));
  await start({ rootDir: root });
  const id = await createAndStart({ Image: APP, Hostname: 'webapp01', HostConfig: { SecurityOpt: ['credentialspec=file://contoso_webapp01.json'] } }, 'c1');
  const ex = await json('POST', '/v1.43/containers/c1/exec', {
    User: 'NT AUTHORITY\\NETWORK SERVICE',
    AttachStdout: true,
    AttachStderr: true,
    Cmd: ['cmd', '/c', 'whoami && klist get krbtgt && frobnicate'],
  });
  expect(ex.status).toBe(201);
  const h = await hijack(`/v1.43/exec/${ex.body.Id}/start`, { Detach: false, Tty: false });
  expect(h.head.split('\r\n')).toEqual(
    expect.arrayContaining(['HTTP/1.1 101 UPGRADED', 'Content-Type: application/vnd.docker.multiplexed-stream', 'Connection: Upgrade', 'Upgrade: tcp', 'Api-Version: 1.43']),
  );
  const f = frames(await h.rest);
  expect(f[0]).toEqual([1, 'nt authority\\network service\r\n']);
  expect(f.map(([s, t]) => (s === 1 ? t : '')).join('')).toContain('Client: webapp01$ @ CONTOSO.COM');
  expect(f[f.length - 1]).toEqual([2, "'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"]);
  const inspect = await json('GET', `/v1.43/exec/${ex.body.Id}/json`);
  expect(inspect.body).toMatchObject({ ExitCode: 1, Running: false, ContainerID: id, ProcessConfig: { user: 'NT AUTHORITY\\NETWORK SERVICE' } });
  // an exec runs once
  expect(await json('POST', `/v1.43/exec/${ex.body.Id}/start`, { Detach: true })).toEqual({
    status: 409,
    body: { message: `Error: Exec command ${ex.body.Id} has already run` },
  });
  expect(engine!.state.containers[id]!.execIds).toEqual([ex.body.Id]);
});

test('before API 1.42 the hijacked stream is still multiplexed but says raw-stream', async () => {
  await start({ fixture: 'windows-17763-engine-20.10' });
  // 20.10 (API 1.41): the CLI speaks v1.41
  const created = await json('POST', '/v1.41/containers/create?name=c2', { Image: APP });
  expect((await request('POST', `/v1.41/containers/${created.body.Id}/start`)).status).toBe(204);
  const ex = await json('POST', '/v1.41/containers/c2/exec', { AttachStdout: true, AttachStderr: true, Cmd: ['hostname'] });
  const h = await hijack(`/v1.41/exec/${ex.body.Id}/start`, { Detach: false, Tty: false });
  expect(h.head).toContain('Content-Type: application/vnd.docker.raw-stream');
  expect(frames(await h.rest)).toEqual([[1, `${created.body.Id.slice(0, 12)}\r\n`]]);
});

test('docker run, attached: attach and wait (headers at once) before start, then output, exit and the status', async () => {
  await start();
  const created = await json('POST', '/v1.43/containers/create', { Image: APP, Cmd: ['cmd', '/c', 'echo out & exit 4'], AttachStdout: true, AttachStderr: true });
  const id = created.body.Id as string;
  const attach = await hijack(`/v1.43/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
  expect(attach.head).toBe('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp');
  const wait = new Promise<{ headersAt: number; body: Promise<string> }>((resolve, reject) => {
    const req = http.request({ socketPath, method: 'POST', path: `/v1.43/containers/${id}/wait?condition=next-exit`, agent: false }, (res) => {
      const headersAt = Date.now();
      let text = '';
      res.setEncoding('utf8');
      resolve({ headersAt, body: new Promise((done) => res.on('data', (c: string) => (text += c)).on('end', () => done(text))) });
    });
    req.on('error', reject);
    req.end();
  });
  const w = await wait; // the headers come before the container even starts
  expect(engine!.state.containers[id]!.state.status).toBe('created');
  expect((await request('POST', `/v1.43/containers/${id}/start`)).status).toBe(204);
  expect(JSON.parse(await w.body)).toEqual({ StatusCode: 4 });
  const f = frames(await attach.rest);
  expect(f).toEqual([[1, 'out\r\n']]);
  expect(engine!.state.containers[id]!.state).toMatchObject({ status: 'exited', running: false, exitCode: 4 });
  // wait for a container that is not running answers at once
  expect(await json('POST', `/v1.43/containers/${id}/wait`)).toEqual({ status: 200, body: { StatusCode: 4 } });
  expect(await json('POST', `/v1.43/containers/${id}/wait?condition=sometime`)).toEqual({ status: 400, body: { message: 'invalid condition: "sometime"' } });
});

test('imageOsCheck: false runs any image on any build', async () => {
  await start({ imageOsCheck: false }); // 20348
  const id = await createAndStart({ Image: 'mcr.microsoft.com/windows/servercore:ltsc2019', Cmd: ['ping', '-t', 'localhost'] });
  expect(engine!.state.containers[id]!.state.running).toBe(true);
});

test('a Linux engine refuses credentialspec at create', async () => {
  await start({ fixture: 'linux-engine-20.10-swarm-manager' });
  expect(await json('POST', '/v1.41/containers/create', { Image: APP, HostConfig: { SecurityOpt: ['credentialspec=file://x.json'] } })).toEqual({
    status: 500,
    body: { message: 'invalid --security-opt 2: "credentialspec=file://x.json"' },
  });
  expect((await json('POST', '/v1.41/containers/create', { Image: APP, HostConfig: { SecurityOpt: ['label=disable', 'no-new-privileges'] } })).status).toBe(201);
});

test('AutoRemove: the container goes away after it exits, and removed-waiters hear about it', async () => {
  await start();
  const created = await json('POST', '/v1.43/containers/create', { Image: APP, Cmd: ['cmd', '/c', 'exit', '7'], HostConfig: { AutoRemove: true } });
  const id = created.body.Id as string;
  // like the CLI: the wait is in (its headers came back) before the start
  const waiting = await new Promise<{ body: Promise<string> }>((resolve, reject) => {
    const req = http.request({ socketPath, method: 'POST', path: `/v1.43/containers/${id}/wait?condition=removed`, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      resolve({ body: new Promise((done) => res.on('data', (c: string) => (text += c)).on('end', () => done(text))) });
    });
    req.on('error', reject);
    req.end();
  });
  expect((await request('POST', `/v1.43/containers/${id}/start`)).status).toBe(204);
  expect(JSON.parse(await waiting.body)).toEqual({ StatusCode: 7 });
  expect(engine!.state.containers[id]).toBeUndefined();
});

test('stop, kill, restart and delete answer as moby does', async () => {
  await start({ fixture: 'windows-26100-engine-27.5' });
  const id = await createAndStart({ Image: APP }, 'svc');
  expect((await request('POST', '/v1.47/containers/svc/start')).status).toBe(304);
  expect(await json('DELETE', '/v1.47/containers/svc')).toEqual({
    status: 409,
    body: { message: 'cannot remove container "/svc": container is running: stop the container before removing or force remove' },
  });
  expect((await request('POST', '/v1.47/containers/svc/stop')).status).toBe(204);
  expect((await request('POST', '/v1.47/containers/svc/stop')).status).toBe(304);
  expect(engine!.state.containers[id]!.state).toMatchObject({ status: 'exited', exitCode: 1067 });
  expect(await json('POST', '/v1.47/containers/svc/kill')).toEqual({
    status: 409,
    body: { message: `cannot kill container: svc: container ${id} is not running` },
  });
  expect(await json('POST', '/v1.47/containers/svc/exec', { Cmd: ['whoami'] })).toEqual({ status: 409, body: { message: `container ${id} is not running` } });
  expect((await request('POST', '/v1.47/containers/svc/restart')).status).toBe(204);
  expect(engine!.state.containers[id]!.state.running).toBe(true);
  const list = await json('GET', '/v1.47/containers/json');
  expect(list.body).toEqual([expect.objectContaining({ Id: id, Names: ['/svc'], State: 'running', Status: expect.stringMatching(/^Up /), Command: 'C:\\app\\app.exe' })]);
  expect((await request('DELETE', '/v1.47/containers/svc?force=1')).status).toBe(204);
  expect(engine!.state.containers).toEqual({});
  expect((await json('GET', '/v1.47/containers/json?all=1')).body).toEqual([]);
});

test('without rootDir, file:// specs come from the in-memory CredentialSpecs folder', async () => {
  await start({ credentialSpecFiles: { 'contoso_webapp01.json': JSON.stringify(SPEC) } });
  expect(engine!.state.dockerRootDir).toBe('C:\\ProgramData\\docker');
  expect((await json('GET', '/v1.43/info')).body.DockerRootDir).toBe('C:\\ProgramData\\docker');
  const id = await createAndStart({ Image: APP, HostConfig: { SecurityOpt: ['credentialspec=file://Contoso_WebApp01.json'] } });
  expect(engine!.state.containers[id]!.credentialSpec).toMatchObject({ usable: true, account: 'webapp01' });
  const other = await json('POST', '/v1.43/containers/create', { Image: APP, HostConfig: { SecurityOpt: ['credentialspec=file://sub\\x.json'] } });
  expect(await json('POST', `/v1.43/containers/${other.body.Id}/start`)).toEqual({
    status: 500,
    body: {
      message: `failed to load credential spec for container ${other.body.Id}: open C:\\ProgramData\\docker\\CredentialSpecs\\sub\\x.json: The system cannot find the file specified.`,
    },
  });
});

test('what the engine records about a spec: it never validates, the container just has no identity', () => {
  const good = JSON.stringify(SPEC);
  expect(analyzeCredentialSpec('raw://x', good)).toMatchObject({ usable: true, account: 'webapp01', domain: 'contoso.com', netbios: 'CONTOSO' });
  expect(analyzeCredentialSpec('file://x', `\ufeff${good}`).usable).toBe(true); // UTF-8 with a BOM
  // UTF-16LE read as bytes by the engine: garbage for the container
  expect(analyzeCredentialSpec('file://x', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]).toString('utf8')).usable).toBe(false);
  const noSid = { ...SPEC, DomainJoinConfig: { ...SPEC.DomainJoinConfig, Sid: '' } };
  expect(analyzeCredentialSpec('file://x', JSON.stringify(noSid))).toMatchObject({ usable: false, account: 'webapp01' });
  expect(analyzeCredentialSpec('file://x', JSON.stringify({ ...SPEC, CmsPlugins: [] })).usable).toBe(false);
  expect(analyzeCredentialSpec('file://x', 'hello')).toEqual({ source: 'file://x', json: 'hello', usable: false });
});

test('dockerode exec, hijacked or not, as the plugin runs it', async () => {
  await start({ registry: { webapp01: JSON.stringify(SPEC) } });
  await createAndStart({ Image: APP, Hostname: 'webapp01', HostConfig: { SecurityOpt: ['credentialspec=registry://webapp01'] } }, 'c1');
  const docker = new Docker({ socketPath });
  const container = docker.getContainer('c1');
  for (const hijackOpt of [true, false]) {
    const exec = await container.exec({ Cmd: ['nltest', '/sc_verify:contoso.com'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: hijackOpt, stdin: false });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let text = '';
    stdout.on('data', (c: Buffer) => (text += c.toString()));
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise((r) => stream.on('end', r));
    expect(text).toContain('Trust Verification Status = 0 0x0 NERR_Success');
    expect((await exec.inspect()).ExitCode).toBe(0);
  }
  const info = await container.inspect();
  expect(info.HostConfig.SecurityOpt).toEqual(['credentialspec=registry://webapp01']);
});

test('close() does not wait for open attach streams, pending waits or running programs', async () => {
  await start();
  const id = await createAndStart({ Image: APP, Cmd: ['ping', '-t', 'localhost'] });
  const attach = await hijack(`/v1.43/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
  const pending = new Promise<string>((resolve) => {
    const req = http.request({ socketPath, method: 'POST', path: `/v1.43/containers/${id}/wait`, agent: false }, (res) => {
      res.resume();
      res.on('close', () => resolve('closed'));
      res.on('error', () => resolve('closed'));
    });
    req.on('error', () => resolve('closed'));
    req.end();
  });
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  await engine!.close();
  engine = undefined;
  expect(Date.now() - t0).toBeLessThan(1000);
  await attach.rest;
  expect(await pending).toBe('closed');
});

test('standalone: --root-dir, --build, --image and --registry-spec', async () => {
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(SPEC));
  const script = path.join(__dirname, '..', '..', 'support', 'windows-engine.js');
  const child = spawn(
    process.execPath,
    [script, '--socket', socketPath, '--fixture', 'windows-17763-engine-20.10', '--root-dir', root, '--build', '16299', '--image', 'contoso/web:1', '--registry-spec', `webapp01=${specFile}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('listening on')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const info = (await json('GET', '/v1.41/info')).body;
    expect(info).toMatchObject({ DockerRootDir: root, KernelVersion: expect.stringMatching(/^10\.0 16299 /) });
    expect((await json('GET', '/v1.41/images/contoso/web:1/json')).status).toBe(200);
    const created = await json('POST', '/v1.41/containers/create', { Image: APP, Hostname: 'webapp01', HostConfig: { SecurityOpt: ['credentialspec=registry://webapp01'] } });
    expect((await request('POST', `/v1.41/containers/${created.body.Id}/start`)).status).toBe(204);
  } finally {
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  expect(child.exitCode).toBe(0);
});
