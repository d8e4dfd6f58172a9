import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { UsageError } from '../errors';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';
import { collect, splitList } from './options';

interface CreateOptions extends DirectoryFlags {
  hosts?: string[];
  group?: string;
  spn?: string[];
  dnsHostName?: string;
  container?: string;
  groupContainer?: string;
  dryRun?: boolean;
}

export function registerAccountCreate(account: Command, deps: Deps): void {
  const cmd = account
    .command('create')
    .description('Create a gMSA, the group of hosts allowed to use it, and the memberships (idempotent)')
    .argument('<name>', 'gMSA name: 1-15 letters, digits or hyphens (it becomes the containers\' host name)')
    .option('--hosts <list>', 'container hosts (computer names) allowed to retrieve the password; comma-separated, repeatable (hosts can also come later)', collect)
    .option('--group <name>', 'domain-local security group of the hosts (default <NAME>Hosts)')
    .option('--spn <spn>', 'extra service principal name, e.g. http/web.contoso.com (repeatable)', collect)
    .option('--dns-host-name <fqdn>', 'dNSHostName of the gMSA (default <NAME>.<domain>)')
    .option('--container <dn>', 'where the gMSA goes (default CN=Managed Service Accounts,<domain DN>)')
    .option('--group-container <dn>', 'where the host group goes (default CN=Users,<domain DN>)')
    .option('--dry-run', 'print the changes without making them');
  addDirectoryOptions(cmd).addHelpText(
    'after',
    `
The guide's three steps in one command: the host group if missing; the gMSA with its DNS host name,
SPNs (host/NAME and host/<dns host name> plus --spn), a 30-day password interval, and the group allowed to
retrieve its password; the hosts added to the group. A second run changes nothing, and a run that stopped
half-way finishes the rest. Hosts learn a new group membership only after a reboot or
'klist purge -li 0x3e7'.
${DIRECTORY_HELP}

Examples:
  docker gmsa account create webapp01
  docker gmsa account create webapp01 --hosts WEBHOST01,WEBHOST02 --dry-run
  docker gmsa account create webapp01 --hosts WEBHOST01 --spn http/webapp.contoso.com`,
  );
  cmd.action(async (name: string, o: CreateOptions) => {
    const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
    const { accountRequest, checkAccountInput, planAccount, describeStep } = require('../ad/account-plan') as typeof import('../ad/account-plan');
    const { readAccountState, applyPlan } = require('../ad/account-apply') as typeof import('../ad/account-apply');

    const input = checkAccountInput({
      name,
      hosts: splitList(o.hosts),
      spns: splitList(o.spn),
      ...(o.group !== undefined ? { group: o.group } : {}),
      ...(o.dnsHostName !== undefined ? { dnsHostName: o.dnsHostName } : {}),
      ...(o.container !== undefined ? { container: o.container } : {}),
      ...(o.groupContainer !== undefined ? { groupContainer: o.groupContainer } : {}),
    });
    const gmsa = input.name;
    const hosts = input.hosts;
    if (o.hosts !== undefined && hosts.length === 0) throw new UsageError('--hosts needs at least one computer name', 'Example: --hosts WEBHOST01,WEBHOST02, or leave --hosts out and add hosts later.');

    await withDirectory(o, deps, async (dir) => {
      const req = accountRequest(input, await readDomain(dir));
      const steps = planAccount(req, await readAccountState(dir, req));
      if (steps.length === 0) {
        deps.io.out(hosts.length > 0 ? `${gmsa} is already set up for ${hosts.join(', ')}; nothing to change.\n` : `${gmsa} is already set up; nothing to change.\n`);
        return;
      }
      if (o.dryRun) {
        deps.io.out(steps.map((s) => `Would ${describeStep(s)}\n`).join(''));
        return;
      }
      await applyPlan(dir, req, steps, (line) => deps.io.out(`Done: ${line}\n`));
      if (steps.some((s) => s.kind === 'add-member')) {
        deps.io.err(
          "Note: a host learns a new group membership only after a reboot or 'klist purge -li 0x3e7' on it; until then it cannot retrieve the password.\n",
        );
      }
    });
  });
}
