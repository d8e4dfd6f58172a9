/**
 * Shell completion in cobra's protocol, which the docker CLI forwards to plugins as
 * `__complete gmsa <words...> <partial>`: one candidate per line (`value\tdescription`), then
 * `:<directive>`. Commands and flags come from the command tree itself; spec names from the store.
 */
import type { Command, Option } from 'commander';
import type { Deps } from './deps';

/** cobra's ShellCompDirective bits. */
export const Directive = { Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4, FilterDirs: 16 } as const;

const DIR_OPTIONS = new Set(['--root', '--dir', '--config']);
const FILE_OPTIONS = new Set(['--path']);
const FORMAT_VALUES: [string, string][] = [
  ['table', 'aligned columns'],
  ['json', 'machine-readable JSON'],
];
/** Commands whose arguments are names in the store. */
const SPEC_NAME_ARGS = new Set(['spec inspect', 'spec rm', 'spec validate']);

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

async function specNames(words: readonly string[], deps: Deps): Promise<string[]> {
  const i = words.findIndex((w) => w === '--root' || w.startsWith('--root='));
  const rootWord = i >= 0 ? words[i] : undefined;
  const root = rootWord?.includes('=') ? rootWord.slice('--root='.length) : i >= 0 ? words[i + 1] : undefined;
  try {
    const { openStore } = require('./spec-shared') as typeof import('./spec-shared');
    const { store } = await openStore(root, deps);
    return (await store.list()).map((e) => e.name);
  } catch {
    return []; // completion never fails loudly: no engine, no store, no names
  }
}

export async function complete(words: readonly string[], deps: Deps, descriptions: boolean): Promise<string> {
  const { buildProgram } = require('./program') as typeof import('./program');
  const root = buildProgram(deps);
  const partial = words.length > 0 ? (words[words.length - 1] as string) : '';
  const before = words.slice(0, -1);

  let cmd = root;
  let expectValueFor: Option | undefined;
  for (const w of before) {
    if (expectValueFor) {
      expectValueFor = undefined;
      continue;
    }
    if (w.startsWith('-')) {
      const opt = findOption(cmd, w);
      if (opt && takesValue(opt) && !w.includes('=')) expectValueFor = opt;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
  }

  const out: [string, string][] = [];
  let directive: number = Directive.NoFileComp;
  if (expectValueFor) {
    const flag = expectValueFor.long ?? '';
    if (DIR_OPTIONS.has(flag)) directive = Directive.FilterDirs;
    else if (FILE_OPTIONS.has(flag)) directive = Directive.Default;
    else if (flag === '--format') out.push(...FORMAT_VALUES);
  } else if (partial.startsWith('-')) {
    for (const o of cmd.options) if (o.long) out.push([o.long, o.description]);
    out.push(['--help', 'show help']);
  } else if (cmd.commands.length > 0) {
    for (const c of cmd.commands) out.push([c.name(), c.description()]);
  } else {
    const where = path(cmd);
    if (SPEC_NAME_ARGS.has(where)) {
      for (const name of await specNames(words, deps)) out.push([name, 'credential spec']);
      if (where === 'spec validate') directive = Directive.Default;
    } else if (where === 'spec install') {
      directive = Directive.Default;
    }
  }

  const lines = out
    .filter(([value]) => value.startsWith(partial))
    .map(([value, desc]) => (descriptions && desc ? `${value}\t${desc.split('\n')[0]}` : value));
  return [...lines, `:${directive}`].join('\n') + '\n';
}
