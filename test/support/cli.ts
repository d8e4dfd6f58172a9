/**
 * Running the built plugin and the real docker CLI from tests. The bundle is what users install, so
 * end-to-end tests drive dist/docker-gmsa.js (built by `npm test` before jest starts; built here when
 * missing so a single test file can run on its own).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BUNDLE = join(ROOT, 'dist', 'docker-gmsa.js');

export function ensureBuilt(): string {
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  return BUNDLE;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** The environment a test runs the CLI in: no inherited docker settings unless the test gives them. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('DOCKER_') && !k.startsWith('GMSA_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * Runs a command without blocking the event loop: stand-in engines served from the test process must
 * keep answering while the CLI runs.
 */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<RunResult> {
  return runIn(undefined, cmd, args, env, input);
}

/** run() in a working folder (undefined: this process's). */
export function runIn(cwd: string | undefined, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // a command that exits before reading its input (EPIPE)
    child.on('close', (code, signal) =>
      resolve({
        status: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A child that exits without reading its input (the sh handshake does) closes the pipe first: EPIPE
    // here is not the child's failure, its exit status says how it went.
    child.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.stdin.end(input ?? '');
  });
}

/** `node dist/docker-gmsa.js ARGS`: the plugin exactly as installed, without the docker CLI. */
export function plugin(args: readonly string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<RunResult> {
  return run(process.execPath, [ensureBuilt(), ...args], env, input);
}

export function docker(args: readonly string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<RunResult> {
  return run('docker', args, env, input);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gmsa-${prefix}-`));
}

/** A short socket path (unix sockets are limited to about 100 bytes). */
export function socketPath(name: string): string {
  return join(mkdtempSync('/tmp/gs-'), `${name}.sock`);
}

export const DOMAIN_FLAGS = [
  '--offline',
  '--domain-dns',
  'contoso.com',
  '--netbios',
  'CONTOSO',
  '--domain-sid',
  'S-1-5-21-1111111111-2222222222-3333333333',
  '--domain-guid',
  'b8453a02-7d3f-4dc2-9c73-c3d57f725694',
];
