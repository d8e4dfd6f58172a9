/**
 * Which credential spec a container gets: `--spec NAME|FILE`, else the one spec in the engine's store (or
 * --root) whose MachineAccountName is the account. Validated before anything runs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { CredentialSpec } from '../credspec/model';
import { makeReport, renderReport } from '../credspec/report';
import { SpecStore } from '../credspec/store';
import { validateSpecBytes } from '../credspec/validate';
import { fsError, InvalidInputError, NotFoundError, SpecInvalidError, UnsupportedEngineError } from '../errors';
import type { HostProfile } from '../engine/profile';
import { storeFromRoot } from '../engine/store-location';
import type { SpecChoice } from '../engine/run-plan';
import type { Deps } from './deps';

function looksLikeFile(arg: string, cwd: string): boolean {
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

export async function resolveRunSpec(
  account: string,
  specArg: string | undefined,
  store: SpecStore | undefined,
  deps: Deps,
): Promise<SpecChoice> {
  let bytes: Buffer;
  let label: string;
  let storeName: string | undefined;
  if (specArg !== undefined && looksLikeFile(specArg, deps.cwd)) {
    const path = resolve(deps.cwd, specArg);
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw fsError(err, 'read', path);
    }
    label = specArg;
    if (store && resolve(dirname(path)) === resolve(store.dir)) storeName = basename(path);
  } else {
    if (!store) {
      throw new UnsupportedEngineError(
        "the engine's CredentialSpecs folder is not on this machine, so specs there cannot be looked up",
        'Give the spec file with --spec FILE (it is then passed inline), or point --root at a share of the Docker root.',
      );
    }
    if (specArg !== undefined) {
      const found = await store.read(specArg);
      bytes = found.bytes;
      label = found.name;
      storeName = found.name;
    } else {
      const matches = await store.findByAccount(account);
      if (matches.length === 0) {
        throw new NotFoundError(
          `no credential spec for ${account} in ${store.dir}`,
          `Create one: docker gmsa spec create ${account} (add --root DIR or the domain flags as needed), or name a file with --spec.`,
        );
      }
      if (matches.length > 1) {
        throw new InvalidInputError(
          `${matches.length} credential specs are for ${account}: ${matches.map((m) => m.name).join(', ')}`,
          'Pick one with --spec NAME.',
        );
      }
      const found = await store.read((matches[0] as { name: string }).name);
      bytes = found.bytes;
      label = found.name;
      storeName = found.name;
    }
  }
  const v = validateSpecBytes(bytes);
  const report = makeReport(label, v.findings, v.encoding);
  if (!report.Valid || !v.spec) {
    deps.io.err(renderReport(report));
    throw new SpecInvalidError(`${label} is not a valid credential spec; the container was not started`, `Fix the errors above (docker gmsa spec validate ${label}).`);
  }
  const spec: CredentialSpec = v.spec;
  const primary = spec.DomainJoinConfig.MachineAccountName;
  if (primary.toLowerCase() !== account.toLowerCase()) {
    throw new InvalidInputError(`${label} is the spec of the gMSA ${primary}, not ${account}`, `Run it as docker gmsa run ${primary} ..., or pick the spec of ${account}.`);
  }
  return storeName ? { storeName, spec } : { spec };
}
