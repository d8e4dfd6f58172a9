/**
 * What the docker CLI hands a plugin, turned into what the plugin should do.
 *
 * The CLI passes its whole argv after argv[0]: docker's global flags, then the plugin name, then the
 * plugin's own arguments (`--context prod -H x gmsa run ...`). `docker help gmsa` arrives as
 * `help gmsa`, shell completion as `__complete gmsa <words...> <partial>`. Run directly
 * (`docker-gmsa spec ls`, `node dist/docker-gmsa.js host`) the plugin name is optional.
 *
 * Pure: no I/O, so the start-up path stays cheap and the rules stay testable.
 */
import { emptyGlobals, type DockerGlobals } from '../engine/globals';
import { UsageError } from '../errors';

export const PLUGIN_NAME = 'gmsa';
export const METADATA_SUBCOMMAND = 'docker-cli-plugin-metadata';

export type Invocation =
  | { kind: 'metadata' }
  | { kind: 'complete'; globals: DockerGlobals; words: string[]; descriptions: boolean }
  | { kind: 'command'; globals: DockerGlobals; args: string[] };

interface FlagSpec {
  key: keyof DockerGlobals;
  takesValue: boolean;
}

const LONG_FLAGS: Record<string, FlagSpec> = {
  config: { key: 'config', takesValue: true },
  context: { key: 'context', takesValue: true },
  debug: { key: 'debug', takesValue: false },
  'log-level': { key: 'logLevel', takesValue: true },
  host: { key: 'hosts', takesValue: true },
  tls: { key: 'tls', takesValue: false },
  tlsverify: { key: 'tlsVerify', takesValue: false },
  tlscacert: { key: 'tlsCaCert', takesValue: true },
  tlscert: { key: 'tlsCert', takesValue: true },
  tlskey: { key: 'tlsKey', takesValue: true },
};

const SHORT_FLAGS: Record<string, string> = { c: 'context', D: 'debug', l: 'log-level', H: 'host' };

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error', 'fatal']);

function parseBool(flag: string, value: string): boolean {
  const v = value.toLowerCase();
  if (['1', 't', 'true'].includes(v)) return true;
  if (['0', 'f', 'false'].includes(v)) return false;
  throw new UsageError(`invalid boolean value "${value}" for ${flag}`, `Use ${flag} or ${flag}=false.`);
}

function assign(globals: DockerGlobals, spec: FlagSpec, flag: string, value: string | boolean): void {
  switch (spec.key) {
    case 'hosts':
      globals.hosts.push(String(value));
      return;
    case 'debug':
    case 'tls':
    case 'tlsVerify':
      globals[spec.key] = typeof value === 'boolean' ? value : parseBool(flag, value);
      return;
    case 'logLevel':
      if (!LOG_LEVELS.has(String(value))) {
        throw new UsageError(
          `unable to parse logging level: ${String(value)}`,
          'Use one of debug, info, warn, error, fatal.',
        );
      }
      globals.logLevel = String(value);
      return;
    default:
      (globals as unknown as Record<string, unknown>)[spec.key] = String(value);
  }
}

/**
 * Consumes docker global flags from the front of argv. Stops at the first word that is not a global
 * flag and returns its index.
 */
export function parseGlobalFlags(argv: readonly string[], globals: DockerGlobals): number {
  let i = 0;
  while (i < argv.length) {
    const word = argv[i] as string;
    if (word === '--') return i + 1;
    let name: string | undefined;
    let inline: string | undefined;
    let display: string;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      inline = eq < 0 ? undefined : word.slice(eq + 1);
      display = `--${name}`;
      if (!(name in LONG_FLAGS)) return i;
    } else if (word.startsWith('-') && word.length >= 2) {
      const short = word[1] as string;
      const long = SHORT_FLAGS[short];
      if (!long) return i;
      name = long;
      display = `-${short}`;
      const rest = word.slice(2);
      if (rest.length > 0) inline = rest.startsWith('=') ? rest.slice(1) : rest;
    } else {
      return i;
    }
    const spec = LONG_FLAGS[name] as FlagSpec;
    if (spec.takesValue) {
      let value = inline;
      if (value === undefined) {
        value = argv[i + 1];
        if (value === undefined) {
          throw new UsageError(`flag needs an argument: ${display}`, `See 'docker --help'.`);
        }
        i += 1;
      }
      assign(globals, spec, display, value);
    } else {
      assign(globals, spec, display, inline === undefined ? true : inline);
    }
    i += 1;
  }
  return i;
}

function mergeGlobals(into: DockerGlobals, from: DockerGlobals): void {
  const empty = emptyGlobals() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(from)) {
    if (k === 'hosts') into.hosts.push(...from.hosts);
    else if (v !== empty[k]) (into as unknown as Record<string, unknown>)[k] = v;
  }
}

export type CompleteInvocation = Extract<Invocation, { kind: 'complete' }>;

/**
 * The docker CLI hands completion to a plugin as `__complete gmsa <words>`, without the global flags the
 * user typed before `gmsa` (`docker --context prod gmsa exec <TAB>`) and always with descriptions. Given
 * the docker CLI's own arguments (its argv without argv[0], read from the calling process where the OS
 * shows them), the request as the user made it: when the caller was completing these same words, its
 * global flags and its choice of descriptions; otherwise `inv` unchanged.
 */
export function completionFromCaller(inv: CompleteInvocation, callerArgs: readonly string[] | undefined): CompleteInvocation {
  if (!callerArgs) return inv;
  let caller: Invocation;
  try {
    caller = parseInvocation(callerArgs);
  } catch {
    return inv;
  }
  if (caller.kind !== 'complete' || caller.words.length !== inv.words.length || caller.words.some((w, i) => w !== inv.words[i])) return inv;
  const globals = emptyGlobals();
  mergeGlobals(globals, caller.globals);
  mergeGlobals(globals, inv.globals);
  return { ...inv, globals, descriptions: caller.descriptions };
}

/** Classifies the plugin's argv. Throws UsageError for malformed docker global flags. */
export function parseInvocation(argv: readonly string[]): Invocation {
  if (argv[0] === METADATA_SUBCOMMAND) return { kind: 'metadata' };
  const globals = emptyGlobals();
  let rest = argv.slice(parseGlobalFlags(argv, globals));

  const first = rest[0];
  if (first === '__complete' || first === '__completeNoDesc') {
    let words = rest.slice(1);
    // `__complete --context prod gmsa ...`: the words as a shell sends them to docker itself
    const withGlobals = emptyGlobals();
    try {
      const n = parseGlobalFlags(words, withGlobals);
      if (n > 0 && words[n] === PLUGIN_NAME) {
        mergeGlobals(globals, withGlobals);
        words = words.slice(n);
      }
    } catch {
      // a half-typed global flag: completion never fails loudly
    }
    if (words[0] === PLUGIN_NAME) words = words.slice(1);
    return { kind: 'complete', globals, words, descriptions: first === '__complete' };
  }
  if (first === 'help') {
    // `docker help gmsa [cmd...]` -> `gmsa help [cmd...]`: an unknown cmd is then a usage error
    let words = rest.slice(1);
    if (words[0] === PLUGIN_NAME) words = words.slice(1);
    return { kind: 'command', globals, args: ['help', ...words] };
  }
  if (first === PLUGIN_NAME) rest = rest.slice(1);
  return { kind: 'command', globals, args: rest };
}
