import { containerGmsa, peersOfGmsa } from './container-facts';
import { fail, pass, skip, warn, type Check } from './types';

export const containerHostname: Check = {
  id: 'container-hostname',
  group: 'container',
  title: 'Hostname against the build rules and the other containers of the gMSA',
  async run(ctx) {
    if (!ctx.o.container) return skip('no --container given');
    const { FREE_HOSTNAME_BUILD } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
    const name = ctx.o.container;
    const c = await ctx.containerRaw().catch((err: Error) => {
      throw Object.assign(new Error(err.message), { hint: (err as { hint?: string }).hint });
    });
    if (!c) return fail(`no such container: ${name}`, 'docker ps lists the running containers.');
    const gmsa = await containerGmsa(c, ctx);
    if (!gmsa) return fail(`${name} has no credential spec: it has no gMSA identity`, `Recreate it with docker gmsa run ${ctx.o.account ?? 'ACCOUNT'} ...`);
    const p = await ctx.windowsProfile();
    const hostname = String(c.Config?.Hostname ?? '');
    const peers = await peersOfGmsa(ctx, gmsa, String(c.Id));
    const recreate = `docker rm -f ${name} && docker gmsa run ${gmsa} ... (it picks the hostname the build needs)`;
    if (p.windowsBuild !== undefined && p.windowsBuild < FREE_HOSTNAME_BUILD) {
      if (hostname.toLowerCase() !== gmsa.toLowerCase()) {
        return fail(`hostname ${hostname || '(none)'} is not the gMSA name ${gmsa}, which build ${p.windowsBuild} requires (inbound NTLM and name/SID translation fail)`, recreate);
      }
      if (peers.length > 0) {
        return fail(`${peers.map((x) => x.name).join(', ')} also run${peers.length === 1 ? 's' : ''} with ${gmsa}: build ${p.windowsBuild} allows one container per gMSA at a time`, `Stop the others (docker stop ${peers.map((x) => x.name).join(' ')}), or move to Windows Server 2019 or later`);
      }
      return pass(`hostname ${hostname} is the gMSA name, and no other container runs with ${gmsa}`);
    }
    const same = peers.filter((x) => x.hostname.toLowerCase() === hostname.toLowerCase());
    if (same.length > 0) {
      return fail(`${same.map((x) => x.name).join(', ')} also run${same.length === 1 ? 's' : ''} with ${gmsa} and hostname ${hostname}: containers sharing a gMSA and a hostname lose trust with the domain`, `Give each its own hostname of at most 15 characters: ${recreate}`);
    }
    if ([...hostname].length > 15) return warn(`hostname ${hostname} is longer than 15 characters (its NetBIOS name is cut)`, recreate);
    return pass(`hostname ${hostname}; ${peers.length === 0 ? `no other container runs with ${gmsa}` : `other containers of ${gmsa} use other hostnames (${peers.map((x) => `${x.name}: ${x.hostname}`).join(', ')})`}`);
  },
};
