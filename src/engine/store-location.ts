/**
 * Where the credential spec store of an engine is, and whether this machine can reach it.
 * The store is `<DockerRootDir>/CredentialSpecs`; `--root DIR` names a Docker root directly.
 */
import { resolve } from 'node:path';
import { UnsupportedEngineError, UsageError } from '../errors';
import type { HostProfile } from './profile';

export interface StoreLocation {
  dir: string;
  /** How the folder was chosen, for messages. */
  from: 'root-flag' | 'engine';
}

export const STORE_FOLDER = 'CredentialSpecs';

/** The store under `--root DIR`. An empty DIR is a usage error (it would silently mean the current folder). */
export function storeFromRoot(root: string, cwd: string): StoreLocation {
  if (root.trim() === '') throw new UsageError('--root needs a folder, and an empty one was given', 'Name the Docker root folder, e.g. --root /mnt/docker (--root . for the current folder).');
  return { dir: resolve(cwd, root, STORE_FOLDER), from: 'root-flag' };
}

/** The engine's own store, when it is on this machine; otherwise an error that says what to do. */
export function storeFromProfile(profile: HostProfile, where: string): StoreLocation {
  if (profile.osType !== 'windows') {
    throw new UnsupportedEngineError(
      `the engine at ${where} is a ${profile.osType} engine; credential specs are read only by Windows engines`,
      'Pass --root DIR to work on a Docker root folder directly, or point docker at a Windows engine (docker --context NAME gmsa ...).',
    );
  }
  if (!profile.rootDirLocal || !profile.credentialSpecsDir) {
    throw new UnsupportedEngineError(
      `the engine at ${where} keeps its credential specs in ${profile.credentialSpecsDir ?? 'its Docker root'} on the engine host, which is not on this machine`,
      'Pass --root DIR (a share or copy of that Docker root), or deliver the spec inline with `docker gmsa run --spec-mode raw`.',
    );
  }
  return { dir: profile.credentialSpecsDir, from: 'engine' };
}
