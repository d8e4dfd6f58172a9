import { pass, warn, type Check } from './types';

export const engineStore: Check = {
  id: 'engine-store',
  group: 'engine',
  title: 'CredentialSpecs folder',
  async run(ctx) {
    if (ctx.o.root) {
      const { storeFromRoot } = require('../engine/store-location') as typeof import('../engine/store-location');
      return pass(`${storeFromRoot(ctx.o.root, ctx.deps.cwd).dir} (--root)`);
    }
    const p = await ctx.windowsProfile();
    const dir = p.credentialSpecsDir ?? `${p.dockerRootDir ?? 'C:\\ProgramData\\docker'}\\CredentialSpecs`;
    if (p.rootDirLocal) return pass(`${dir}, readable from this machine`);
    return warn(`${dir} is on the engine host, not on this machine: specs there cannot be listed or checked from here`, 'Pass --root DIR (a share of the Docker root), or use docker gmsa run --spec-mode raw.');
  },
};
