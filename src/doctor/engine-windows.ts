import { fail, pass, type Check } from './types';

export const engineWindows: Check = {
  id: 'engine-windows',
  group: 'engine',
  title: 'Windows engine',
  async run(ctx) {
    const p = await ctx.profile();
    if (p.osType === 'windows') return pass(`OSType windows${p.operatingSystem ? `: ${p.operatingSystem}` : ''}`);
    return fail(`OSType ${p.osType}: only Windows engines run gMSA containers`, 'Point docker at a Windows engine: docker --context NAME gmsa doctor ...');
  },
};
