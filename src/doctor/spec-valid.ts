import { fail, pass, Skip, type Check } from './types';

export const specValid: Check = {
  id: 'spec-valid',
  group: 'spec',
  title: 'Credential spec valid',
  async run(ctx) {
    const r = await ctx.need('spec', () => ctx.specRaw(), 'no credential spec (spec-found)');
    if (r.ok) {
      const h = r.choice.spec.ActiveDirectoryConfig.HostAccountConfig;
      return pass(`no errors${h ? `; HostAccountConfig for plugin ${h.PluginGUID} checked` : ''}`);
    }
    if (!r.invalid) throw new Skip('nothing to validate');
    return fail(r.invalid.split('\n').map((l) => l.trim()).filter(Boolean).join(' | '), `docker gmsa spec validate ${ctx.o.spec ?? r.where} (each finding has a fix)`);
  },
};
