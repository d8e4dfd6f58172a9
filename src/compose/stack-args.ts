/**
 * The arguments of `docker gmsa stack deploy`: the plugin's own options (--dry-run, --windows-build,
 * --root, --force), the compose files (-c/--compose-file, repeated) and the stack name, and every other
 * `docker stack deploy` option, passed on untouched. Pure.
 *
 * docker stack deploy (cobra) takes options before and after STACK; so does this parser, up to `--`.
 */
import { UsageError } from '../errors';

export interface StackArgs {
  dryRun: boolean;
  force: boolean;
  windowsBuild?: number;
  root?: string;
  /** -c/--compose-file values in order ('-' is standard input). */
  files: string[];
  stack: string;
  /** docker stack deploy's other options, as given, in order. */
  options: string[];
}

export type StackPreset = Partial<Pick<StackArgs, 'dryRun' | 'force' | 'windowsBuild' | 'root'>>;

/** docker stack deploy options that take a value (other than -c/--compose-file). */
const VALUE_FLAGS = new Set(['--resolve-image', '--orchestrator', '--kubeconfig', '--namespace']);

const HINT = "See 'docker gmsa stack deploy --help'.";

export function parseWindowsBuild(v: string): number {
  if (!/^\d{5}$/.test(v.trim())) throw new UsageError(`invalid --windows-build "${v}"`, 'Give the Windows build number, e.g. 14393, 17763 or 20348.');
  return Number(v.trim());
}

export function parseStackArgs(args: readonly string[], preset: StackPreset = {}): StackArgs {
  const out: Omit<StackArgs, 'stack'> & { stack?: string } = { dryRun: preset.dryRun ?? false, force: preset.force ?? false, files: [], options: [] };
  if (preset.windowsBuild !== undefined) out.windowsBuild = preset.windowsBuild;
  if (preset.root !== undefined) out.root = preset.root;
  const positionals: string[] = [];
  let i = 0;
  const valueOf = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`flag needs an argument: ${flag}`, HINT);
    i += 1;
    return v;
  };
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    if (a === '--dry-run') {
      out.dryRun = true;
      continue;
    }
    if (a === '--force') {
      out.force = true;
      continue;
    }
    const own = /^--(root|windows-build)(?:=(.*))?$/s.exec(a);
    if (own) {
      const v = valueOf(a, own[2]);
      if (own[1] === 'root') out.root = v;
      else out.windowsBuild = parseWindowsBuild(v);
      continue;
    }
    const long = /^(--compose-file)(?:=(.*))?$/s.exec(a);
    if (long) {
      out.files.push(valueOf(a, long[2]));
      continue;
    }
    if (a.startsWith('-c')) {
      const rest = a.slice(2);
      out.files.push(rest === '' ? valueOf('-c', undefined) : rest.startsWith('=') ? rest.slice(1) : rest);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(flag) && eq < 0) {
      const v = args[i + 1];
      if (v === undefined) throw new UsageError(`flag needs an argument: ${flag}`, HINT);
      out.options.push(a, v);
      i += 1;
      continue;
    }
    out.options.push(a);
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'docker gmsa stack deploy needs the STACK name' : `docker gmsa stack deploy takes one STACK, not ${positionals.join(' ')}`,
      'Usage: docker gmsa stack deploy [--dry-run] [--windows-build N] [--root DIR] [--force] -c FILE... [docker stack deploy options] STACK',
    );
  }
  if (out.files.length === 0) {
    throw new UsageError('docker gmsa stack deploy needs the compose file(s): -c FILE', 'Name each compose file with -c FILE (or --compose-file FILE), as for docker stack deploy.');
  }
  return { ...out, stack: positionals[0] as string };
}

/** The docker CLI arguments: stack deploy with the given files, the user's other options and STACK. */
export function stackDeployArgv(files: readonly string[], args: Pick<StackArgs, 'options' | 'stack'>): string[] {
  return ['stack', 'deploy', ...files.flatMap((f) => ['-c', f]), ...args.options, args.stack];
}
