import { fail, pass, skip, type Check } from './types';

export const adSpnFor: Check = {
  id: 'ad-spn-for',
  group: 'ad',
  title: 'SPNs for the names clients use (--spn-for)',
  network: true,
  async run(ctx) {
    if (ctx.o.spnFor.length === 0) return skip('no --spn-for NAME given');
    const g = await ctx.gmsa();
    const hostOf = (spn: string): string => (spn.split('/')[1] ?? '').split(':')[0]?.toLowerCase() ?? '';
    const missing = ctx.o.spnFor.filter((n) => !g.spns.some((s) => hostOf(s) === n.toLowerCase()));
    if (missing.length > 0) {
      return fail(`no SPN of ${g.name} names ${missing.join(', ')}: clients asking for a ticket to it get KDC_ERR_S_PRINCIPAL_UNKNOWN and fall back to NTLM`, `docker gmsa account spn add ${g.name} ${missing.map((n) => `HTTP/${n}`).join(' ')}`);
    }
    return pass(ctx.o.spnFor.map((n) => `${n}: ${g.spns.filter((s) => hostOf(s) === n.toLowerCase()).join(', ')}`).join('; '));
  },
};
