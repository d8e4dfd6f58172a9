/**
 * `docker gmsa exec` through the real docker CLI against stand-in Windows engines: every docker exec flag
 * reaches the engine as docker itself sends it (the exec create request the engine received is the
 * oracle), our flags may stand among docker's, nothing after CONTAINER is ours, the build rule refuses
 * as `run` does, and the README's exec examples work as printed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_EXEC_FLAGS } from '../../src/engine/docker-args';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, ROOT, socketPath, tempDir, type RunResult } from '../support/cli';
import { startWindowsEngine, type ExecRecord, type WindowsEngineHandle } from '../support/windows-engine';

const IIS = 'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022';
const APP = 'local/app:1';
const SYSTEM = 'NT AUTHORITY\\SYSTEM';
const NETWORK_SERVICE = 'NT AUTHORITY\\NETWORK SERVICE';

const config = tempDir('exec-cfg');
const env = cleanEnv({ DOCKER_CONFIG: config });
const engines: WindowsEngineHandle[] = [];

async function engine(name: string, fixture: string): Promise<WindowsEngineHandle> {
  const root = tempDir(`exec-root-${name}`);
  mkdirSync(join(root, 'CredentialSpecs'));
  const e = await startWindowsEngine({ socketPath: socketPath(name), fixture, rootDir: root });
  engines.push(e);
  expect((await docker(['context', 'create', name, '--docker', `host=unix://${e.socketPath}`], env)).status).toBe(0);
  expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
  return e;
}

/** The exec sessions the engine created for a container, oldest first. */
function execsOf(e: WindowsEngineHandle, name: string): ExecRecord[] {
  const c = e.state.findContainer(name);
  expect(c).toBeDefined();
  return Object.values(e.state.execs).filter((x) => x.containerId === c!.id);
}

function lastExec(e: WindowsEngineHandle, name: string): ExecRecord {
  const all = execsOf(e, name);
  expect(all.length).toBeGreaterThan(0);
  return all[all.length - 1]!;
}

/**
 * Runs a shell command line under a pseudo-terminal (util-linux `script`), as a person at a terminal
 * would; `interact` sees the output so far and may type.
 */
function underTty(line: string, runEnv: NodeJS.ProcessEnv, interact?: (output: string, type: (s: string) => void) => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: runEnv, cwd: config, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let output = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('utf8');
      interact?.(output, (s) => child.stdin.write(s));
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : -1), stdout: output, stderr: err }));
    if (!interact) child.stdin.end();
  });
}

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

describe('docker gmsa exec passes docker exec options through', () => {
  let ws2022: WindowsEngineHandle;
  const gmsa = (args: string[], input?: string): Promise<RunResult> => docker(['--context', 'ws2022', 'gmsa', ...args], env, input);

  beforeAll(async () => {
    expect((await plugin(['install'], env)).status).toBe(0);
    ws2022 = await engine('ws2022', 'windows-20348-engine-24.0');
    expect((await gmsa(['run', 'webapp01', '-d', '--name', 'web1', IIS])).status).toBe(0);
  });

  test('our grammar knows exactly the flags of the docker CLI in use (docker exec --help)', async () => {
    const help = await docker(['exec', '--help'], env);
    const flags = [...help.stdout.matchAll(/^\s+(?:-(\w), )?--([\w-]+)(?: (\w+))?\s/gm)].map((m) => ({ short: m[1], name: m[2], takesValue: m[3] !== undefined }));
    expect(flags.length).toBeGreaterThan(5);
    expect(DOCKER_EXEC_FLAGS.map(({ name, short, takesValue }) => ({ short, name, takesValue }))).toEqual(flags);
  });

  test('every flag, detached, with ours mixed in: the exec create request is what docker exec sends', async () => {
    const envFile = join(config, 'vars.env');
    writeFileSync(envFile, 'FROM_FILE=1\n');
    const r = await gmsa([
      'exec',
      '-d',
      '--privileged',
      '--system',
      '-it',
      '-e',
      'A=1',
      '-eB=2',
      '--env=C=3',
      '--env',
      'D=4',
      '--env-file',
      envFile,
      '-w',
      'C:\\inetpub',
      '--workdir=C:\\app',
      '--detach-keys',
      'ctrl-x,x',
      '--interactive',
      '--tty',
      'web1',
      'cmd',
      '/c',
      'whoami',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ex = lastExec(ws2022, 'web1');
    expect(ex.request).toMatchObject({
      Cmd: ['cmd', '/c', 'whoami'],
      User: SYSTEM,
      Env: ['FROM_FILE=1', 'A=1', 'B=2', 'C=3', 'D=4'],
      WorkingDir: 'C:\\app',
      Privileged: true,
      Tty: true,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      DetachKeys: 'ctrl-x,x',
    });
  });

  test('attached: -i takes standard input, -t alone needs no terminal, the output and exit code are the command\'s', async () => {
    const before = execsOf(ws2022, 'web1').length;
    const i = await gmsa(['exec', '-i', '--network-service', 'web1', 'cmd', '/c', 'whoami'], 'ignored\n');
    expect(i).toEqual({ status: 0, stdout: 'nt authority\\network service\r\n', stderr: '' });
    expect(lastExec(ws2022, 'web1').request).toMatchObject({ User: NETWORK_SERVICE, AttachStdin: true, AttachStdout: true, Tty: false });
    const t = await gmsa(['exec', '-t', 'web1', 'cmd', '/c', 'exit 3']);
    expect(t.status).toBe(3);
    expect(lastExec(ws2022, 'web1').request).toMatchObject({ Tty: true, AttachStdin: false });
    expect(execsOf(ws2022, 'web1').length).toBe(before + 2);
  });

  test('-it at a terminal: the README example, interactive as SYSTEM, left with the detach keys', async () => {
    const r = await underTty(
      `docker --context ws2022 gmsa exec --system -it --detach-keys ctrl-x,x web1 cmd; echo "status=$?"`,
      env,
      (() => {
        let typed = false;
        return (output, type) => {
          if (!typed && output.includes('C:\\>')) {
            typed = true;
            type('\x18x');
          }
        };
      })(),
    );
    expect(r.stdout).toContain('Microsoft Windows [Version');
    expect(r.stdout).toContain('read escape sequence'); // the docker CLI detached on our keys
    expect(lastExec(ws2022, 'web1').request).toMatchObject({ Cmd: ['cmd'], User: SYSTEM, Tty: true, AttachStdin: true, DetachKeys: 'ctrl-x,x' });
  });

  test('everything after CONTAINER is the command, even words that look like our flags', async () => {
    const r = await gmsa(['exec', 'web1', 'cmd', '/c', 'echo', '--system', '--dry-run', '--help', '-it']);
    expect(r).toEqual({ status: 0, stdout: '--system --dry-run --help -it\r\n', stderr: '' });
    expect(lastExec(ws2022, 'web1').request).toMatchObject({ User: NETWORK_SERVICE, Tty: false, AttachStdin: false });
  });

  test('--dry-run among docker flags prints the command and runs nothing; --help among them shows our help', async () => {
    const before = execsOf(ws2022, 'web1').length;
    const dry = await gmsa(['exec', '-it', '--dry-run', '-e', 'A=1', '--system', 'web1', 'cmd']);
    expect(dry).toMatchObject({ status: 0, stderr: '' });
    expect(dry.stdout).toBe(`docker --context ws2022 exec --user 'NT AUTHORITY\\SYSTEM' -it -e A=1 web1 cmd\n`);
    const help = await gmsa(['exec', '-it', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: docker gmsa exec /);
    expect(execsOf(ws2022, 'web1').length).toBe(before);
  });

  test('--user stays refused with its reason (exit 2), bundled or not', async () => {
    for (const args of [['-u', 'admin'], ['-ituadmin'], ['--user=admin']]) {
      const r = await gmsa(['exec', ...args, 'web1', 'cmd']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^Error: --user admin conflicts with the identity docker gmsa sets$/m);
      expect(r.stderr).toMatch(/^Hint: Drop --user, or use docker exec directly\.$/m);
    }
  });
});

describe('the 1709 rule refuses exec as it refuses run: exit 1, not a usage error', () => {
  beforeAll(async () => {
    expect((await plugin(['install'], env)).status).toBe(0);
    await engine('ws2016', 'windows-14393-engine-17.06');
    expect((await docker(['--context', 'ws2016', 'gmsa', 'run', 'webapp01', '-d', '--name', 'old1', APP, 'ping', '-t', 'localhost'], env)).status).toBe(0);
  });

  test('Network Service and SYSTEM on 14393', async () => {
    const message = /^Error: running as NT AUTHORITY\\(NETWORK SERVICE|SYSTEM) inside a container needs Windows 1709 \(16299\) or later; this engine is Windows Server 2016/m;
    const exec = await docker(['--context', 'ws2016', 'gmsa', 'exec', '-it', 'old1', 'cmd'], env);
    expect(exec.status).toBe(1);
    expect(exec.stderr).toMatch(message);
    const system = await docker(['--context', 'ws2016', 'gmsa', 'exec', '--system', 'old1', 'cmd'], env);
    expect(system.status).toBe(1);
    expect(system.stderr).toMatch(message);
    const run = await docker(['--context', 'ws2016', 'gmsa', 'run', '--network-service', 'webapp01', '-d', APP], env);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    // a usage error, for contrast
    expect((await docker(['--context', 'ws2016', 'gmsa', 'exec', 'old1'], env)).status).toBe(2);
  });
});

describe("README: the exec examples work as printed, in a POSIX shell", () => {
  /** The lines of the code block under the README's exec heading. */
  function readmeExecLines(): string[] {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /^### `exec` and `verify`[^\n]*\n+```\n([\s\S]*?)\n```/m.exec(text);
    expect(m).not.toBeNull();
    return m![1]!.split('\n').filter((l) => l.trim() !== '');
  }

  test('each line, in order, against a Windows Server 2022 engine', async () => {
    expect((await plugin(['install'], env)).status).toBe(0);
    const e = await engine('readme', 'windows-20348-engine-24.0');
    const lineEnv = { ...env, DOCKER_CONTEXT: 'readme' };
    const lines = readmeExecLines();
    expect(lines.some((l) => l.startsWith('docker gmsa exec '))).toBe(true);
    for (const line of lines) {
      let r: RunResult;
      if (/ -\w*i\w*t| -\w*t\w*i/.test(line)) {
        // interactive: at a terminal, left with docker's default detach keys once the prompt shows
        let typed = false;
        r = await underTty(`${line}; echo "status=$?"`, lineEnv, (output, type) => {
          if (!typed && /C:\\>|PS C:\\> /.test(output)) {
            typed = true;
            type('\x10\x11');
          }
        });
        expect(r.stdout).toContain('read escape sequence');
      } else {
        r = await new Promise<RunResult>((resolve, reject) => {
          const child = spawn('sh', ['-c', line], { env: lineEnv, cwd: config, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
          let out = '';
          let err = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
          child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
          child.on('error', reject);
          child.on('close', (code) => resolve({ status: code ?? -1, stdout: out, stderr: err }));
        });
        expect({ line, status: r.status, stderr: r.stderr.replace(/^Hostname .*\n/m, '').replace(/^spec for webapp01: .*\n/m, '') }).toEqual({ line, status: 0, stderr: '' });
      }
      if (line.includes('SYSVOL')) {
        // the backslashes reached Windows: a UNC path, read as a machine identity
        expect(r.stdout).toContain('Directory of \\\\contoso.com\\SYSVOL');
        expect(lastExec(e, 'web1').request.User).toBe(NETWORK_SERVICE);
      }
    }
    // every exec named the container that the run line created, by its name
    expect(execsOf(e, 'web1').length).toBeGreaterThanOrEqual(lines.filter((l) => /gmsa (exec|verify) /.test(l)).length);
  });
});
