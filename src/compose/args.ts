/**
 * The arguments of `docker gmsa compose`: the plugin's own options (--dry-run, --root, --spec-mode), the
 * compose client's global flags (-f, -p, --project-directory, --profile, --env-file, ...) and the compose
 * command with its arguments, which are passed on untouched. Pure.
 *
 * Compose reads its global flags before the command word (`docker compose -f x.yaml up -d`); so does this
 * parser. Our options are recognised anywhere before the command word; after it everything belongs to
 * compose (`docker gmsa compose up --dry-run` is compose's own --dry-run).
 */
import { UsageError } from '../errors';
import type { SpecMode } from '../engine/run-plan';

export interface ComposeArgs {
  dryRun: boolean;
  /** --force: start services that share a gMSA and a hostname (2019+) anyway. */
  force: boolean;
  root?: string;
  specMode: SpecMode;
  /** -f/--file values in order ('-' is standard input). */
  files: string[];
  projectDirectory?: string;
  projectName?: string;
  profiles: string[];
  envFiles: string[];
  /** Compose global flags other than -f and --project-directory, as given, in order. */
  globals: string[];
  /** The compose command and everything after it, as given. */
  command: string[];
  /** Everything but our own options, as given (what compose gets when nothing is rewritten). */
  passthrough: string[];
}

/** Compose global flags that take a value (compose v2 and the v1 Python client), by every spelling. */
const VALUE_FLAGS: Record<string, string> = {
  '-f': 'file',
  '--file': 'file',
  '-p': 'project-name',
  '--project-name': 'project-name',
  '--project-directory': 'project-directory',
  '--profile': 'profile',
  '--env-file': 'env-file',
  '--ansi': 'ansi',
  '--parallel': 'parallel',
  '--progress': 'progress',
  '-c': 'context',
  '--context': 'context',
  '-H': 'host',
  '--host': 'host',
  '--tlscacert': 'tlscacert',
  '--tlscert': 'tlscert',
  '--tlskey': 'tlskey',
  '--log-level': 'log-level',
};

const SPEC_MODES: readonly SpecMode[] = ['auto', 'file', 'raw'];

/** Compose commands (v2 and v1) that create or start containers. */
const STARTING = new Set(['up', 'run', 'create', 'start', 'restart', 'scale']);

/** Whether the compose command (the words after the global flags) creates or starts containers. */
export function startsContainers(command: readonly string[]): boolean {
  return STARTING.has((command[0] ?? '').toLowerCase());
}

function needValue(flag: string): never {
  throw new UsageError(`flag needs an argument: ${flag}`, "See 'docker gmsa compose --help'.");
}

/**
 * Reads the arguments after `compose`. `preset` carries options commander already took (it parses our
 * options when they come first).
 */
export function parseComposeArgs(args: readonly string[], preset: Partial<Pick<ComposeArgs, 'dryRun' | 'force' | 'root' | 'specMode'>> = {}): ComposeArgs {
  const out: ComposeArgs = {
    dryRun: preset.dryRun ?? false,
    force: preset.force ?? false,
    specMode: preset.specMode ?? 'auto',
    files: [],
    profiles: [],
    envFiles: [],
    globals: [],
    command: [],
    passthrough: [],
  };
  if (preset.root !== undefined) out.root = preset.root;
  let i = 0;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--') {
      out.command = args.slice(i + 1);
      out.passthrough.push(...args.slice(i));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.command = args.slice(i);
      out.passthrough.push(...out.command);
      break;
    }
    // Our own options.
    if (a === '--dry-run') {
      out.dryRun = true;
      i += 1;
      continue;
    }
    if (a === '--force') {
      out.force = true;
      i += 1;
      continue;
    }
    const own = /^--(root|spec-mode)(?:=(.*))?$/s.exec(a);
    if (own) {
      let value = own[2];
      if (value === undefined) {
        value = args[i + 1];
        if (value === undefined) needValue(a);
        i += 1;
      }
      if (own[1] === 'root') out.root = value;
      else {
        if (!(SPEC_MODES as readonly string[]).includes(value)) throw new UsageError(`invalid --spec-mode "${value}"`, 'Use auto, file or raw.');
        out.specMode = value as SpecMode;
      }
      i += 1;
      continue;
    }
    // Compose's flags: --name=value, --name value, -fvalue, -f=value, -f value.
    let flag = a;
    let value: string | undefined;
    let consumed = 1;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      flag = a.slice(0, eq);
      value = a.slice(eq + 1);
    } else if (!a.startsWith('--') && a.length > 2) {
      flag = a.slice(0, 2);
      value = a[2] === '=' ? a.slice(3) : a.slice(2);
    }
    const name = VALUE_FLAGS[flag];
    if (name === undefined) {
      // A boolean flag (--compatibility, --verbose, --no-ansi, --tls, -v...) or one we do not know: passed on.
      out.globals.push(a);
      out.passthrough.push(a);
      i += 1;
      continue;
    }
    if (value === undefined) {
      value = args[i + 1];
      if (value === undefined) needValue(flag);
      consumed = 2;
    }
    out.passthrough.push(...args.slice(i, i + consumed));
    switch (name) {
      case 'file':
        out.files.push(value);
        break;
      case 'project-directory':
        out.projectDirectory = value;
        break;
      default:
        if (name === 'project-name') out.projectName = value;
        if (name === 'profile') out.profiles.push(value);
        if (name === 'env-file') out.envFiles.push(value);
        out.globals.push(...args.slice(i, i + consumed));
    }
    i += consumed;
  }
  return out;
}

/** `--scale SERVICE=N` values of `up` (the replicas compose will start), by service. */
export function scaleOverrides(command: readonly string[]): Map<string, number> {
  const scales = new Map<string, number>();
  if (command[0] !== 'up') return scales;
  for (let i = 1; i < command.length; i++) {
    const a = command[i] as string;
    if (a === '--') break;
    let v: string | undefined;
    if (a === '--scale') v = command[++i];
    else if (a.startsWith('--scale=')) v = a.slice('--scale='.length);
    if (v === undefined) continue;
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (m) scales.set(m[1] as string, Number(m[2]));
  }
  return scales;
}

/** `compose [options] convert [options]`: the options before and after convert as one set (the later one wins). */
export function mergeComposeArgs(a: ComposeArgs, b: ComposeArgs): ComposeArgs {
  const out: ComposeArgs = {
    dryRun: a.dryRun || b.dryRun,
    force: a.force || b.force,
    specMode: b.specMode !== 'auto' ? b.specMode : a.specMode,
    files: [...a.files, ...b.files],
    profiles: [...a.profiles, ...b.profiles],
    envFiles: [...a.envFiles, ...b.envFiles],
    globals: [...a.globals, ...b.globals],
    command: b.command,
    passthrough: [...a.passthrough, ...b.passthrough],
  };
  const root = b.root ?? a.root;
  if (root !== undefined) out.root = root;
  const dir = b.projectDirectory ?? a.projectDirectory;
  if (dir !== undefined) out.projectDirectory = dir;
  const name = b.projectName ?? a.projectName;
  if (name !== undefined) out.projectName = name;
  return out;
}
