import { fail, pass, type Check } from './types';

export const engineReachable: Check = {
  id: 'engine-reachable',
  group: 'engine',
  title: 'Engine reachable',
  async run(ctx) {
    const { describeEndpoint } = require('../engine/endpoint') as typeof import('../engine/endpoint');
    let where = 'the engine';
    try {
      const session = await ctx.session();
      where = describeEndpoint(session.endpoint);
      const p = await ctx.profileRaw();
      return pass(`${where}: Docker ${p.engineVersion ?? '?'} (API ${p.apiVersion ?? '?'})${p.name ? ` on ${p.name}` : ''}`);
    } catch (err) {
      const hint = (err as { hint?: string }).hint;
      return fail(`${where}: ${(err as Error).message}`, hint ?? 'Point docker at the Windows engine: docker --context NAME gmsa doctor ...');
    }
  },
};
