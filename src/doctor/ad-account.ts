import { fail, pass, Skip, type Check } from './types';

export const adAccount: Check = {
  id: 'ad-account',
  group: 'ad',
  title: 'Account exists and is a gMSA',
  network: true,
  async run(ctx) {
    const account = await ctx.account();
    let p;
    try {
      await ctx.directoryRaw();
      p = await ctx.principalRaw();
    } catch (err) {
      if (err instanceof Skip) throw err;
      return fail((err as Error).message, (err as { hint?: string }).hint ?? 'Check the directory flags (--server, --user, GMSA_LDAP_PASSWORD).');
    }
    const d = await ctx.domainInfo();
    if (!p) return fail(`no account ${account}$ in ${d.dnsName}`, `docker gmsa account create ${account} --hosts ${ctx.o.host}`);
    const { describeKind } = require('../ad/accounts') as typeof import('../ad/accounts');
    if (p.kind !== 'gmsa') return fail(`${p.dn} is ${describeKind(p.kind)}, not a group managed service account`, `docker gmsa account create NAME --hosts ${ctx.o.host} (a new gMSA)`);
    return pass(`${p.dn} (${p.sid})`);
  },
};
