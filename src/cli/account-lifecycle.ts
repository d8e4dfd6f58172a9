/** `account hosts add|rm NAME HOST...` and `account rm NAME [--keep-group] --yes`: options plus one plan each (ad/account-lifecycle.ts). */
import type { Command } from 'commander';
import type { Directory } from '../ad/connection';
import type { LifecycleStep } from '../ad/account-lifecycle';
import type { DirectoryFlags } from '../ad/settings';
import { UsageError } from '../errors';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';

interface LifecycleOptions extends DirectoryFlags {
  group?: string;
  dryRun?: boolean;
  keepGroup?: boolean;
  yes?: boolean;
}

async function apply(dir: Directory, steps: readonly LifecycleStep[], deps: Deps): Promise<void> {
  const { describeLifecycleStep } = require('../ad/account-lifecycle') as typeof import('../ad/account-lifecycle');
  for (const s of steps) {
    const action = describeLifecycleStep(s);
    if (s.kind === 'delete') await dir.remove(s.dn, action);
    else await dir.modify(s.groupDn, [{ operation: s.kind === 'add-member' ? 'add' : 'delete', attribute: 'member', values: [s.memberDn] }], action);
    deps.io.out(`Done: ${action}\n`);
  }
}

export function registerAccountHosts(account: Command, deps: Deps): void {
  const hosts = account.command('hosts').description("Add or remove container hosts of a gMSA (members of its host group)");
  for (const op of ['add', 'rm'] as const) {
    const cmd = hosts
      .command(op)
      .description(op === 'add' ? 'Allow hosts to retrieve the password (idempotent)' : 'Stop hosts from retrieving the password (idempotent)')
      .argument('<name>', 'gMSA name')
      .argument('<host...>', "computer names of the container hosts (or a CCG plugin's portable user account)")
      .option('--group <name>', 'the host group (default <NAME>Hosts)')
      .option('--dry-run', 'print the changes and make none');
    addDirectoryOptions(cmd).addHelpText('after', `${DIRECTORY_HELP}\n\nExample:\n  docker gmsa account hosts ${op} webapp01 WEBHOST03`);
    cmd.action(async (name: string, hostArgs: string[], o: LifecycleOptions) => {
      const { findPrincipals } = require('../ad/accounts') as typeof import('../ad/accounts');
      const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
      const { checkLifecycleDomain, checkLifecycleNames, planHosts, describeLifecycleStep } = require('../ad/account-lifecycle') as typeof import('../ad/account-lifecycle');
      const names = checkLifecycleNames(name, o.group, hostArgs);
      const { account: gmsa, groupName, hosts: hostNames } = names;
      await withDirectory(o, deps, async (dir) => {
        const domain = await readDomain(dir);
        checkLifecycleDomain(names, domain);
        const found = await findPrincipals(dir, domain, [gmsa, groupName, ...hostNames]);
        const state = { hosts: new Map(hostNames.flatMap((h) => { const p = found.get(h.toLowerCase()); return p ? [[h.toLowerCase(), p] as const] : []; })) } as import('../ad/account-lifecycle').HostsState;
        const g = found.get(gmsa.toLowerCase());
        if (g) state.gmsa = g;
        const grp = found.get(groupName.toLowerCase());
        if (grp) state.group = grp;
        const steps = planHosts(op, { account: gmsa, groupName, hosts: hostNames }, state);
        if (steps.length === 0) {
          deps.io.out(`${groupName} already ${op === 'add' ? 'has' : 'lacks'} ${hostNames.join(', ')}; nothing to change.\n`);
          return;
        }
        if (o.dryRun) {
          deps.io.out(steps.map((s) => `Would ${describeLifecycleStep(s)}\n`).join(''));
          return;
        }
        await apply(dir, steps, deps);
        deps.io.err("Note: a host learns a group change only after a reboot or 'klist purge -li 0x3e7' on it.\n");
      });
    });
  }
}

export function registerAccountRm(account: Command, deps: Deps): void {
  const cmd = account
    .command('rm')
    .description('Delete a gMSA and its host group (idempotent; --yes confirms)')
    .argument('<name>', 'gMSA name')
    .option('--keep-group', 'keep the host group')
    .option('--group <name>', 'the host group (default <NAME>Hosts)')
    .option('--yes', 'confirm: without it the command says what it would delete and exits 2');
  addDirectoryOptions(cmd).addHelpText('after', `${DIRECTORY_HELP}\n\nExample:\n  docker gmsa account rm webapp01 --keep-group --yes`);
  cmd.action(async (name: string, o: LifecycleOptions) => {
    const { findPrincipals } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
    const { checkLifecycleDomain, checkLifecycleNames, planRemove, describeLifecycleStep } = require('../ad/account-lifecycle') as typeof import('../ad/account-lifecycle');
    const names = checkLifecycleNames(name, o.group);
    const { account: gmsa, groupName } = names;
    await withDirectory(o, deps, async (dir) => {
      const domain = await readDomain(dir);
      checkLifecycleDomain(names, domain);
      const found = await findPrincipals(dir, domain, [gmsa, groupName]);
      const state: { gmsa?: import('../ad/accounts').Principal; group?: import('../ad/accounts').Principal } = {};
      const g = found.get(gmsa.toLowerCase());
      if (g) state.gmsa = g;
      const grp = found.get(groupName.toLowerCase());
      if (grp) state.group = grp;
      const steps = planRemove({ account: gmsa, groupName, keepGroup: o.keepGroup === true }, state);
      if (steps.length === 0) {
        deps.io.out(`${gmsa} is not in ${domain.dnsName}${o.keepGroup ? '' : ` (nor ${groupName})`}; nothing to delete.\n`);
        return;
      }
      if (!o.yes) {
        deps.io.out(steps.map((s) => `Would ${describeLifecycleStep(s)}\n`).join(''));
        throw new UsageError(`account rm deletes ${steps.length === 1 ? 'this object' : 'these objects'} only with --yes; nothing was deleted`, `Run docker gmsa account rm ${gmsa}${o.keepGroup ? ' --keep-group' : ''} --yes.`);
      }
      await apply(dir, steps, deps);
    });
  });
}

