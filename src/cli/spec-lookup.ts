/**
 * The adapters of the one spec lookup (credspec/lookup.ts runs them in order): a --spec file or store
 * name, the engine's CredentialSpecs folder (or --root), the swarm's gMSA configs, and Active Directory
 * through the builder `spec create` uses. Commands call findSpec and get the spec, where it came from
 * (printed on stderr), and the store name when file:// can deliver it.
 */
import { readSpecFile } from '../credspec/source';
import { join, resolve, dirname, basename } from 'node:path';
import { lookupSpec, missFrom, originLine, type LookedUpSpec, type LookupStep, type StepResult } from '../credspec/lookup';
import type { SpecStore, StoreEntry } from '../credspec/store';
import type { DirectoryFlags } from '../ad/settings';
import type { EngineClient } from '../engine/client';
import { describeEndpoint } from '../engine/endpoint';
import type { HostProfile } from '../engine/profile';
import { fsError, GmsaError, InvalidInputError, located, UnsupportedEngineError } from '../errors';
import type { Deps } from './deps';
import { localStore, looksLikeFile, RUN_WORDING, xGmsaWording, type SpecWording } from './run-spec';

export interface SpecRequest {
  /** The gMSA (bare name). */
  account: string;
  /** --spec FILE|NAME, or x-gmsa's spec. */
  spec?: string;
  root?: string;
  /** The folder relative --spec files are read from (compose and stack: the project's); default deps.cwd. */
  cwd?: string;
  /**
   * The engine whose store is step 2: its profile, 'ask' to connect to the engine the docker CLI would use
   * (a failure is a miss, not an error), or undefined when the engine did not answer.
   */
  profile?: HostProfile | 'ask';
  /** The swarm manager whose gMSA configs are step 3 (service create/update, stack deploy). */
  swarm?: EngineClient;
  /** Say so when a swarm command could not reach its manager (--dry-run). */
  swarmMissing?: string;
  /** The directory flags of the command (with the environment: GMSA_DOMAIN, GMSA_LDAP_URL...). */
  directory?: DirectoryFlags;
  offline?: boolean;
  wording?: SpecWording;
  /** The store listings of a run that looks up several accounts (xGmsaLookup): each folder is read once. */
  listings?: StoreListings;
}

/** One listing per CredentialSpecs folder, taken on first use, with the bytes it read. */
export interface StoreListings {
  of(store: SpecStore): Promise<{ entries: StoreEntry[]; bytes: Map<string, Buffer> }>;
}

export function storeListings(): StoreListings {
  const taken = new Map<string, Promise<{ entries: StoreEntry[]; bytes: Map<string, Buffer> }>>();
  return {
    of: (store) => {
      let p = taken.get(store.dir);
      if (!p) taken.set(store.dir, (p = store.listWithBytes()));
      return p;
    },
  };
}

export interface FoundSpecChoice extends LookedUpSpec {
  /** What names the spec in messages: the store name, the --spec argument, the config, or the account. */
  label: string;
  /** The file on this machine, when the spec came from a file or the store. */
  path?: string;
}

/** --offline, else GMSA_OFFLINE=1. */
export function offlineWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return flag === true || /^(1|true|yes)$/i.test(env.GMSA_OFFLINE ?? '');
}

/** A directory is configured when flags or environment name a domain or a domain controller. */
export function directoryConfigured(flags: DirectoryFlags, env: NodeJS.ProcessEnv): boolean {
  return (flags.server?.length ?? 0) > 0 || !!flags.domain || !!env.GMSA_LDAP_URL?.trim() || !!env.GMSA_DOMAIN?.trim();
}

async function engineProfile(req: SpecRequest, deps: Deps): Promise<{ profile?: HostProfile; where?: string; failure?: string }> {
  if (req.profile === 'ask') {
    try {
      const session = await deps.engine();
      return { profile: await session.profile(), where: describeEndpoint(session.endpoint) };
    } catch (err) {
      if (!(err instanceof GmsaError)) throw err;
      return { failure: `the engine did not answer (${err.message})` };
    }
  }
  if (!req.profile) return { failure: 'the engine did not answer' };
  try {
    return { profile: req.profile, where: describeEndpoint((await deps.engine()).endpoint) };
  } catch (err) {
    if (!(err instanceof GmsaError)) throw err;
    return { profile: req.profile };
  }
}

/** Why this machine cannot read the engine's store (no --root). */
function storeUnreadable(profile: HostProfile | undefined, where: string | undefined, failure: string | undefined): string {
  if (!profile) return failure ?? 'the engine did not answer';
  const at = where ? ` at ${where}` : '';
  if (profile.osType !== 'windows') return `the engine${at} is a ${profile.osType} engine, which keeps no credential specs`;
  return `the engine${at} keeps them in ${profile.credentialSpecsDir ?? 'its Docker root'} on its own host, which is not on this machine (--root DIR reads a share of it)`;
}

function storeStep(account: string, store: SpecStore | undefined, rootFlag: boolean, unreadable: () => string, wording: SpecWording, report: (text: string) => void, listings?: StoreListings): LookupStep {
  return {
    title: rootFlag ? 'the --root CredentialSpecs folder' : "the engine's CredentialSpecs folder",
    run: async (): Promise<StepResult> => {
      if (!store) return { miss: { reason: unreadable() } };
      // several specs for one account: the one with the default name wins (SpecStore.chooseForAccount)
      const listed = listings ? await listings.of(store) : undefined;
      const choice = await store.chooseForAccount(account, listed?.entries);
      if (choice.kind === 'none') return { miss: { reason: `no spec for ${account} in ${store.dir}` } };
      if (choice.kind === 'ambiguous') {
        const names = choice.candidates.map((m) => m.name);
        throw new InvalidInputError(
          `${names.length} credential specs are for ${account}, and not exactly one of them has the default name <netbios>_<account>.json: ${names.join(', ')}`,
          wording.ambiguousHint(account),
        );
      }
      if (choice.others.length > 0) report(`spec for ${account}: ${choice.entry.name} (also matching: ${choice.others.map((e) => e.name).join(', ')})\n`);
      // The listing read the file already (the lookup validates what it gets).
      const known = listed?.bytes.get(choice.entry.name);
      if (known) return { found: { bytes: known, origin: { kind: 'store', dir: store.dir, name: choice.entry.name, root: rootFlag } } };
      const found = await store.read(choice.entry.name);
      return { found: { bytes: found.bytes, origin: { kind: 'store', dir: store.dir, name: found.name, root: rootFlag } } };
    },
  };
}

function swarmStep(account: string, client: EngineClient | undefined, missing: string | undefined): LookupStep {
  return {
    title: "the swarm's gMSA configs",
    run: async (): Promise<StepResult> => {
      if (!client) return { miss: { reason: missing ?? 'no swarm manager' } };
      const { readGmsaConfigs } = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');
      const { ACCOUNT_LABEL, configFromApi } = require('../orchestrators/swarm-config') as typeof import('../orchestrators/swarm-config');
      const mine = (await readGmsaConfigs(client)).filter((c) => (c.labels[ACCOUNT_LABEL] ?? '').toLowerCase() === account.toLowerCase());
      if (mine.length === 0) return { miss: { reason: `no config labelled ${ACCOUNT_LABEL}=${account} on ${describeEndpoint(client.endpoint)}` } };
      // The newest one: a rotation leaves the previous config for rollback.
      const newest = [...mine].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.name.localeCompare(b.name))[0] as (typeof mine)[number];
      const data = newest.data ?? configFromApi(await client.inspectConfig(newest.id)).data;
      if (!data) return { miss: { reason: `config ${newest.name} holds no data the engine would show` } };
      return { found: { bytes: data, origin: { kind: 'swarm', configName: newest.name, configId: newest.id } } };
    },
  };
}

function directoryStep(account: string, req: SpecRequest, deps: Deps, wording: SpecWording): LookupStep {
  return {
    title: 'Active Directory',
    run: async (): Promise<StepResult> => {
      if (req.offline) {
        return { miss: { reason: 'not asked (--offline or GMSA_OFFLINE=1)', fix: `Leave out --offline (and GMSA_OFFLINE) to build the spec from Active Directory, or create it: docker gmsa spec create ${account}.` } };
      }
      const flags = req.directory ?? {};
      if (!directoryConfigured(flags, deps.env)) {
        return {
          miss: {
            reason: 'no directory configured (GMSA_DOMAIN, GMSA_LDAP_URL, --domain or --server)',
            fix: `Set GMSA_DOMAIN=contoso.com or GMSA_LDAP_URL=ldaps://dc01.contoso.com (with GMSA_LDAP_USER and GMSA_LDAP_PASSWORD) so the spec is built from Active Directory, or name the spec file with ${wording.fileHint?.(account) ?? '--spec FILE'}.`,
          },
        };
      }
      const { factsFromDirectory, specBytes } = require('./spec-build') as typeof import('./spec-build');
      try {
        const facts = await factsFromDirectory(flags, [account], deps);
        return { found: { bytes: specBytes(facts, [account]), origin: { kind: 'directory', domain: facts.dnsName } } };
      } catch (err) {
        return { miss: missFrom(err) };
      }
    },
  };
}

/** Reads a --spec FILE (relative to base), bounded and refusing FIFOs, devices and folders (credspec/source.ts). */
async function readFile(arg: string, base: string): Promise<{ path: string; bytes: Buffer }> {
  const path = resolve(base, arg);
  try {
    return { path, bytes: await readSpecFile(path) };
  } catch (err) {
    throw fsError(err, 'read', path);
  }
}

/**
 * The spec for req.account by the one documented order, validated; prints where it came from on stderr.
 * Delivery is the caller's: a store name means file://, anything else raw://, config:// or an object.
 */
export async function findSpec(req: SpecRequest, deps: Deps): Promise<FoundSpecChoice> {
  const wording = req.wording ?? RUN_WORDING;
  const account = req.account;
  const base = req.cwd ?? deps.cwd;
  const report = (text: string): void => deps.io.err(text);
  const rootFlag = req.root !== undefined;
  const needEngine = !rootFlag && (req.spec === undefined || !looksLikeFile(req.spec, base));
  const engine = needEngine ? await engineProfile(req, deps) : {};
  const store = localStore(req.root, engine.profile, deps.cwd);
  const unreadable = (): string => storeUnreadable(engine.profile, engine.where, engine.failure);

  let steps: LookupStep[];
  if (req.spec !== undefined) {
    const arg = req.spec;
    steps = [
      {
        title: '--spec',
        run: async (): Promise<StepResult> => {
          if (looksLikeFile(arg, base)) {
            const f = await readFile(arg, base);
            // A file inside the engine's own store can still go as file://.
            if (store && resolve(dirname(f.path)) === resolve(store.dir)) {
              return { found: { bytes: f.bytes, origin: { kind: 'store', dir: store.dir, name: basename(f.path), root: rootFlag } } };
            }
            return { found: { bytes: f.bytes, origin: { kind: 'file', path: f.path, label: arg } } };
          }
          if (!store) throw new UnsupportedEngineError(`the spec ${arg} is a name in the engine's CredentialSpecs folder, and ${unreadable()}`, wording.remoteHint(account));
          const found = await store.read(arg);
          return { found: { bytes: found.bytes, origin: { kind: 'store', dir: store.dir, name: found.name, root: rootFlag } } };
        },
      },
    ];
  } else {
    steps = [storeStep(account, store, rootFlag, unreadable, wording, report, req.listings)];
    if (req.swarm || req.swarmMissing) steps.push(swarmStep(account, req.swarm, req.swarmMissing));
    steps.push(directoryStep(account, req, deps, wording));
  }
  const found = await lookupSpec(account, steps, wording, report);
  deps.io.err(`${originLine(account, found.origin)}\n`);
  const o = found.origin;
  const out: FoundSpecChoice = {
    ...found,
    label: o.kind === 'file' ? o.label : o.kind === 'store' ? o.name : o.kind === 'swarm' ? o.configName : account,
  };
  if (o.kind === 'file') out.path = o.path;
  if (o.kind === 'store') out.path = join(o.dir, o.name);
  return out;
}

/**
 * The lookup for the x-gmsa requests of compose files (compose, stack deploy): findSpec once per account
 * and spec name, with the x-gmsa wording and `outcome`; a failure names the service's file and line (`at`).
 */
export function xGmsaLookup(common: Omit<SpecRequest, 'account' | 'spec' | 'wording' | 'listings'>, outcome: string, deps: Deps): (req: { account: string; spec?: string }, at: () => string) => Promise<FoundSpecChoice> {
  const looked = new Map<string, Promise<FoundSpecChoice>>();
  const listings = storeListings();
  return (req, at) => {
    const key = `${req.account.toLowerCase()}\n${req.spec ?? ''}`;
    let found = looked.get(key);
    if (!found) {
      found = findSpec({ ...common, listings, account: req.account, ...(req.spec !== undefined ? { spec: req.spec } : {}), wording: xGmsaWording(outcome) }, deps);
      looked.set(key, found);
    }
    return found.catch((err: unknown) => Promise.reject(located(err, at())));
  };
}
