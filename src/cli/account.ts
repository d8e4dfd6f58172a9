import type { Command } from 'commander';
import type { Deps } from './deps';
import { registerSubcommands, type SubcommandTable } from './subcommands';

export const ACCOUNT_COMMANDS: SubcommandTable = [
  ['create', () => (require('./account-create') as typeof import('./account-create')).registerAccountCreate],
  ['ls', () => (require('./account-ls') as typeof import('./account-ls')).registerAccountLs],
  ['show', () => (require('./account-show') as typeof import('./account-show')).registerAccountShow],
  ['test', () => (require('./account-test') as typeof import('./account-test')).registerAccountTest],
  ['spn', () => (require('./account-spn') as typeof import('./account-spn')).registerAccountSpn],
  ['hosts', () => (require('./account-lifecycle') as typeof import('./account-lifecycle')).registerAccountHosts],
  ['rm', () => (require('./account-lifecycle') as typeof import('./account-lifecycle')).registerAccountRm],
];

/** `account` and its subcommands: only `next` when the command line names it (see registerSubcommands). */
export function registerAccount(program: Command, deps: Deps, next?: string): void {
  const account = program
    .command('account')
    .description('Create, list, show and test gMSAs in Active Directory (over LDAP, from any OS)');
  registerSubcommands(account, deps, ACCOUNT_COMMANDS, next);
}
