import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { NotFoundError, InvalidInputError } from '../errors';
import { parseFormat, renderObject } from '../util/format';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';

export function registerAccountShow(account: Command, deps: Deps): void {
  const cmd = account
    .command('show')
    .alias('inspect')
    .description('Show a gMSA: SID, DNS host name, SPNs, who may retrieve its password')
    .argument('<name>', 'gMSA name')
    .option('--format <format>', 'table (default), json, or a template such as {{.SID}}');
  addDirectoryOptions(cmd).addHelpText('after', `${DIRECTORY_HELP}\n\nExample:\n  docker gmsa account show webapp01 --format json`);
  cmd.action(async (name: string, o: DirectoryFlags & { format?: string }) => {
    const format = parseFormat(o.format);
    const { bareName, describeKind, findPrincipals, namesOfDns, resolveSids } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
    const { allowedSids, parseSecurityDescriptor, toSddl } = require('../ad/codecs/security-descriptor') as typeof import('../ad/codecs/security-descriptor');
    const { generalizedTimeToIso } = require('../ad/codecs/generalized-time') as typeof import('../ad/codecs/generalized-time');
    await withDirectory(o, deps, async (dir) => {
      const domain = await readDomain(dir);
      const g = (await findPrincipals(dir, domain, [name])).get(bareName(name).toLowerCase());
      if (!g) throw new NotFoundError(`no account named ${bareName(name)} in ${domain.dnsName}`, 'List the gMSAs with `docker gmsa account ls`.');
      if (g.kind !== 'gmsa') throw new InvalidInputError(`${g.dn} is ${describeKind(g.kind)}, not a gMSA`, 'List the gMSAs with `docker gmsa account ls`.');
      const sd = g.membership ? parseSecurityDescriptor(g.membership) : undefined;
      const sids = sd ? allowedSids(sd) : [];
      const resolved = await resolveSids(dir, sids);
      const allowed: { SID: string; Name: string; Kind: string; Members: string[] }[] = [];
      for (const sid of sids) {
        const p = resolved.get(sid);
        allowed.push({
          SID: sid,
          Name: p ? `${domain.netbiosName}\\${p.samAccountName}` : sid,
          Kind: p?.kind ?? 'unknown',
          Members: p?.kind === 'group' ? (await namesOfDns(dir, p.members)).sort((a, b) => a.localeCompare(b)) : [],
        });
      }
      const view = {
        Name: g.name,
        DN: g.dn,
        SID: g.sid,
        DNSHostName: g.dnsHostName ?? null,
        SPNs: g.spns,
        PasswordIntervalDays: g.passwordIntervalDays ?? null,
        SupportedEncryptionTypes: g.encryptionTypes ?? null,
        Created: generalizedTimeToIso(g.whenCreated),
        MembershipSDDL: sd ? toSddl(sd) : null,
        AllowedPrincipals: allowed,
      };
      deps.io.out(
        renderObject(format, view, () => {
          const lines = [
            `Name:              ${domain.netbiosName}\\${g.samAccountName}`,
            `DN:                ${g.dn}`,
            `SID:               ${g.sid}`,
            `DNS host name:     ${g.dnsHostName ?? '-'}`,
            `Password interval: ${g.passwordIntervalDays ?? '-'} days`,
            `SPNs:              ${g.spns.length ? g.spns.join('\n                   ') : '(none)'}`,
            'May retrieve the password:',
            ...(allowed.length
              ? allowed.map((a) => `  ${a.Name} (${a.Kind})${a.Members.length ? `: ${a.Members.join(', ')}` : a.Kind === 'group' ? ': no members' : ''}`)
              : ['  nobody: no container host can use this gMSA']),
          ];
          return lines.join('\n') + '\n';
        }),
      );
    });
  });
}
