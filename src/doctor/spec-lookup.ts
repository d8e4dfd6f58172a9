/**
 * The one place doctor asks which credential spec ACCOUNT gets: the one spec lookup every command uses
 * (cli/spec-lookup.ts: --spec, the engine's store or --root, Active Directory), quietly: what it would
 * print goes into the check's evidence instead.
 */
import type { SpecChoice } from '../engine/run-plan';
import type { HostProfile } from '../engine/profile';
import type { DirectoryFlags } from '../ad/settings';
import type { Deps } from '../cli/deps';
import { SpecInvalidError } from '../errors';

export type SpecLookup =
  | { ok: true; choice: SpecChoice; where: string }
  /** Found but not valid: the validation report, as the lookup printed it. */
  | { ok: false; invalid: string; where: string };

export async function lookupSpec(
  account: string,
  o: { spec?: string; root?: string; directory?: DirectoryFlags },
  profile: HostProfile | undefined,
  deps: Deps,
): Promise<SpecLookup> {
  const { findSpec } = require('../cli/spec-lookup') as typeof import('../cli/spec-lookup');
  const { describeOrigin } = require('../credspec/lookup') as typeof import('../credspec/lookup');
  let report = '';
  const quiet: Deps = { ...deps, io: { ...deps.io, err: (s) => void (report += s) } };
  const where = o.spec ?? "the engine's store";
  try {
    const found = await findSpec(
      {
        account,
        ...(o.spec !== undefined ? { spec: o.spec } : {}),
        ...(o.root !== undefined ? { root: o.root } : {}),
        ...(profile ? { profile } : {}),
        ...(o.directory ? { directory: o.directory } : {}),
      },
      quiet,
    );
    const choice: SpecChoice = found.storeName ? { storeName: found.storeName, spec: found.spec } : { spec: found.spec };
    return { ok: true, choice, where: found.path ?? describeOrigin(found.origin) };
  } catch (err) {
    if (err instanceof SpecInvalidError) return { ok: false, invalid: report.trim() || err.message, where };
    throw err;
  }
}
