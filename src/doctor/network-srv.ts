import { label, srvName, srvRecords } from './dc-targets';
import { fail, pass, type Check } from './types';

export const networkSrv: Check = {
  id: 'network-srv',
  group: 'network',
  title: 'DC discovery (DNS SRV)',
  network: true,
  async run(ctx) {
    const s = await ctx.settings();
    const domain = s.domain ?? (await ctx.domainName());
    try {
      const dcs = await srvRecords(ctx);
      if (dcs.length === 0) return fail(`${srvName(domain)} lists no domain controller`, 'Check the DC registers its SRV records: dcdiag /test:dns on the DC.');
      return pass(`${srvName(domain)}${s.dnsServer ? ` at ${s.dnsServer}` : ''}: ${dcs.map(label).join(', ')}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return fail(
        `DNS lookup of ${srvName(domain)}${s.dnsServer ? ` at ${s.dnsServer}` : ''} failed (${code})`,
        `Point this machine (and the container host) at the domain's DNS: --dns-server DC_ADDRESS, or nslookup -type=SRV ${srvName(domain)}`,
      );
    }
  },
};
