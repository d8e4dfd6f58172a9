import { fail, pass, type Check } from './types';

export const adHostAccess: Check = {
  id: 'ad-host-access',
  group: 'ad',
  title: 'Host may retrieve the password',
  network: true,
  async run(ctx) {
    const { findPrincipals, bareName, resolveSids } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { decideAccess, hostToken } = require('../ad/access') as typeof import('../ad/access');
    const [g, d, dir] = await Promise.all([ctx.gmsa(), ctx.domainInfo(), ctx.directory()]);
    const host = ctx.o.host;
    const found = (await findPrincipals(dir, d, [host])).get(bareName(host).toLowerCase());
    if (!found) return fail(`no computer ${bareName(host)}$ in ${d.dnsName} (the host must be domain joined, or use a CCG plugin)`, `Give the container host's name with --host COMPUTER`);
    const verdict = decideAccess(g.membership, await hostToken(dir, found));
    const names = await resolveSids(dir, [...verdict.via, ...verdict.allowedPrincipals, ...verdict.deniedVia]);
    const nameOf = (sid: string): string => names.get(sid)?.samAccountName || sid;
    if (verdict.allowed) {
      const via = verdict.via.map((s) => (s === found.sid ? `${found.samAccountName} itself` : nameOf(s)));
      return pass(`${found.samAccountName} may retrieve ${g.name}'s password through ${via.join(', ')}; a host learns new groups after a reboot or klist purge -li 0x3e7`);
    }
    const allowed = verdict.allowedPrincipals.map(nameOf);
    return fail(
      `${found.samAccountName} is not allowed to retrieve ${g.name}'s password${verdict.deniedVia.length > 0 ? ` (denied through ${verdict.deniedVia.map(nameOf).join(', ')})` : ''}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'nobody'}`,
      `docker gmsa account hosts add ${g.name} ${bareName(host)} (then reboot the host or run klist purge -li 0x3e7 on it)`,
    );
  },
};
