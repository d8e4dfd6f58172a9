/**
 * The pieces of the spec lookup that depend on this machine: whether a --spec argument is a file, which
 * store this machine reads, and how each command words the lookup's errors. The lookup itself is
 * credspec/lookup.ts, with its adapters in cli/spec-lookup.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LookupWording } from '../credspec/lookup';
import { SpecStore } from '../credspec/store';
import type { HostProfile } from '../engine/profile';
import { storeFromRoot } from '../engine/store-location';

/** A separator, a leading dot, or an existing file makes a --spec argument a file rather than a store name. */
export function looksLikeFile(arg: string, cwd: string): boolean {
  if (/[\\/]/.test(arg) || arg.startsWith('.')) return true;
  const p = resolve(cwd, arg);
  return existsSync(p) && statSync(p).isFile();
}

/** The store this machine can read for the engine: --root, else the engine's own when it is local. */
export function localStore(root: string | undefined, profile: HostProfile | undefined, cwd: string): SpecStore | undefined {
  if (root !== undefined) return new SpecStore(storeFromRoot(root, cwd).dir);
  if (profile && profile.osType === 'windows' && profile.rootDirLocal && profile.credentialSpecsDir) return new SpecStore(profile.credentialSpecsDir);
  return undefined;
}

/**
 * How a command talks about the spec lookup: `run` by default; compose, stack, k8s and servicefabric give
 * their own outcome and hints (their users pick specs with x-gmsa or other flags).
 */
export interface SpecWording extends LookupWording {
  ambiguousHint(account: string): string;
  /** The fix when --spec NAME names a store this machine cannot read. */
  remoteHint(account: string): string;
  /** How this command names a spec file ("--spec FILE"). */
  fileHint?(account: string): string;
}

export const RUN_WORDING: SpecWording = {
  outcome: 'the container was not started',
  notFoundHint: (account) => `Create one: docker gmsa spec create ${account} (add --root DIR or the domain flags as needed), or name a file with --spec.`,
  ambiguousHint: () => 'Pick one with --spec NAME.',
  mismatchHint: (primary, account) => `Run it as docker gmsa run ${primary} ..., or pick the spec of ${account}.`,
  remoteHint: () => 'Give the spec file with --spec FILE (it is then passed inline), or point --root at a share of the Docker root.',
};

/** The wording for specs named in compose files (x-gmsa), by compose and stack deploy. */
export function xGmsaWording(outcome: string): SpecWording {
  return {
    outcome,
    notFoundHint: (account) =>
      `Create one: docker gmsa spec create ${account} (add --root DIR or the domain flags as needed), or name a spec file with x-gmsa: {account: ${account}, spec: FILE}.`,
    ambiguousHint: (account) => `Pick one with x-gmsa: {account: ${account}, spec: NAME}.`,
    fileHint: (account) => `x-gmsa: {account: ${account}, spec: FILE}`,
    mismatchHint: () => 'Make the x-gmsa account and spec name the same gMSA (or leave spec out: docker gmsa finds the spec of the account).',
    remoteHint: (account) =>
      `Point --root at a share of the engine's Docker root, or name the spec file with x-gmsa: {account: ${account}, spec: FILE} (it is then passed inline).`,
  };
}
