import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { parseFormat, renderListing } from '../util/format';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';

export function registerAccountLs(account: Command, deps: Deps): void {
  const cmd = account
    .command('ls')
    .alias('list')
    .description('List the gMSAs of the domain and who may retrieve their passwords')
    .option('-q, --quiet', 'only names')
    .option('--format <format>', 'table (default), json, or a template such as {{.Name}}');
  addDirectoryOptions(cmd).addHelpText('after', `${DIRECTORY_HELP}\n\nExample:\n  docker gmsa account ls --domain contoso.com`);
  cmd.action(async (o: DirectoryFlags & { quiet?: boolean; format?: string }) => {
    const format = parseFormat(o.format);
    const { listGmsas, resolveSids } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
    const { allowedSids, parseSecurityDescriptor } = require('../ad/codecs/security-descriptor') as typeof import('../ad/codecs/security-descriptor');
    await withDirectory(o, deps, async (dir) => {
      const domain = await readDomain(dir);
      const gmsas = await listGmsas(dir, domain.domainDn);
      if (o.quiet) {
        deps.io.out(gmsas.map((g) => `${g.name}\n`).join(''));
        return;
      }
      const allowed = new Map(gmsas.map((g) => [g.dn, g.membership ? allowedSids(parseSecurityDescriptor(g.membership)) : []]));
      const names = await resolveSids(dir, [...allowed.values()].flat());
      const rows = gmsas.map((g) => ({
        Name: g.name,
        DNSHostName: g.dnsHostName ?? null,
        SPNs: g.spns,
        AllowedPrincipals: (allowed.get(g.dn) ?? []).map((sid) => names.get(sid)?.samAccountName ?? sid),
        DN: g.dn,
        SID: g.sid,
      }));
      if (format.kind === 'table' && rows.length === 0) deps.io.err(`No gMSAs in ${domain.dnsName}\n`);
      deps.io.out(
        renderListing(
          format,
          rows,
          [
            ['NAME', (r) => r.Name],
            ['DNS HOST NAME', (r) => r.DNSHostName ?? '-'],
            ['SPNS', (r) => String(r.SPNs.length)],
            ['ALLOWED TO RETRIEVE PASSWORD', (r) => r.AllowedPrincipals.join(', ') || '(nobody)'],
          ],
          (r) => r,
        ),
      );
    });
  });
}
