/** The plugin's runMain in this process, with captured output: for CLI-level unit tests (no build, no docker). */
import { PassThrough, Readable } from 'node:stream';
import { runMain, type Process } from '../../src/cli/entry';

export interface FakeProcess {
  proc: Process;
  out: () => string;
  err: () => string;
}

export function fakeProcess(env: NodeJS.ProcessEnv = {}, stdin = ''): FakeProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  return {
    proc: { env, cwd: process.cwd(), platform: 'linux', execPath: process.execPath, scriptPath: '/x/docker-gmsa', version: '9.9.9', stdout, stderr, stdin: Readable.from(stdin ? [Buffer.from(stdin)] : []) },
    out: () => o,
    err: () => e,
  };
}

/** runMain(argv) with an empty environment and the given stdin (none by default): the exit code and what it printed. */
export async function runInProcess(argv: readonly string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const f = fakeProcess({}, stdin);
  const code = await runMain(argv, f.proc);
  return { code, out: f.out(), err: f.err() };
}
