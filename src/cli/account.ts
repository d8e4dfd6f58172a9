import type { Command } from 'commander';
import type { Deps } from './deps';
import { registerAccountCreate } from './account-create';
import { registerAccountLifecycle } from './account-lifecycle';
import { registerAccountLs } from './account-ls';
import { registerAccountShow } from './account-show';
import { registerAccountSpn } from './account-spn';
import { registerAccountTest } from './account-test';

export function registerAccount(program: Command, deps: Deps): void {
  const account = program
    .command('account')
    .description('Create, list, show and test gMSAs in Active Directory (over LDAP, from any OS)');
  registerAccountCreate(account, deps);
  registerAccountLs(account, deps);
  registerAccountShow(account, deps);
  registerAccountTest(account, deps);
  registerAccountSpn(account, deps);
  registerAccountLifecycle(account, deps);
}
