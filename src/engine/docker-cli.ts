/**
 * Re-running the user's docker CLI with the same global flags, so the command lands on the same context
 * and endpoint the user picked (the docker CLI passes plugins its global flags but not a resolved
 * endpoint). The only place that spawns docker.
 */
import { spawn } from 'node:child_process';
import { EngineError } from '../errors';
import type { DockerGlobals } from './globals';

/**
 * Variables no child process gets: the directory password (GMSA_LDAP_PASSWORD) and any other GMSA_*
 * variable whose name says it holds a secret. docker, compose and ssh read none of them; the other GMSA_*
 * variables (domain, DC URL, user name) are kept because a compose file may interpolate them.
 */
const SECRET_VARIABLE = /^GMSA_\w*(PASSWORD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|KEY)\w*$/i;

/** The environment every child process (docker, docker-compose, ssh) is started with. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!SECRET_VARIABLE.test(k)) out[k] = v;
  return out;
}

/** The docker CLI to run: the one that started this plugin, else `docker` from PATH. */
export function dockerExecutable(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND || 'docker';
}

/** The global flags as the user gave them, ready to go before the subcommand. */
export function globalArgs(g: DockerGlobals): string[] {
  const a: string[] = [];
  if (g.config) a.push('--config', g.config);
  if (g.context) a.push('--context', g.context);
  for (const h of g.hosts) a.push('--host', h);
  if (g.debug) a.push('--debug');
  if (g.logLevel) a.push('--log-level', g.logLevel);
  if (g.tls) a.push('--tls');
  if (g.tlsVerify !== undefined) a.push(`--tlsverify=${g.tlsVerify}`);
  if (g.tlsCaCert) a.push('--tlscacert', g.tlsCaCert);
  if (g.tlsCert) a.push('--tlscert', g.tlsCert);
  if (g.tlsKey) a.push('--tlskey', g.tlsKey);
  return a;
}

export function dockerArgv(g: DockerGlobals, args: readonly string[]): string[] {
  return [...globalArgs(g), ...args];
}

function spawnError(exe: string, err: NodeJS.ErrnoException): EngineError {
  return new EngineError(
    err.code === 'ENOENT' ? `cannot run the docker CLI: ${exe} was not found` : `cannot run the docker CLI (${exe}): ${err.message}`,
    'Install the docker CLI, or put it on PATH.',
  );
}

/** Runs docker with inherited stdio; resolves to its exit code (128+n when killed by signal n). */
export function runDocker(env: NodeJS.ProcessEnv, g: DockerGlobals, args: readonly string[]): Promise<number> {
  const exe = dockerExecutable(env);
  return new Promise((resolve, reject) => {
    const child = spawn(exe, dockerArgv(g, args), { stdio: 'inherit', env: childEnv(env) });
    child.on('error', (err) => reject(spawnError(exe, err)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9 } as Record<string, number>)[signal] ?? 1) : 1)));
  });
}

/** Runs docker and captures its output (for commands whose output we parse). */
export function captureDocker(env: NodeJS.ProcessEnv, g: DockerGlobals, args: readonly string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const exe = dockerExecutable(env);
  return new Promise((resolve, reject) => {
    const child = spawn(exe, dockerArgv(g, args), { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(env), timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(spawnError(exe, e)));
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** The docker command as the user would type it (their CLI and global flags), quoted to paste. */
export function commandLine(env: NodeJS.ProcessEnv, g: DockerGlobals, args: readonly string[], platform: NodeJS.Platform): string {
  const { quoteCommand } = require('./docker-args') as typeof import('./docker-args');
  return quoteCommand([dockerExecutable(env), ...globalArgs(g), ...args], platform);
}
