import { fail, pass, type Check } from './types';

export const adSpnDuplicates: Check = {
  id: 'ad-spn-duplicates',
  group: 'ad',
  title: 'No SPN held by another account',
  network: true,
  async run(ctx) {
    const { spnHolders } = require('../ad/accounts') as typeof import('../ad/accounts');
    const [g, d, dir] = await Promise.all([ctx.gmsa(), ctx.domainInfo(), ctx.directory()]);
    const wanted = [...new Set([...g.spns, ...ctx.o.spnFor.map((n) => `HTTP/${n}`)])];
    const dupes: string[] = [];
    await Promise.all(
      wanted.map(async (spn) => {
        const others = (await spnHolders(dir, d.domainDn, spn)).filter((p) => p.dn.toLowerCase() !== g.dn.toLowerCase());
        if (others.length > 0) dupes.push(`${spn} is also on ${others.map((o) => o.samAccountName || o.dn).join(', ')}`);
      }),
    );
    if (dupes.length > 0) return fail(`${dupes.sort().join('; ')}: the KDC cannot tell which key to use`, 'Remove the SPN from the other account: setspn -D SPN OTHER (or docker gmsa account spn rm OTHER SPN if it is a gMSA)');
    return pass(`${wanted.length} SPN${wanted.length === 1 ? '' : 's'} checked in ${d.dnsName}`);
  },
};
