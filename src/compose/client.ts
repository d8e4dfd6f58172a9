/**
 * Running the user's compose client on the rewritten files: `docker compose` (the v2 plugin, through the
 * user's docker CLI with the same global flags) when `docker compose version` works, else the standalone
 * `docker-compose` (the v1 Python client, or v2 installed standalone) pointed at the same engine.
 * Rewritten files live in a private temporary folder; the user's files are never written.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { EngineError, fsError } from '../errors';
import { captureDocker, childEnv, runDocker } from '../engine/docker-cli';
import { resolveEndpoint } from '../engine/endpoint';
import type { DockerGlobals } from '../engine/globals';
import { writeFileAtomic } from '../util/atomic-write';

export type ComposeClient = { kind: 'plugin' } | { kind: 'standalone'; exe: string } | { kind: 'none' };

export const STANDALONE = 'docker-compose';

/** The first `docker-compose` on PATH (with PATHEXT on Windows). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext.toLowerCase());
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export async function detectClient(env: NodeJS.ProcessEnv, globals: DockerGlobals, platform: NodeJS.Platform): Promise<ComposeClient> {
  try {
    const r = await captureDocker(env, globals, ['compose', 'version'], 30_000);
    if (r.code === 0) return { kind: 'plugin' };
  } catch {
    // No docker CLI: try the standalone client.
  }
  const exe = findOnPath(STANDALONE, env, platform);
  return exe ? { kind: 'standalone', exe: STANDALONE } : { kind: 'none' };
}

/**
 * The standalone client does not get docker's global flags: point it at the engine the docker CLI would
 * use. DOCKER_HOST and the default need nothing (the client reads them itself); any other endpoint
 * without TLS is given with --host; -H with TLS keeps its TLS flags; a stored context with TLS is named
 * with --context (and its config folder with DOCKER_CONFIG; docker-py finds contexts only next to a
 * config.json).
 */
export function standaloneTarget(
  globals: DockerGlobals,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  homedir: string,
): { args: string[]; env: NodeJS.ProcessEnv } {
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (globals.config) childEnv.DOCKER_CONFIG = globals.config;
  const ep = resolveEndpoint(globals, env, platform, homedir);
  const args: string[] = [];
  if (ep.source === 'env' || ep.source === 'default') return { args, env: childEnv };
  if (!ep.tls) {
    args.push('--host', ep.host);
  } else if (ep.source === 'flag') {
    args.push('--host', ep.host);
    if (globals.tls) args.push('--tls');
    if (globals.tlsVerify) args.push('--tlsverify');
    if (globals.tlsCaCert) args.push('--tlscacert', globals.tlsCaCert);
    if (globals.tlsCert) args.push('--tlscert', globals.tlsCert);
    if (globals.tlsKey) args.push('--tlskey', globals.tlsKey);
  } else {
    args.push('--context', ep.contextName);
    childEnv.DOCKER_CONFIG = ep.configDir;
  }
  return { args, env: childEnv };
}

/** The argv (after the program) of the compose command: client prefix, then compose's arguments. */
export function clientArgv(client: ComposeClient, target: { args: string[] }, composeArgs: readonly string[]): { exe: string | undefined; args: string[] } {
  if (client.kind === 'standalone') return { exe: client.exe, args: [...target.args, ...composeArgs] };
  return { exe: undefined, args: ['compose', ...composeArgs] };
}

/** A private folder for the rewritten files (0700), removed by the caller. */
export function makeTempFolder(): string {
  try {
    return mkdtempSync(nodePath.join(tmpdir(), 'docker-gmsa-compose-'));
  } catch (err) {
    throw fsError(err, 'create a temporary folder in', tmpdir());
  }
}

export function removeTempFolder(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort: it is in the temporary folder.
  }
}

/** File names in the temporary folder: the original names, numbered when two would collide. */
export function tempNames(originals: readonly string[]): string[] {
  const base = originals.map((o) => (o === '-' ? 'stdin-compose.yaml' : nodePath.basename(o)));
  const clash = base.some((b, i) => base.indexOf(b) !== i);
  return clash ? base.map((b, i) => `${i + 1}-${b}`) : base;
}

export async function writeTempFile(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text, { mode: 0o600, overwrite: false });
}

function spawnFailure(exe: string, err: NodeJS.ErrnoException): EngineError {
  return new EngineError(
    err.code === 'ENOENT' ? `cannot run ${exe}: it was not found` : `cannot run ${exe}: ${err.message}`,
    'Install Docker Compose (the docker compose plugin, or docker-compose), or put it on PATH.',
  );
}

/**
 * Runs the compose command with inherited stdio and resolves to its exit status. Ctrl-C reaches the
 * client directly (same terminal), so this process only waits for it to finish.
 */
export async function runClient(
  client: ComposeClient,
  argv: { exe: string | undefined; args: string[] },
  env: NodeJS.ProcessEnv,
  globals: DockerGlobals,
): Promise<number> {
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  try {
    if (client.kind !== 'standalone' || argv.exe === undefined) return await runDocker(env, globals, argv.args);
    const exe = argv.exe;
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(exe, argv.args, { stdio: 'inherit', env: childEnv(env) });
      const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
      const term = forward('SIGTERM');
      const hup = forward('SIGHUP');
      process.on('SIGTERM', term);
      process.on('SIGHUP', hup);
      const done = (): void => {
        process.off('SIGTERM', term);
        process.off('SIGHUP', hup);
      };
      child.on('error', (err) => {
        done();
        reject(spawnFailure(exe, err));
      });
      child.on('close', (code, signal) => {
        done();
        resolve(code ?? (signal ? 128 + (({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1 } as Record<string, number>)[signal] ?? 1) : 1));
      });
    });
  } finally {
    process.off('SIGINT', ignore);
  }
}
