/**
 * The one place doctor asks which credential spec ACCOUNT gets. Today that is run's lookup
 * (cli/run-spec.ts: --spec, else the store's spec for the account); when the lookup moves into its own
 * module, only the call below changes.
 */
import { join } from 'node:path';
import type { SpecChoice } from '../engine/run-plan';
import type { HostProfile } from '../engine/profile';
import type { Deps } from '../cli/deps';
import { SpecInvalidError } from '../errors';

export type SpecLookup =
  | { ok: true; choice: SpecChoice; where: string }
  /** Found but not valid: the validation report, as the lookup printed it. */
  | { ok: false; invalid: string; where: string };

export async function lookupSpec(account: string, o: { spec?: string; root?: string }, profile: HostProfile | undefined, deps: Deps): Promise<SpecLookup> {
  const { localStore, resolveRunSpec } = require('../cli/run-spec') as typeof import('../cli/run-spec');
  const store = localStore(o.root, profile, deps.cwd);
  let report = '';
  const quiet: Deps = { ...deps, io: { ...deps.io, err: (s) => void (report += s) } };
  const where = o.spec ?? (store ? store.dir : "the engine's store");
  try {
    const choice = await resolveRunSpec(account, o.spec, store, quiet);
    return { ok: true, choice, where: choice.storeName && store ? join(store.dir, choice.storeName) : where };
  } catch (err) {
    if (err instanceof SpecInvalidError) return { ok: false, invalid: report.trim() || err.message, where };
    throw err;
  }
}
