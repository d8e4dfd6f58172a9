import { fail, pass, warn, type Check } from './types';

export const specName: Check = {
  id: 'spec-name',
  group: 'spec',
  title: 'Spec file name the engine accepts',
  async run(ctx) {
    const { checkSpecName } = require('../credspec/naming') as typeof import('../credspec/naming');
    await ctx.spec();
    const r = await ctx.specRaw();
    if (!r.ok) return fail('the spec is not valid (spec-valid)');
    const name = r.choice.storeName;
    if (!name) return warn(`${r.where} is not in the engine's CredentialSpecs folder: docker gmsa run passes it inline (raw://)`, `docker gmsa spec install ${r.where}`);
    try {
      checkSpecName(name);
      return pass(`file://${name}`);
    } catch (err) {
      return fail((err as Error).message, (err as { hint?: string }).hint);
    }
  },
};
