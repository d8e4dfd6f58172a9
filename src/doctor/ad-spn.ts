import { fail, pass, type Check } from './types';

/** The host SPNs a gMSA needs: host/NAME and host/FQDN. */
export function requiredHostSpns(name: string, fqdn: string): string[] {
  return [`host/${name}`, `host/${fqdn}`];
}

export const adSpn: Check = {
  id: 'ad-spn',
  group: 'ad',
  title: 'SPNs host/NAME and host/FQDN',
  network: true,
  async run(ctx) {
    const [g, d] = await Promise.all([ctx.gmsa(), ctx.domainInfo()]);
    const fqdn = (g.dnsHostName ?? `${g.name}.${d.dnsName}`).toLowerCase();
    const have = new Set(g.spns.map((s) => s.toLowerCase()));
    const missing = requiredHostSpns(g.name, fqdn).filter((s) => !have.has(s.toLowerCase()));
    if (missing.length > 0) {
      return fail(`${g.name} lacks ${missing.join(' and ')} (it has ${g.spns.length > 0 ? g.spns.join(', ') : 'no SPN'})`, `docker gmsa account spn add ${g.name} ${missing.join(' ')}`);
    }
    return pass(g.spns.join(', '));
  },
};
