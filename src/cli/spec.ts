import type { Command } from 'commander';
import type { Deps } from './deps';
import { registerCommands, type CommandTable } from './command-table';

export const SPEC_COMMANDS: CommandTable = [
  ['create', () => (require('./spec-create') as typeof import('./spec-create')).registerSpecCreate],
  ['validate', () => (require('./spec-validate') as typeof import('./spec-validate')).registerSpecValidate],
  ['install', () => (require('./spec-install') as typeof import('./spec-install')).registerSpecInstall],
  ['ls', () => (require('./spec-ls') as typeof import('./spec-ls')).registerSpecLs],
  ['inspect', () => (require('./spec-inspect') as typeof import('./spec-inspect')).registerSpecInspect],
  ['rm', () => (require('./spec-rm') as typeof import('./spec-rm')).registerSpecRm],
];

/** `spec` and its subcommands: only `next` when the command line names it (see registerCommands). */
export function registerSpec(program: Command, deps: Deps, next?: string): void {
  const spec = program
    .command('spec')
    .description('Create, validate, install, list, inspect and remove credential specs')
    .addHelpText(
      'after',
      `
The store is <DockerRootDir>\\CredentialSpecs of the engine docker talks to, or DIR/CredentialSpecs with
--root DIR. Specs are read as UTF-8, UTF-8 with BOM or UTF-16 with BOM (what PowerShell writes).`,
    );
  registerCommands(spec, deps, SPEC_COMMANDS, next);
}
