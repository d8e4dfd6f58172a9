/** Wiring shared by the `spec` commands: the --root option and opening the store it points at. */
import { Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsError } from '../errors';
import { readSpecFile, readSpecStdin } from '../credspec/source';
import { SpecStore } from '../credspec/store';
import { describeEndpoint } from '../engine/endpoint';
import { storeFromProfile, storeFromRoot, type StoreLocation } from '../engine/store-location';
import type { Deps } from './deps';

export function rootOption(): Option {
  return new Option(
    '--root <dir>',
    "Docker root folder whose CredentialSpecs folder is the store (default: the engine's DockerRootDir)",
  );
}

/**
 * The store of --root DIR (which must exist: see SpecStore's root option), else the engine's own when it
 * is on this machine.
 */
export async function openStore(root: string | undefined, deps: Deps): Promise<{ store: SpecStore; location: StoreLocation }> {
  if (root !== undefined) {
    const location = storeFromRoot(root, deps.cwd);
    return { store: new SpecStore(location.dir, { root: resolve(deps.cwd, root) }), location };
  }
  const session = await deps.engine();
  const location = storeFromProfile(await session.profile(), describeEndpoint(session.endpoint));
  return { store: new SpecStore(location.dir), location };
}

export interface SpecSource {
  /** What the user typed, for messages. */
  label: string;
  /** A path on this machine, when the spec came from a file or the store. */
  path?: string;
  bytes: Buffer;
}

function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || arg.startsWith('.');
}

/**
 * FILE|NAME arguments: `-` is standard input; anything with a separator, or an existing file in the
 * current folder, is a file; otherwise a name in the store (opened only when needed). Every read is
 * bounded (readSpecFile, readSpecStdin).
 */
export async function readSpecArg(arg: string, root: string | undefined, deps: Deps): Promise<SpecSource> {
  if (arg === '-') return { label: '(stdin)', bytes: await readSpecStdin((max) => deps.io.readStdin(max)) };
  const local = resolve(deps.cwd, arg);
  if (looksLikePath(arg) || (existsSync(local) && !statSync(local).isDirectory())) {
    try {
      return { label: arg, path: local, bytes: await readSpecFile(local) };
    } catch (err) {
      throw fsError(err, 'read', local);
    }
  }
  const { store } = await openStore(root, deps);
  const found = await store.read(arg);
  return { label: arg, path: found.path, bytes: found.bytes };
}
