/**
 * Which credential spec a container gets: `--spec NAME|FILE`, else the store's spec for the account (the
 * engine's store, or --root's): see SpecStore.chooseForAccount. Validated before anything runs.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { CredentialSpec } from '../credspec/model';
import { makeReport, renderReport } from '../credspec/report';
import { readSpecFile } from '../credspec/source';
import { SpecStore } from '../credspec/store';
import { validateSpecBytes } from '../credspec/validate';
import { fsError, InvalidInputError, NotFoundError, SpecInvalidError, UnsupportedEngineError } from '../errors';
import type { HostProfile } from '../engine/profile';
import { storeFromRoot } from '../engine/store-location';
import type { SpecChoice } from '../engine/run-plan';
import type { Deps } from './deps';

/** A separator, a leading dot, or an existing file (not a folder) makes a --spec argument a file rather than a store name. */
export function looksLikeFile(arg: string, cwd: string): boolean {
  if (/[\\/]/.test(arg) || arg.startsWith('.')) return true;
  const p = resolve(cwd, arg);
  return existsSync(p) && !statSync(p).isDirectory(); // a FIFO or device here is a file, to be refused as one
}

/** The store this machine can read for the engine: --root, else the engine's own when it is local. */
export function localStore(root: string | undefined, profile: HostProfile | undefined, cwd: string): SpecStore | undefined {
  if (root !== undefined) return new SpecStore(storeFromRoot(root, cwd).dir, { root: resolve(cwd, root) });
  if (profile && profile.osType === 'windows' && profile.rootDirLocal && profile.credentialSpecsDir) return new SpecStore(profile.credentialSpecsDir);
  return undefined;
}

/**
 * How a command talks about the spec lookup: `run` by default; compose, stack, k8s and servicefabric give
 * their own outcome and hints (their users pick specs with x-gmsa or other flags).
 */
export interface SpecWording {
  /** What did not happen when the spec is invalid ("the container was not started"). */
  outcome: string;
  notFoundHint(account: string): string;
  ambiguousHint(account: string): string;
  mismatchHint(primary: string, account: string): string;
  remoteHint(account: string): string;
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
    mismatchHint: () => 'Make the x-gmsa account and spec name the same gMSA (or leave spec out: docker gmsa finds the spec of the account).',
    remoteHint: (account) =>
      `Point --root at a share of the engine's Docker root, or name the spec file with x-gmsa: {account: ${account}, spec: FILE} (it is then passed inline).`,
  };
}

export async function resolveRunSpec(
  account: string,
  specArg: string | undefined,
  store: SpecStore | undefined,
  deps: Deps,
  wording: SpecWording = RUN_WORDING,
): Promise<SpecChoice> {
  let bytes: Buffer;
  let label: string;
  let storeName: string | undefined;
  if (specArg !== undefined && looksLikeFile(specArg, deps.cwd)) {
    const path = resolve(deps.cwd, specArg);
    try {
      bytes = await readSpecFile(path);
    } catch (err) {
      throw fsError(err, 'read', path);
    }
    label = specArg;
    if (store && resolve(dirname(path)) === resolve(store.dir)) storeName = basename(path);
  } else {
    if (!store) {
      throw new UnsupportedEngineError("the engine's CredentialSpecs folder is not on this machine, so specs there cannot be looked up", wording.remoteHint(account));
    }
    if (specArg !== undefined) {
      const found = await store.read(specArg);
      bytes = found.bytes;
      label = found.name;
      storeName = found.name;
    } else {
      const choice = await store.chooseForAccount(account);
      if (choice.kind === 'none') {
        throw new NotFoundError(`no credential spec for ${account} in ${store.dir}`, wording.notFoundHint(account));
      }
      if (choice.kind === 'ambiguous') {
        const names = choice.candidates.map((m) => m.name);
        throw new InvalidInputError(
          `${names.length} credential specs are for ${account}, and not exactly one of them has the default name <netbios>_<account>.json: ${names.join(', ')}`,
          wording.ambiguousHint(account),
        );
      }
      if (choice.others.length > 0) {
        deps.io.err(`spec for ${account}: ${choice.entry.name} (also matching: ${choice.others.map((e) => e.name).join(', ')})\n`);
      }
      const found = await store.read(choice.entry.name);
      bytes = found.bytes;
      label = found.name;
      storeName = found.name;
    }
  }
  const v = validateSpecBytes(bytes);
  const report = makeReport(label, v.findings, v.encoding);
  if (!report.Valid || !v.spec) {
    deps.io.err(renderReport(report));
    throw new SpecInvalidError(`${label} is not a valid credential spec; ${wording.outcome}`, `Fix the errors above (docker gmsa spec validate ${label}).`);
  }
  const spec: CredentialSpec = v.spec;
  const primary = spec.DomainJoinConfig.MachineAccountName;
  if (primary.toLowerCase() !== account.toLowerCase()) {
    throw new InvalidInputError(`${label} is the spec of the gMSA ${primary}, not ${account}`, wording.mismatchHint(primary, account));
  }
  return storeName ? { storeName, spec } : { spec };
}
