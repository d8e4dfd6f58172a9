import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { DirectoryError, NotFoundError } from '../errors';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';

export function registerAccountSpn(account: Command, deps: Deps): void {
  const spn = account.command('spn').description('Add or remove service principal names of a gMSA');
  for (const op of ['add', 'rm'] as const) {
    const cmd = spn
      .command(op)
      .description(op === 'add' ? 'Add SPNs (refused when another account holds one)' : 'Remove SPNs')
      .argument('<name>', 'gMSA name')
      .argument('<spn...>', 'service principal names, e.g. http/web.contoso.com MSSQLSvc/sql01.contoso.com:1433');
    addDirectoryOptions(cmd).addHelpText('after', `${DIRECTORY_HELP}\n\nExample:\n  docker gmsa account spn ${op} webapp01 http/webapp.contoso.com`);
    cmd.action(async (name: string, spns: string[], o: DirectoryFlags) => {
      const { checkSpn } = require('../ad/names') as typeof import('../ad/names');
      spns.forEach(checkSpn);
      const { bareName, findPrincipals, spnHolders } = require('../ad/accounts') as typeof import('../ad/accounts');
      const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
      await withDirectory(o, deps, async (dir) => {
        const domain = await readDomain(dir);
        const g = (await findPrincipals(dir, domain, [name])).get(bareName(name).toLowerCase());
        if (!g || g.kind !== 'gmsa') throw new NotFoundError(`no gMSA named ${bareName(name)} in ${domain.dnsName}`, 'List the gMSAs with `docker gmsa account ls`.');
        const have = new Set(g.spns.map((s) => s.toLowerCase()));
        if (op === 'add') {
          const taken: string[] = [];
          for (const s of spns) {
            const others = (await spnHolders(dir, domain.domainDn, s)).filter((p) => p.dn.toLowerCase() !== g.dn.toLowerCase());
            if (others.length) taken.push(`${s} (${others.map((p) => p.samAccountName).join(', ')})`);
          }
          if (taken.length) {
            throw new DirectoryError(`SPN already held by another account: ${taken.join('; ')}`, 'A duplicate SPN breaks Kerberos for both accounts: remove it from the other account first.');
          }
          const add = spns.filter((s) => !have.has(s.toLowerCase()));
          if (add.length) await dir.modify(g.dn, [{ operation: 'add', attribute: 'servicePrincipalName', values: add }], `add SPNs to ${g.name}`);
          for (const s of spns) deps.io.out(`${add.includes(s) ? 'Added' : 'Already present'}: ${s}\n`);
        } else {
          const present = g.spns.filter((s) => spns.some((x) => x.toLowerCase() === s.toLowerCase()));
          if (present.length) await dir.modify(g.dn, [{ operation: 'delete', attribute: 'servicePrincipalName', values: present }], `remove SPNs from ${g.name}`);
          for (const s of spns) deps.io.out(`${have.has(s.toLowerCase()) ? 'Removed' : 'Not present'}: ${s}\n`);
        }
      });
    });
  }
}
