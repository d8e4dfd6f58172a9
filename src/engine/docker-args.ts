/**
 * Reading the docker CLI's own arguments (`docker run`, `docker exec`, `docker service create|update`
 * options) as the CLI does, so that the plugin knows the user's hostname, isolation, user and security
 * options and where IMAGE (or CONTAINER, SERVICE) starts, without changing anything it passes on. Pure.
 */
import { UsageError } from '../errors';

/** docker run flags that take a value (docker CLI 28), long names; short aliases below. */
const RUN_VALUE_FLAGS = new Set(
  (
    'add-host annotation attach blkio-weight blkio-weight-device cap-add cap-drop cgroup-parent cgroupns cidfile ' +
    'cpu-count cpu-percent cpu-period cpu-quota cpu-rt-period cpu-rt-runtime cpu-shares cpus cpuset-cpus cpuset-mems ' +
    'detach-keys device device-cgroup-rule device-read-bps device-read-iops device-write-bps device-write-iops dns ' +
    'dns-option dns-search domainname entrypoint env env-file expose gpus group-add health-cmd health-interval ' +
    'health-retries health-start-interval health-start-period health-timeout hostname io-maxbandwidth io-maxiops ip ' +
    'ip6 ipc isolation kernel-memory label label-file link link-local-ip log-driver log-opt mac-address memory ' +
    'memory-reservation memory-swap memory-swappiness mount name network network-alias oom-score-adj pid pids-limit ' +
    'platform publish pull restart runtime security-opt shm-size stop-signal stop-timeout storage-opt sysctl tmpfs ' +
    'ulimit user userns uts volume volume-driver volumes-from workdir'
  ).split(' '),
);
const RUN_SHORT: Record<string, string> = { a: 'attach', c: 'cpu-shares', e: 'env', h: 'hostname', l: 'label', m: 'memory', p: 'publish', u: 'user', v: 'volume', w: 'workdir' };
const RUN_SHORT_BOOL = new Set(['d', 'i', 't', 'P', 'q']);

export interface DockerFlag {
  /** Long name without dashes. */
  name: string;
  short?: string;
  takesValue: boolean;
  description: string;
}

/** Every `docker exec` flag (docker CLI 28, `docker exec --help`). */
export const DOCKER_EXEC_FLAGS: readonly DockerFlag[] = [
  { name: 'detach', short: 'd', takesValue: false, description: 'Detached mode: run command in the background' },
  { name: 'detach-keys', takesValue: true, description: 'Override the key sequence for detaching a container' },
  { name: 'env', short: 'e', takesValue: true, description: 'Set environment variables' },
  { name: 'env-file', takesValue: true, description: 'Read in a file of environment variables' },
  { name: 'interactive', short: 'i', takesValue: false, description: 'Keep STDIN open even if not attached' },
  { name: 'privileged', takesValue: false, description: 'Give extended privileges to the command' },
  { name: 'tty', short: 't', takesValue: false, description: 'Allocate a pseudo-TTY' },
  { name: 'user', short: 'u', takesValue: true, description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { name: 'workdir', short: 'w', takesValue: true, description: 'Working directory inside the container' },
];
const EXEC_VALUE_FLAGS = new Set(DOCKER_EXEC_FLAGS.filter((f) => f.takesValue).map((f) => f.name));
const EXEC_SHORT: Record<string, string> = Object.fromEntries(DOCKER_EXEC_FLAGS.filter((f) => f.takesValue && f.short).map((f) => [f.short, f.name]));
const EXEC_SHORT_BOOL = new Set(DOCKER_EXEC_FLAGS.filter((f) => !f.takesValue && f.short).map((f) => f.short as string));

export interface ParsedOption {
  /** Long name without dashes (short flags are mapped to it). */
  name: string;
  value?: string;
}

export interface ParsedDockerArgs {
  options: ParsedOption[];
  /** The first positional: IMAGE for run, CONTAINER for exec. */
  target: string;
  /** What follows it: COMMAND [ARG...]. */
  rest: string[];
}

interface Grammar {
  command: string;
  valueFlags: Set<string>;
  shortValue: Record<string, string>;
  shortBool: Set<string>;
  what: string;
  /** What follows the target in the usage line (default "[COMMAND] [ARG...]"). */
  tail?: string;
  /**
   * Flags may come after positionals (cobra's default; `docker service update SERVICE --image x`). Off
   * for commands whose positionals end the options (`docker run IMAGE`, `docker service create IMAGE`).
   */
  interspersed?: boolean;
  /**
   * Boolean long flags of our own that may be mixed with docker's before the target (`docker gmsa exec
   * --system -it c cmd`): taken out of the arguments instead of read as docker's. `help` also stands for
   * -h, and ends the reading there, as it does in the docker CLI.
   */
  own?: ReadonlySet<string>;
}

interface Parsed extends ParsedDockerArgs {
  /** The own flags found (long names), in order. */
  own: string[];
  /** The arguments as given, without the own flags. */
  kept: string[];
}

function helpAsked(options: ParsedOption[], own: string[], kept: string[]): Parsed {
  return { options, target: '', rest: [], own: [...own, 'help'], kept };
}

function parse(args: readonly string[], g: Grammar): Parsed {
  const options: ParsedOption[] = [];
  const positionals: string[] = [];
  const own: string[] = [];
  const kept: string[] = [];
  let i = 0;
  let end = args.length;
  while (i < args.length) {
    const a = args[i] as string;
    const start = i;
    if (a === '--') {
      end = i;
      i += 1;
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (g.own?.has(name)) {
        if (name === 'help') return helpAsked(options, own, kept);
        if (eq >= 0) throw new UsageError(`--${name} takes no value: ${a}`, `Write --${name} alone.`);
        own.push(name);
        i += 1;
        continue;
      }
      if (g.valueFlags.has(name)) {
        let value = eq < 0 ? undefined : a.slice(eq + 1);
        if (value === undefined) {
          value = args[i + 1];
          if (value === undefined) throw new UsageError(`flag needs an argument: --${name}`, `See 'docker ${g.command} --help'.`);
          i += 1;
        }
        options.push({ name, value });
      } else {
        options.push({ name, ...(eq < 0 ? {} : { value: a.slice(eq + 1) }) });
      }
      i += 1;
      kept.push(...args.slice(start, i));
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A cluster of short flags: -it, -dit, -uNAME, -h=name.
      let j = 1;
      while (j < a.length) {
        const c = a[j] as string;
        if (c === 'h' && g.own?.has('help')) return helpAsked(options, own, kept);
        const long = g.shortValue[c];
        if (long) {
          let value = a.slice(j + 1);
          if (value.startsWith('=')) value = value.slice(1);
          if (value === '') {
            const next = args[i + 1];
            if (next === undefined) throw new UsageError(`flag needs an argument: -${c}`, `See 'docker ${g.command} --help'.`);
            value = next;
            i += 1;
          }
          options.push({ name: long, value });
          break;
        }
        if (!g.shortBool.has(c)) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`, `See 'docker ${g.command} --help'.`);
        options.push({ name: c });
        j += 1;
      }
      i += 1;
      kept.push(...args.slice(start, i));
      continue;
    }
    if (g.interspersed) {
      positionals.push(a);
      kept.push(a);
      i += 1;
      continue;
    }
    end = i;
    break;
  }
  kept.push(...args.slice(end));
  const all = [...positionals, ...args.slice(i)];
  const target = all[0];
  if (target === undefined) {
    throw new UsageError(`missing ${g.what}`, `Usage: docker gmsa ${g.command} ... ${g.what}${g.tail === '' ? '' : ` ${g.tail ?? '[COMMAND] [ARG...]'}`}`);
  }
  return { options, target, rest: all.slice(1), own, kept };
}

/** The parse without the own-flag bookkeeping (what callers of the plain readers get). */
function plain(p: Parsed): ParsedDockerArgs {
  return { options: p.options, target: p.target, rest: p.rest };
}

export function parseRunArgs(args: readonly string[]): ParsedDockerArgs {
  return plain(parse(args, { command: 'run', valueFlags: RUN_VALUE_FLAGS, shortValue: RUN_SHORT, shortBool: RUN_SHORT_BOOL, what: 'IMAGE' }));
}

const EXEC_GRAMMAR: Grammar = { command: 'exec', valueFlags: EXEC_VALUE_FLAGS, shortValue: EXEC_SHORT, shortBool: EXEC_SHORT_BOOL, what: 'CONTAINER' };

export function parseExecArgs(args: readonly string[]): ParsedDockerArgs {
  return plain(parse(args, EXEC_GRAMMAR));
}

export interface SplitDockerArgs {
  /** Our own flags that were found among docker's, long names without dashes. */
  own: Set<string>;
  /** The arguments for docker, exactly as given, in order, without our flags. */
  dockerArgs: string[];
  parsed: ParsedDockerArgs;
}

/**
 * `[our flags and docker exec options, mixed] CONTAINER COMMAND [ARG...]`: our boolean flags (`own`, long
 * names) are taken out wherever they stand before CONTAINER; docker's options (bundled or not, `-it`,
 * `-eX=1`, `--env=X`, a value that looks like a flag) are read as the docker CLI reads them and kept as
 * given. Nothing after CONTAINER is read as an option.
 */
export function splitExecArgs(args: readonly string[], own: readonly string[]): SplitDockerArgs {
  const p = parse(args, { ...EXEC_GRAMMAR, own: new Set(own) });
  return { own: new Set(p.own), dockerArgs: p.kept, parsed: plain(p) };
}

/** docker service create flags that take a value (docker CLI 28, `docker service create --help`). */
const SERVICE_CREATE_VALUE_FLAGS = new Set(
  (
    'cap-add cap-drop config constraint container-label credential-spec dns dns-option dns-search endpoint-mode ' +
    'entrypoint env env-file generic-resource group health-cmd health-interval health-retries health-start-interval ' +
    'health-start-period health-timeout host hostname isolation label limit-cpu limit-memory limit-pids log-driver ' +
    'log-opt max-concurrent mode mount name network oom-score-adj placement-pref publish replicas ' +
    'replicas-max-per-node reserve-cpu reserve-memory restart-condition restart-delay restart-max-attempts ' +
    'restart-window rollback-delay rollback-failure-action rollback-max-failure-ratio rollback-monitor rollback-order ' +
    'rollback-parallelism secret stop-grace-period stop-signal sysctl ulimit update-delay update-failure-action ' +
    'update-max-failure-ratio update-monitor update-order update-parallelism user workdir'
  ).split(' '),
);
const SERVICE_CREATE_SHORT: Record<string, string> = { e: 'env', l: 'label', p: 'publish', u: 'user', w: 'workdir' };
const SERVICE_SHORT_BOOL = new Set(['d', 'q', 't']);

/** docker service update flags that take a value (docker CLI 28, `docker service update --help`). */
const SERVICE_UPDATE_VALUE_FLAGS = new Set(
  (
    'args cap-add cap-drop config-add config-rm constraint-add constraint-rm container-label-add container-label-rm ' +
    'credential-spec dns-add dns-option-add dns-option-rm dns-rm dns-search-add dns-search-rm endpoint-mode ' +
    'entrypoint env-add env-rm generic-resource-add generic-resource-rm group-add group-rm health-cmd ' +
    'health-interval health-retries health-start-interval health-start-period health-timeout host-add host-rm ' +
    'hostname image isolation label-add label-rm limit-cpu limit-memory limit-pids log-driver log-opt ' +
    'max-concurrent mount-add mount-rm network-add network-rm oom-score-adj placement-pref-add placement-pref-rm ' +
    'publish-add publish-rm replicas replicas-max-per-node reserve-cpu reserve-memory restart-condition ' +
    'restart-delay restart-max-attempts restart-window rollback-delay rollback-failure-action ' +
    'rollback-max-failure-ratio rollback-monitor rollback-order rollback-parallelism secret-add secret-rm ' +
    'stop-grace-period stop-signal sysctl-add sysctl-rm ulimit-add ulimit-rm update-delay update-failure-action ' +
    'update-max-failure-ratio update-monitor update-order update-parallelism user workdir'
  ).split(' '),
);
const SERVICE_UPDATE_SHORT: Record<string, string> = { u: 'user', w: 'workdir' };

/** `docker service create` options, IMAGE and COMMAND [ARG...]: options end at IMAGE, as in the CLI. */
export function parseServiceCreateArgs(args: readonly string[]): ParsedDockerArgs {
  return plain(parse(args, {
    command: 'service create',
    valueFlags: SERVICE_CREATE_VALUE_FLAGS,
    shortValue: SERVICE_CREATE_SHORT,
    shortBool: SERVICE_SHORT_BOOL,
    what: 'IMAGE',
  }));
}

/**
 * `docker service update` options and SERVICE. The CLI lets flags follow SERVICE, so they are read
 * wherever they are; `rest` holds any extra positional (the CLI accepts exactly one).
 */
export function parseServiceUpdateArgs(args: readonly string[]): ParsedDockerArgs {
  return plain(parse(args, {
    command: 'service update',
    valueFlags: SERVICE_UPDATE_VALUE_FLAGS,
    shortValue: SERVICE_UPDATE_SHORT,
    shortBool: SERVICE_SHORT_BOOL,
    what: 'SERVICE',
    tail: '',
    interspersed: true,
  }));
}

/** The last value given for an option (docker keeps the last one for single-valued flags). */
export function lastValue(p: ParsedDockerArgs, name: string): string | undefined {
  let v: string | undefined;
  for (const o of p.options) if (o.name === name) v = o.value;
  return v;
}

export function allValues(p: ParsedDockerArgs, name: string): string[] {
  return p.options.filter((o) => o.name === name && o.value !== undefined).map((o) => o.value as string);
}

/** Quotes an argv for pasting into a shell: POSIX sh, or PowerShell on Windows. */
export function quoteCommand(argv: readonly string[], platform: NodeJS.Platform): string {
  if (platform === 'win32') {
    return argv.map((a) => (/^[A-Za-z0-9_\-./:=@,+]+$/.test(a) ? a : `'${a.replace(/'/g, "''")}'`)).join(' ');
  }
  return argv.map((a) => (/^[A-Za-z0-9_\-./:=@,+%]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
