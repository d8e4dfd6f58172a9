import { fail, pass, type Check } from './types';

export const engineIsolation: Check = {
  id: 'engine-isolation',
  group: 'engine',
  title: 'Default isolation',
  async run(ctx) {
    const { HYPERV_GMSA_BROKEN_BUILDS } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
    const p = await ctx.windowsProfile();
    const iso = p.isolation ?? 'unknown';
    const shown = `${iso}${p.isolationAssumed ? ' (assumed from the edition)' : ''}`;
    if (iso === 'hyperv' && p.windowsBuild !== undefined && HYPERV_GMSA_BROKEN_BUILDS.includes(p.windowsBuild)) {
      return fail(`${shown}: Hyper-V isolation with a gMSA hangs or fails on build ${p.windowsBuild}`, 'docker gmsa run ACCOUNT --isolation process ...');
    }
    return pass(shown);
  },
};
