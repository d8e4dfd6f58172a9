import { label, firstDc } from './dc-targets';
import { cldapProbe } from './probes';
import { fail, pass, type Check } from './types';

export const networkCldap: Check = {
  id: 'network-cldap',
  group: 'network',
  title: 'CLDAP ping (UDP 389)',
  network: true,
  async run(ctx) {
    const dc = await firstDc(ctx);
    const r = await cldapProbe(dc.address, ctx.timeoutMs);
    if (r.ok) return pass(`${label(dc)}:389/udp answered a rootDSE search in ${r.ms} ms`);
    return fail(`${label(dc)}:389/udp: ${r.reason}; Windows locates its DC with this ping`, `Open UDP 389 from the container hosts to the DC, then: nltest /dsgetdc:${(await ctx.settings()).domain ?? 'DOMAIN'}`);
  },
};
