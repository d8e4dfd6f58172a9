import { firstDc, srvName } from './dc-targets';
import { dnsProbe } from './probes';
import { fail, pass, type Check } from './types';

export const networkDns: Check = {
  id: 'network-dns-udp',
  group: 'network',
  title: 'DNS over UDP 53',
  network: true,
  async run(ctx) {
    const s = await ctx.settings();
    const domain = s.domain ?? (await ctx.domainName());
    const server = s.dnsServer ?? (await firstDc(ctx)).address;
    const r = await dnsProbe(server, srvName(domain), ctx.timeoutMs);
    if (r.ok) return pass(`${server}:53/udp answered in ${r.ms} ms (${r.note ?? ''})`);
    return fail(`${server}:53/udp: ${r.reason}`, `Open UDP 53 to the DNS server, then: nslookup -type=SRV ${srvName(domain)} ${server}`);
  },
};
