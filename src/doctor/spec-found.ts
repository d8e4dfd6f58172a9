import { fail, pass, Skip, type Check } from './types';

export const specFound: Check = {
  id: 'spec-found',
  group: 'spec',
  title: 'Credential spec found',
  async run(ctx) {
    const account = await ctx.account();
    try {
      const r = await ctx.specRaw();
      return pass(`${account}: ${r.where}`);
    } catch (err) {
      if (err instanceof Skip) throw err;
      const hint = (err as { hint?: string }).hint;
      return fail((err as Error).message, hint ?? `docker gmsa spec create ${account}`);
    }
  },
};
