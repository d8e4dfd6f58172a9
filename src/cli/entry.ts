/**
 * Turns a parsed invocation into a run: builds the dependencies, dispatches to completion or the command
 * tree, and renders every error the same way (`Error: <what>` plus a hint line). Returns the exit code;
 * main.ts sets it.
 */
import { homedir } from 'node:os';
import metadata from '../../plugin-metadata/docker-cli-plugin-metadata.json';
import { CheckFailedError, exitCodeFor, GmsaError, PassThroughExit } from '../errors';
import { completionFromCaller, parseInvocation } from '../plugin/argv';
import type { DockerGlobals } from '../engine/globals';
import type { EngineSession } from '../engine/session';
import type { Deps, Io } from './deps';

export interface Process {
  env: NodeJS.ProcessEnv;
  cwd: string;
  platform: NodeJS.Platform;
  execPath: string;
  scriptPath: string;
  version: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export const REPORT_HINT =
  'This is a bug in docker gmsa. Please report it with the command you ran and the output of ' +
  "'docker gmsa version'; run with -D (docker -D gmsa ...) to include the stack trace.";

function makeIo(proc: Process): Io {
  return {
    out: (s) => void proc.stdout.write(s),
    err: (s) => void proc.stderr.write(s),
    readStdin: async (maxBytes) => {
      if (maxBytes !== undefined) {
        const { readBoundedStream } = require('../util/safe-fs') as typeof import('../util/safe-fs');
        return readBoundedStream(proc.stdin, maxBytes);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of proc.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks);
    },
  };
}

/** True when this process is a packaged executable (Node single executable application). */
function isPackaged(): boolean {
  try {
    // node:sea exists from Node 20; isSea() is false for a plain script.
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

export function makeDeps(globals: DockerGlobals, proc: Process, io: Io): Deps {
  let session: Promise<EngineSession> | undefined;
  const packaged = isPackaged();
  const deps: Deps = {
    io,
    env: proc.env,
    globals,
    cwd: proc.cwd,
    platform: proc.platform,
    homedir: homedir(),
    self: packaged ? { path: proc.execPath, packaged } : { path: proc.scriptPath, packaged, node: proc.execPath },
    version: proc.version,
    engine: () => {
      if (!session) {
        const { openEngineSession } = require('../engine/session') as typeof import('../engine/session');
        session = openEngineSession(deps);
      }
      return session;
    },
  };
  return deps;
}

export function renderError(err: unknown, debug: boolean): string {
  if (err instanceof GmsaError) {
    let text = `Error: ${err.message}\n`;
    if (err.hint) text += `Hint: ${err.hint}\n`;
    if (debug && err.stack) text += `${err.stack}\n`;
    return text;
  }
  const message = err instanceof Error ? err.message : String(err);
  let text = `Error: unexpected failure: ${message}\n${REPORT_HINT}\n`;
  if (debug && err instanceof Error && err.stack) text += `${err.stack}\n`;
  return text;
}

export async function runMain(argv: readonly string[], proc: Process): Promise<number> {
  const io = makeIo(proc);
  let debug = argv.includes('-D') || argv.includes('--debug');
  try {
    const inv = parseInvocation(argv);
    if (inv.kind === 'metadata') {
      // main.ts answers the handshake itself; kept for callers that use runMain directly.
      io.out(JSON.stringify(metadata, null, 2) + '\n');
      return 0;
    }
    debug = inv.globals.debug;
    if (inv.kind === 'complete') {
      const { complete, callerArgs } = require('./complete') as typeof import('./complete');
      // the docker CLI drops its global flags when it hands completion over: read them from the caller
      const req = completionFromCaller(inv, callerArgs(proc.env));
      io.out(await complete(req.words, makeDeps(req.globals, proc, io), req.descriptions));
      return 0;
    }
    const deps = makeDeps(inv.globals, proc, io);
    const { runProgram } = require('./program') as typeof import('./program');
    await runProgram(inv.args, deps);
    return 0;
  } catch (err) {
    // A negative check already printed its report (the answer); saying it again as an error would repeat it.
    if (!(err instanceof PassThroughExit) && !(err instanceof CheckFailedError)) io.err(renderError(err, debug));
    return err instanceof GmsaError ? exitCodeFor(err) : 1;
  }
}
