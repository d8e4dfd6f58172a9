/**
 * What a command needs from the outside world, handed in by main.ts so commands stay testable and the
 * adapters (the engine client with Node's http) load only when a command asks for the engine.
 */
import type { DockerGlobals } from '../engine/globals';
import type { EngineSession } from '../engine/session';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /**
   * Reads all of standard input (for `-` arguments and --password-stdin); with `maxBytes`, stops after
   * maxBytes + 1 bytes so that an endless input costs no more (the caller refuses a longer result).
   */
  readStdin(maxBytes?: number): Promise<Buffer>;
}

export interface Deps {
  io: Io;
  env: NodeJS.ProcessEnv;
  globals: DockerGlobals;
  cwd: string;
  platform: NodeJS.Platform;
  homedir: string;
  /** The running plugin: the bundle file, or the executable when packaged as one; node: the Node running the bundle. */
  self: { path: string; packaged: boolean; node?: string };
  version: string;
  /** Connects to the engine the user's docker CLI would use (resolved once, on first call). */
  engine(): Promise<EngineSession>;
}

export function warn(deps: Deps, message: string): void {
  deps.io.err(`Warning: ${message}\n`);
}
