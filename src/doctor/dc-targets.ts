/** Which domain controller the network probes aim at: the --server hosts, else what SRV discovery lists. */
import type { DoctorContext } from './context';

export interface DcTarget {
  name: string;
  address: string;
}

/** dc01.contoso.com (10.0.0.5), or just the address when that is the name. */
export const label = (dc: DcTarget): string => (dc.name === dc.address ? dc.name : `${dc.name} (${dc.address})`);

export const srvName = (domain: string): string => `_ldap._tcp.dc._msdcs.${domain}`;

export function srvRecords(ctx: DoctorContext): Promise<DcTarget[]> {
  return ctx.once('srv', async () => {
    const { makeResolver, orderSrv } = require('../ad/discovery') as typeof import('../ad/discovery');
    const domain = (await ctx.settings()).domain ?? (await ctx.domainName());
    const s = await ctx.settings();
    const r = ctx.track(makeResolver(s.dnsServer, ctx.timeoutMs));
    const records = orderSrv(await r.resolveSrv(srvName(domain)));
    return Promise.all(
      records.map(async (rec) => {
        const name = rec.name.replace(/\.$/, '');
        const address = await r.resolve4(name).then((a) => a[0] ?? name, () => name);
        return { name, address };
      }),
    );
  });
}

export function dcTargets(ctx: DoctorContext): Promise<DcTarget[]> {
  return ctx.need(
    'dc-targets',
    async () => {
      const { makeResolver, parseServerUrl } = require('../ad/discovery') as typeof import('../ad/discovery');
      const { isIP } = require('node:net') as typeof import('node:net');
      const s = await ctx.settings();
      if (s.servers.length === 0) return srvRecords(ctx);
      const r = s.dnsServer ? ctx.track(makeResolver(s.dnsServer, ctx.timeoutMs)) : undefined;
      return Promise.all(
        s.servers.map(async (raw) => {
          const name = parseServerUrl(raw, s.startTls).tlsName;
          const address = isIP(name) || !r ? name : await r.resolve4(name).then((a) => a[0] ?? name, () => name);
          return { name, address };
        }),
      );
    },
    'no domain controller to probe (network-srv)',
  );
}

export async function firstDc(ctx: DoctorContext): Promise<DcTarget> {
  const [dc] = await dcTargets(ctx);
  if (!dc) {
    const { Skip } = require('./types') as typeof import('./types');
    throw new Skip('no domain controller found (network-srv)');
  }
  return dc;
}
