/** Shared set-up for the compose tests: a fixed spec store, engine profiles by build, fake deps. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { prepareCompose } from '../../../src/compose/run';
import type { Deps } from '../../../src/cli/deps';
import { parseComposeArgs } from '../../../src/compose/args';
import { readProject } from '../../../src/compose/project';
import { applyStack, hideConfigSpecs, planStack, type StackPlan } from '../../../src/compose/stack';
import { parseComposeText } from '../../../src/compose/yaml-doc';
import { emptyGlobals } from '../../../src/engine/globals';
import type { HostProfile } from '../../../src/engine/profile';
import { decideWindowsBuild } from '../../../src/orchestrators/swarm-nodes';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'compose');
/** A Docker root whose CredentialSpecs holds contoso_webapp01.json and contoso_api01.json. */
export const STORE_ROOT = join(FIXTURES, 'root');

export function profile(build: number, extra: Partial<HostProfile> = {}): HostProfile {
  return {
    osType: 'windows',
    windowsBuild: build,
    isolation: 'process',
    isolationAssumed: false,
    apiVersion: build >= 17763 ? '1.41' : '1.30',
    rootDirLocal: false,
    swarm: { state: 'inactive', role: 'none' },
    rules: [],
    ...extra,
  };
}

/** Readable, deterministic hostnames for fixtures: the account's first 10 characters and the service's first 4. */
export const fixtureHostname = (account: string, service: string): string => `${account.slice(0, 10)}-${service.replace(/#.*/, '').slice(0, 4)}`;

export interface FakeDeps {
  deps: Deps;
  out: () => string;
  err: () => string;
}

export function fakeDeps(opts: { cwd: string; env?: NodeJS.ProcessEnv; profile?: HostProfile | Error; stdin?: string }): FakeDeps {
  let o = '';
  let e = '';
  const p = opts.profile ?? profile(17763);
  const deps: Deps = {
    io: { out: (s) => void (o += s), err: (s) => void (e += s), readStdin: async () => Buffer.from(opts.stdin ?? '') },
    env: opts.env ?? {},
    globals: emptyGlobals(),
    cwd: opts.cwd,
    platform: 'linux',
    homedir: opts.cwd,
    self: { path: '/x/docker-gmsa', packaged: false },
    version: '0.0.0-test',
    engine: async () => {
      if (p instanceof Error) throw p;
      return { profile: async () => p, endpoint: { host: 'npipe:////./pipe/docker_engine', contextName: 'default', source: 'default' } } as never;
    },
  };
  return { deps, out: () => o, err: () => e };
}

export interface RewriteRun {
  /** The rewritten texts, in file order (unchanged files as they were). */
  texts: string[];
  changed: boolean[];
  notes: string[];
  err: string;
}

/**
 * docker gmsa compose's preparation (discovery, parsing, planning, rewriting) as `convert` runs it, with
 * --root STORE_ROOT unless `args` says otherwise and fixture hostnames.
 */
export async function rewrite(cwd: string, args: string[], opts: { build?: number; profile?: HostProfile | Error; env?: NodeJS.ProcessEnv; root?: string | null; stdin?: string; hostnames?: (a: string, s: string) => string; strict?: boolean } = {}): Promise<RewriteRun> {
  const f = fakeDeps({ cwd, env: opts.env ?? {}, profile: opts.profile ?? profile(opts.build ?? 17763), ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) });
  const root = opts.root === undefined ? STORE_ROOT : opts.root;
  const parsed = parseComposeArgs(args, root === null ? {} : { root });
  const prep = await prepareCompose(parsed, f.deps, opts.strict !== true, opts.hostnames ?? fixtureHostname);
  return {
    texts: prep.rewritten ? prep.rewritten.map((r) => r.text) : prep.docs.map((d) => d.text),
    changed: prep.rewritten ? prep.rewritten.map((r) => r.changed) : prep.docs.map(() => false),
    notes: prep.notes,
    err: f.err(),
  };
}

/** A temporary folder with these files (paths relative to it; folders are created). */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gmsa-compose-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** The swarm configs stackRewrite says hold each gMSA's spec. */
export const STACK_CONFIGS = { webapp01: 'gmsa-contoso_webapp01-11111111', api01: 'gmsa-contoso_api01-22222222' };

/**
 * docker gmsa stack deploy's pure steps on one file (/base/compose.yaml): hide the kept configs, read, plan
 * (a config of STACK_CONFIGS per gMSA, webapp01's for any other; credential_spec.file contoso_X.json is
 * gMSA X) and rewrite.
 */
export function stackRewrite(text: string, opts: { build?: number; force?: boolean; others?: Map<string, string[]> } = {}): { plan: StackPlan; texts: string[]; changed: boolean[] } {
  const doc = parseComposeText('/base/compose.yaml', 'compose.yaml', text);
  const hidden = hideConfigSpecs([doc]);
  const project = readProject([doc], () => undefined);
  const specs = new Map<string, { account: string; configName: string }>();
  for (const s of project.services) {
    const r = s.request;
    if (!r || hidden.services.has(s.name) || r.kind === 'registry') continue;
    const account = r.kind === 'x-gmsa' ? r.account : r.file.replace(/^contoso_|\.json$/g, '');
    specs.set(s.name, { account, configName: STACK_CONFIGS[account as keyof typeof STACK_CONFIGS] ?? STACK_CONFIGS.webapp01 });
  }
  const plan = planStack({
    project,
    stack: 'st',
    lookup: () => undefined,
    specs,
    kept: hidden.services,
    buildFor: (constraints) => decideWindowsBuild({ ...(opts.build !== undefined ? { explicit: opts.build } : {}), constraints }),
    force: opts.force ?? false,
    othersOnSwarm: opts.others ?? new Map(),
  });
  const files = applyStack(project, plan.decisions, hidden, { base: '/base', platform: 'linux' });
  return { plan, texts: files.map((f) => f.text), changed: files.map((f) => f.changed) };
}
