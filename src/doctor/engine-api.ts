import { pass, warn, type Check } from './types';

export const engineApi: Check = {
  id: 'engine-api',
  group: 'engine',
  title: 'API version (raw:// specs need 1.40)',
  async run(ctx) {
    const { compareApiVersions, RAW_SPEC_API } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
    const p = await ctx.windowsProfile();
    if (!p.apiVersion) return warn('the engine did not report its API version', 'docker version shows it.');
    if (compareApiVersions(p.apiVersion, RAW_SPEC_API) >= 0) return pass(`API ${p.apiVersion}: file://, registry:// and raw:// specs`);
    return warn(`API ${p.apiVersion}: no raw:// (inline) specs, which need ${RAW_SPEC_API} (engine 19.03)`, 'Install specs as files: docker gmsa spec install FILE, or upgrade the engine.');
  },
};
