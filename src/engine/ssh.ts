/**
 * ssh:// endpoints the way the docker CLI reaches them: it runs the system's ssh client,
 * `ssh "-o ConnectTimeout=30" -T [-l USER] [-p PORT] -- HOST docker [--host unix://PATH] system dial-stdio`,
 * and speaks HTTP over that process's stdin and stdout. Doing the same (rather than docker-modem's own ssh2
 * client) gives the user's ~/.ssh/config, keys and known_hosts check, the same behaviour as `docker -H
 * ssh://...`, and no invalid URL inside docker-modem (its ssh mode builds `ssh:HOST:PORTHOST`, which Node
 * warns about and will refuse).
 *
 * `-o BatchMode=yes` is added: each API call is its own connection, so ssh must never stop to prompt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { Duplex } from 'node:stream';
import { childEnv } from './docker-cli';
import type { ParsedHost } from './endpoint';

/** The ssh client's arguments for an ssh:// endpoint (the docker CLI's, plus BatchMode). */
export function sshArgs(ep: Pick<ParsedHost, 'hostname' | 'port' | 'username' | 'remoteSocket'>): string[] {
  // '-o ConnectTimeout=30' as one argument, exactly as the docker CLI passes it.
  const a = ['-o ConnectTimeout=30', '-T', '-o', 'BatchMode=yes'];
  if (ep.username !== undefined) a.push('-l', ep.username);
  if (ep.port !== undefined) a.push('-p', String(ep.port));
  a.push('--', ep.hostname ?? '', 'docker');
  if (ep.remoteSocket !== undefined) a.push('--host', `unix://${ep.remoteSocket}`);
  a.push('system', 'dial-stdio');
  return a;
}

/** What an ssh process that ended before the engine answered said, as an error (code ESSH). */
function sshFailure(status: number | null, signal: NodeJS.Signals | null, stderr: string): Error {
  const said = stderr.trim().split(/\r?\n/).filter(Boolean).slice(-3).join('; ');
  const how = status !== null ? `exit status ${status}` : `signal ${signal ?? '?'}`;
  return Object.assign(new Error(`ssh ended (${how})${said ? `: ${said}` : ' without a message'}`), { code: 'ESSH' });
}

/** A connection over a command's stdin/stdout, enough of a socket for Node's http client. */
class CommandConnection extends Duplex {
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    super();
    this.child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv(env), windowsHide: true });
    const { stdout, stderr, stdin } = this.child;
    stdout?.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    stdin?.on('error', () => undefined); // EPIPE when ssh is gone; 'close' reports why
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      this.destroy(
        Object.assign(new Error(err.code === 'ENOENT' ? `cannot run ${command}: it was not found (install the OpenSSH client)` : `cannot run ${command}: ${err.message}`), { code: 'ESSH' }),
      );
    });
    // The end of the stream is decided when ssh has exited, so that its failure (not an empty reply) is
    // what the request reports.
    this.child.on('close', (status, signal) => {
      if (this.destroyed) return;
      if (status === 0) this.push(null);
      else this.destroy(sshFailure(status, signal, this.stderr));
    });
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (!this.child.stdin || this.child.stdin.destroyed) return callback();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    callback(err);
  }

  // The socket methods Node's http client may call.
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** An http.Agent whose every connection is a new `ssh ... docker system dial-stdio`. */
export function sshAgent(ep: Pick<ParsedHost, 'hostname' | 'port' | 'username' | 'remoteSocket'>, env: NodeJS.ProcessEnv, command = 'ssh'): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  const args = sshArgs(ep);
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => new CommandConnection(command, args, env);
  return agent;
}
