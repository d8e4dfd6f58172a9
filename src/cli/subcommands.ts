/**
 * How a command group (spec, account) registers its subcommands: each subcommand's module is loaded only
 * when that subcommand is registered, and a run of one subcommand (`docker gmsa spec create ...`)
 * registers that one alone. Help, completion, an alias or a word that names no subcommand get the whole
 * group, in the table's order.
 */
import type { Command } from 'commander';
import type { Deps } from './deps';

export type RegisterSubcommand = (group: Command, deps: Deps) => void;

/** A group's subcommands in help order, each with the module that registers it. */
export type SubcommandTable = readonly (readonly [name: string, load: () => RegisterSubcommand])[];

/** Registers `next` alone when it names an entry of `table`, else every entry. */
export function registerSubcommands(group: Command, deps: Deps, table: SubcommandTable, next?: string): void {
  const one = next !== undefined && table.some(([name]) => name === next);
  for (const [name, load] of table) if (!one || name === next) load()(group, deps);
}
