import type { Command } from 'commander';
import type { Deps } from './deps';
import { registerCommands, type CommandTable } from './command-table';

export const ACCOUNT_COMMANDS: CommandTable = [
  ['create', () => (require('./account-create') as typeof import('./account-create')).registerAccountCreate],
  ['ls', () => (require('./account-ls') as typeof import('./account-ls')).registerAccountLs],
  ['show', () => (require('./account-show') as typeof import('./account-show')).registerAccountShow],
  ['test', () => (require('./account-test') as typeof import('./account-test')).registerAccountTest],
  ['spn', () => (require('./account-spn') as typeof import('./account-spn')).registerAccountSpn],
  ['hosts', () => (require('./account-lifecycle') as typeof import('./account-lifecycle')).registerAccountHosts],
  ['rm', () => (require('./account-lifecycle') as typeof import('./account-lifecycle')).registerAccountRm],
];

/** `account` and its subcommands: only `next` when the command line names it (see registerCommands). */
export function registerAccount(program: Command, deps: Deps, next?: string): void {
  const account = program
    .command('account')
    .description('Create, list, show and test gMSAs in Active Directory (over LDAP, from any OS)');
  registerCommands(account, deps, ACCOUNT_COMMANDS, next);
}
