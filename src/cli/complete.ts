/**
 * Shell completion in cobra's protocol, which the docker CLI forwards to plugins as
 * `__complete gmsa <words...> <partial>`: one candidate per line (`value\tdescription`), then
 * `:<directive>`. Commands and flags come from the command tree itself; values from where a run would
 * read them, with the same docker globals (so from the engine the user picked): spec names from the
 * store, container names from the engine, gMSA names from the directory (when GMSA_DOMAIN or
 * GMSA_LDAP_URL configures one). Each lookup is bounded by a short timeout, and a failure gives no
 * candidates, never an error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argument, Command, Option } from 'commander';
import type { Deps } from './deps';
import type { EngineSession } from '../engine/session';

/** cobra's ShellCompDirective bits. */
export const Directive = { Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4, FilterDirs: 16 } as const;

/** How long completion waits for the engine or the directory before it gives up (silently). */
export const COMPLETION_TIMEOUT_MS = 2000;

const DIR_OPTIONS = new Set(['--root', '--dir', '--config']);
const FILE_OPTIONS = new Set(['--path']);
const FORMAT_VALUES: [string, string][] = [
  ['table', 'aligned columns'],
  ['json', 'machine-readable JSON'],
];
const SPEC_MODE_VALUES: [string, string][] = [
  ['auto', 'file:// when the spec is in the engine store, else raw://'],
  ['file', 'file:// from the engine store'],
  ['raw', 'the spec inline (API 1.40+)'],
];
const ISOLATION_VALUES: [string, string][] = [
  ['process', 'process isolation'],
  ['hyperv', 'Hyper-V isolation'],
  ['default', "the engine's default"],
];
/** Commands whose arguments are names in the store. */
const SPEC_NAME_ARGS = new Set(['spec inspect', 'spec rm', 'spec validate']);
/** Commands whose argument is a running container. */
const CONTAINER_ARGS = new Set(['verify']);
/** Commands whose first argument is ACCOUNT, followed by the docker command's own arguments. */
const DOCKER_ARGS_AFTER_ACCOUNT = new Set(['run', 'service create', 'service update']);

type Candidate = [value: string, description: string];

function findOption(cmd: Command, word: string): Option | undefined {
  const flag = word.split('=')[0];
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(opt: Option): boolean {
  return opt.required || opt.optional;
}

function path(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The value of `--name V` / `--name=V` among the words, if given. */
function optionValue(words: readonly string[], name: string): string | undefined {
  const i = words.findIndex((w) => w === name || w.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const w = words[i] as string;
  return w.includes('=') ? w.slice(name.length + 1) : words[i + 1];
}

/** Resolves within `ms`, or to `fallback` (a lookup that hangs must not hold the shell). */
async function bounded<T>(p: Promise<T>, fallback: T, ms = COMPLETION_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p.catch(() => fallback), late]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The caller's deps with a quiet stderr and an engine session whose calls time out quickly. */
function completionDeps(deps: Deps): Deps {
  let session: Promise<EngineSession> | undefined;
  const d: Deps = {
    ...deps,
    io: { ...deps.io, err: () => undefined },
    engine: () => {
      if (!session) {
        const { openEngineSession } = require('../engine/session') as typeof import('../engine/session');
        session = openEngineSession(d, { timeoutMs: COMPLETION_TIMEOUT_MS });
      }
      return session;
    },
  };
  return d;
}

async function specNames(words: readonly string[], deps: Deps): Promise<string[]> {
  const { openStore } = require('./spec-shared') as typeof import('./spec-shared');
  return bounded(
    (async () => {
      const { store } = await openStore(optionValue(words, '--root'), deps);
      return (await store.list()).map((e) => e.name);
    })(),
    [],
  );
}

/** The running containers of the engine: name and image. */
async function containerNames(deps: Deps): Promise<Candidate[]> {
  return bounded(
    (async () => {
      const running = await (await deps.engine()).client.listContainers(false);
      return running.map((c): Candidate => [String(c.Names?.[0] ?? c.Id).replace(/^\//, ''), String(c.Image ?? 'container')]);
    })(),
    [],
  );
}

/** The gMSAs of the domain, when the environment names a directory; nothing otherwise. */
async function accountNames(deps: Deps): Promise<string[]> {
  if (!deps.env.GMSA_DOMAIN && !deps.env.GMSA_LDAP_URL) return [];
  const { withDirectory } = require('./ad-shared') as typeof import('./ad-shared');
  const { readRootDse } = require('../ad/domain') as typeof import('../ad/domain');
  const { listGmsas } = require('../ad/accounts') as typeof import('../ad/accounts');
  return bounded(
    withDirectory({ timeout: String(COMPLETION_TIMEOUT_MS / 1000) }, deps, async (dir) =>
      (await listGmsas(dir, (await readRootDse(dir)).domainDn)).map((g) => g.name),
    ),
    [],
  );
}

/** JSON files and folders next to what is typed (the shell does the rest when nothing matches). */
function specFiles(partial: string, cwd: string): Candidate[] {
  const slash = partial.lastIndexOf('/');
  const prefix = slash < 0 ? '' : partial.slice(0, slash + 1);
  try {
    return readdirSync(resolve(cwd, prefix || '.'), { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.json'))
      .map((e): Candidate => [`${prefix}${e.name}`, 'spec file']);
  } catch {
    return [];
  }
}

/** Where the partial word stands. */
interface Place {
  cmd: Command;
  /** Our option whose value the partial is. */
  flagValue?: Option;
  /** The docker flag (long name) whose value the partial is, in docker's own arguments. */
  dockerFlagValue?: string;
  /** The partial is among docker's own arguments (after ACCOUNT for run; all of exec's). */
  dockerArgs: boolean;
  /** How many positionals precede the partial (for exec: whether CONTAINER was given). */
  positionals: number;
}

/** docker exec's flags that take a value, by any of their spellings. */
function execValueFlag(word: string): string | undefined {
  const { DOCKER_EXEC_FLAGS } = require('../engine/docker-args') as typeof import('../engine/docker-args');
  if (word.startsWith('--')) {
    if (word.includes('=')) return undefined;
    return DOCKER_EXEC_FLAGS.find((f) => f.takesValue && f.name === word.slice(2))?.name;
  }
  // a cluster (-it, -ite): a value flag takes the rest of the word, or the next word when it is last
  for (let j = 1; j < word.length; j++) {
    const f = DOCKER_EXEC_FLAGS.find((x) => x.short === word[j]);
    if (f?.takesValue) return j === word.length - 1 ? f.name : undefined;
  }
  return undefined;
}

function locate(root: Command, before: readonly string[]): Place {
  const place: Place = { cmd: root, dockerArgs: false, positionals: 0 };
  let skipNext = false;
  for (const w of before) {
    if (skipNext) {
      skipNext = false;
      place.flagValue = undefined;
      place.dockerFlagValue = undefined;
      continue;
    }
    const where = path(place.cmd);
    if (place.dockerArgs) {
      if (where === 'exec') {
        if (place.positionals > 0) continue; // the command after CONTAINER
        if (w.startsWith('-') && w.length > 1) {
          const f = execValueFlag(w);
          if (f) {
            place.dockerFlagValue = f;
            skipNext = true;
          }
          continue;
        }
        place.positionals += 1; // CONTAINER
        continue;
      }
      if (w === '--isolation') {
        place.dockerFlagValue = 'isolation';
        skipNext = true;
      }
      continue;
    }
    if (w.startsWith('-')) {
      const opt = findOption(place.cmd, w);
      if (opt && takesValue(opt) && !w.includes('=')) {
        place.flagValue = opt;
        skipNext = true;
      }
      continue;
    }
    const sub = place.positionals === 0 ? place.cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) {
      place.cmd = sub;
      if (path(sub) === 'exec') place.dockerArgs = true;
      continue;
    }
    place.positionals += 1;
    if (DOCKER_ARGS_AFTER_ACCOUNT.has(where) && place.positionals === 1) {
      place.dockerArgs = true;
      place.positionals = 0;
    }
  }
  if (!skipNext) {
    place.flagValue = undefined;
    place.dockerFlagValue = undefined;
  }
  return place;
}

/** The argument a positional fills: the last one when it is variadic. */
function argumentAt(cmd: Command, index: number): Argument | undefined {
  const args = cmd.registeredArguments;
  const last = args[args.length - 1];
  return args[index] ?? (last?.variadic ? last : undefined);
}

function namesAccounts(where: string, arg: Argument | undefined): boolean {
  if (!arg) return false;
  if (arg.name() === 'account') return true;
  return where.startsWith('account ') && where !== 'account create' && arg.name() === 'name';
}

export async function complete(words: readonly string[], callerDeps: Deps, descriptions: boolean): Promise<string> {
  const { buildProgram } = require('./program') as typeof import('./program');
  const deps = completionDeps(callerDeps);
  const root = buildProgram(deps);
  let partial = words.length > 0 ? (words[words.length - 1] as string) : '';
  const before = words.slice(0, -1);
  const place = locate(root, before);
  const where = path(place.cmd);

  // `--flag=<partial>`: the value of that flag (cobra hands back values without the prefix)
  const eq = partial.startsWith('--') ? partial.indexOf('=') : -1;
  if (eq > 0 && place.flagValue === undefined && place.dockerFlagValue === undefined) {
    const flag = partial.slice(0, eq);
    if (place.dockerArgs) {
      if (flag === '--isolation' || (where === 'exec' && execValueFlag(flag))) place.dockerFlagValue = flag.slice(2);
    } else {
      place.flagValue = findOption(place.cmd, flag);
    }
    partial = partial.slice(eq + 1);
  }

  const out: Candidate[] = [];
  let directive: number = Directive.NoFileComp;
  if (place.flagValue) {
    const flag = place.flagValue.long ?? '';
    if (DIR_OPTIONS.has(flag)) directive = Directive.FilterDirs;
    else if (FILE_OPTIONS.has(flag)) directive = Directive.Default;
    else if (flag === '--format') out.push(...FORMAT_VALUES);
    else if (flag === '--spec-mode') out.push(...SPEC_MODE_VALUES);
    else if (flag === '--isolation') out.push(...ISOLATION_VALUES);
    else if (flag === '--account') for (const n of await accountNames(deps)) out.push([n, 'gMSA']);
    else if (flag === '--spec') {
      for (const n of await specNames(words, deps)) out.push([n, 'credential spec']);
      out.push(...specFiles(partial, deps.cwd));
      // nothing matches: let the shell complete paths
      if (!out.some(([v]) => v.startsWith(partial))) directive = Directive.Default;
    }
  } else if (place.dockerFlagValue) {
    if (place.dockerFlagValue === 'isolation') out.push(...ISOLATION_VALUES);
    else if (place.dockerFlagValue === 'env-file') directive = Directive.Default;
  } else if (partial.startsWith('-')) {
    if (!place.dockerArgs || (where === 'exec' && place.positionals === 0)) {
      for (const o of place.cmd.options) if (o.long) out.push([o.long, o.description]);
      if (!out.some(([v]) => v === '--help')) out.push(['--help', 'show help']);
    }
    if (where === 'exec' && place.positionals === 0) {
      const { DOCKER_EXEC_FLAGS } = require('../engine/docker-args') as typeof import('../engine/docker-args');
      for (const f of DOCKER_EXEC_FLAGS) if (f.name !== 'user') out.push([`--${f.name}`, `docker exec: ${f.description}`]);
    }
  } else if (place.dockerArgs) {
    if (where === 'exec' && place.positionals === 0) out.push(...(await containerNames(deps)));
  } else if (place.cmd.commands.length > 0 && place.positionals === 0) {
    for (const c of place.cmd.commands) out.push([c.name(), c.description()]);
  } else {
    const arg = argumentAt(place.cmd, place.positionals);
    if (SPEC_NAME_ARGS.has(where)) {
      for (const name of await specNames(words, deps)) out.push([name, 'credential spec']);
      if (where === 'spec validate') directive = Directive.Default;
    } else if (where === 'spec install') {
      directive = Directive.Default;
    } else if (CONTAINER_ARGS.has(where) && place.positionals === 0) {
      out.push(...(await containerNames(deps)));
    } else if (namesAccounts(where, arg)) {
      for (const n of await accountNames(deps)) out.push([n, 'gMSA']);
    }
  }

  const seen = new Set<string>();
  const lines = out
    .filter(([value]) => value.startsWith(partial) && !seen.has(value) && seen.add(value))
    .map(([value, desc]) => (descriptions && desc ? `${value}\t${desc.split('\n')[0]}` : value));
  return [...lines, `:${directive}`].join('\n') + '\n';
}

/**
 * The calling docker CLI's arguments (without argv[0]) when docker runs this plugin for completion, where
 * the OS shows another process's command line (/proc); undefined elsewhere. Used only to recover the
 * global flags the docker CLI does not pass on.
 */
export function callerArgs(env: NodeJS.ProcessEnv): string[] | undefined {
  if (!env.DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND) return undefined;
  try {
    const parts = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts.slice(1);
  } catch {
    return undefined;
  }
}
