import { fail, pass, type Check } from './types';

export const adKds: Check = {
  id: 'ad-kds',
  group: 'ad',
  title: 'KDS root key usable now',
  network: true,
  async run(ctx) {
    const { kdsStatus, listRootKeys } = require('../ad/kds') as typeof import('../ad/kds');
    const [d, dir] = await Promise.all([ctx.domainInfo(), ctx.directory()]);
    const keys = await listRootKeys(dir, d.configDn);
    const st = kdsStatus(keys, ctx.env.now());
    if (st.usable) return pass(`${keys.length} root key${keys.length === 1 ? '' : 's'}; usable since ${keys.map((k) => k.usableFrom?.toISOString()).filter(Boolean).sort()[0]}`);
    if (keys.length === 0) return fail(`no KDS root key visible to ${dir.boundAs ?? 'this bind'} (keys are readable by Domain Admins only)`, 'docker gmsa kds create (a lab may backdate it: --backdate-10h)');
    return fail(`no root key is usable yet: the first becomes usable at ${st.usableAt?.toISOString()} (10 hours after its start time)`, 'Wait until then; in a lab only: docker gmsa kds create --backdate-10h');
  },
};
