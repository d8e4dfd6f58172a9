/**
 * How the command tree registers commands, at the root and in a group (spec, account): each command's
 * module is loaded only when that command is registered, and a command line that names one
 * (`docker gmsa spec create ...`) registers that one alone, all the way down. Help, completion, an alias
 * or a word that names no command get every entry, in the table's order.
 */
import type { Command } from 'commander';
import type { Deps } from './deps';

/** Registers a command under `parent`; a group given `next` (the word after its name) may register that subcommand alone. */
export type RegisterCommand = (parent: Command, deps: Deps, next?: string) => void;

/** Commands in help order, each with the module that registers it. */
export type CommandTable = readonly (readonly [name: string, load: () => RegisterCommand])[];

/** Registers `word` alone (handing it `next`) when it names an entry of `table`, else every entry. */
export function registerCommands(parent: Command, deps: Deps, table: CommandTable, word?: string, next?: string): void {
  const one = word !== undefined && table.some(([name]) => name === word);
  for (const [name, load] of table) {
    if (!one) load()(parent, deps);
    else if (name === word) load()(parent, deps, next);
  }
}
