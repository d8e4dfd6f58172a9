/**
 * Which credential spec a workload gets: the one lookup every command uses (run, compose, service
 * create/update, stack deploy, k8s, servicefabric). Pure: the sources are handed in as steps (the
 * adapters are in cli/spec-lookup.ts); this module runs them in the documented order, validates what the
 * first one finds, and turns "nothing found" into one error that lists what was tried.
 *
 * The order (README, "Where the spec comes from"):
 *   1. `--spec FILE|NAME` (x-gmsa: {spec: ...}): only that, when given;
 *   2. the engine's own CredentialSpecs folder, when this machine reads it (or --root);
 *   3. on a swarm manager: the swarm's gMSA configs for the account (labels of `service create`);
 *   4. Active Directory, when a directory is configured (and not --offline): built from the domain facts
 *      exactly as `spec create` builds it, writing no file.
 */
import { GmsaError, InvalidInputError, NotFoundError, SpecInvalidError } from '../errors';
import type { CredentialSpec } from './model';
import { makeReport, renderReport } from './report';
import { validateSpecBytes } from './validate';

/** Where a spec came from; decides the delivery (file:// for the engine's store, else raw:// or config://). */
export type SpecOrigin =
  | { kind: 'file'; path: string; label: string }
  | { kind: 'store'; dir: string; name: string; root: boolean }
  | { kind: 'swarm'; configName: string; configId: string }
  | { kind: 'directory'; domain: string };

export interface FoundSpec {
  bytes: Buffer;
  origin: SpecOrigin;
}

/** A step that did not find the spec says why, and may know the one thing that would fix that. */
export interface Miss {
  reason: string;
  fix?: string;
}

export type StepResult = { found: FoundSpec } | { miss: Miss };

export interface LookupStep {
  /** How the error names the step: "--spec", "the engine's store", "swarm configs", "Active Directory". */
  title: string;
  run(): Promise<StepResult>;
}

export interface LookupWording {
  /** What did not happen when the spec is invalid ("the container was not started"). */
  outcome: string;
  /** The fix when no step knows a better one. */
  notFoundHint(account: string): string;
  mismatchHint(primary: string, account: string): string;
}

export interface LookedUpSpec {
  spec: CredentialSpec;
  bytes: Buffer;
  origin: SpecOrigin;
  /** The file name in the engine's CredentialSpecs folder, when the spec is known to be there. */
  storeName?: string;
}

export function describeOrigin(origin: SpecOrigin): string {
  switch (origin.kind) {
    case 'file':
      return `file ${origin.label}`;
    case 'store':
      return `${origin.name} in ${origin.root ? 'the --root' : "the engine's"} CredentialSpecs folder (${origin.dir})`;
    case 'swarm':
      return `swarm config ${origin.configName}`;
    case 'directory':
      return `built from ${origin.domain}`;
  }
}

/** The stderr line every command prints: `spec for webapp01: built from contoso.com`. */
export function originLine(account: string, origin: SpecOrigin): string {
  return `spec for ${account}: ${describeOrigin(origin)}`;
}

/** The error when no step found a spec: every step with its reason, in order, and the one fix. */
export function notFound(account: string, tried: ReadonlyArray<{ title: string; miss: Miss }>, wording: LookupWording): NotFoundError {
  const lines = tried.map((t, i) => `  ${i + 1}. ${t.title}: ${t.miss.reason}`);
  const fix = [...tried].reverse().find((t) => t.miss.fix !== undefined)?.miss.fix ?? wording.notFoundHint(account);
  return new NotFoundError(`no credential spec found for ${account}; tried, in order:\n${lines.join('\n')}`, fix);
}

/**
 * Validates the bytes a step found: an invalid spec prints its report (through `report`) and stops; a
 * spec of another gMSA is refused.
 */
export function acceptSpec(account: string, found: FoundSpec, wording: LookupWording, report: (text: string) => void): LookedUpSpec {
  const label = found.origin.kind === 'file' ? found.origin.label : found.origin.kind === 'store' ? found.origin.name : describeOrigin(found.origin);
  const v = validateSpecBytes(found.bytes);
  const r = makeReport(label, v.findings, v.encoding);
  if (!r.Valid || !v.spec) {
    report(renderReport(r));
    throw new SpecInvalidError(`${label} is not a valid credential spec; ${wording.outcome}`, `Fix the errors above (docker gmsa spec validate ${label}).`);
  }
  const primary = v.spec.DomainJoinConfig.MachineAccountName;
  if (primary.toLowerCase() !== account.toLowerCase()) {
    throw new InvalidInputError(`${label} is the spec of the gMSA ${primary}, not ${account}`, wording.mismatchHint(primary, account));
  }
  const out: LookedUpSpec = { spec: v.spec, bytes: found.bytes, origin: found.origin };
  if (found.origin.kind === 'store') out.storeName = found.origin.name;
  return out;
}

/** Runs the steps in order; the first that finds a spec wins. Errors other than a miss stop the lookup. */
export async function lookupSpec(
  account: string,
  steps: readonly LookupStep[],
  wording: LookupWording,
  report: (text: string) => void,
): Promise<LookedUpSpec> {
  const tried: Array<{ title: string; miss: Miss }> = [];
  for (const step of steps) {
    const r = await step.run();
    if ('found' in r) return acceptSpec(account, r.found, wording, report);
    tried.push({ title: step.title, miss: r.miss });
  }
  throw notFound(account, tried, wording);
}

/** A step's failure as a miss (its message and hint), for sources whose failure must not end the lookup. */
export function missFrom(err: unknown): Miss {
  if (!(err instanceof GmsaError)) throw err;
  return err.hint !== undefined ? { reason: err.message, fix: err.hint } : { reason: err.message };
}
