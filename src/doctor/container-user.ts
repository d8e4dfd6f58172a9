import { effectiveUser, RUN_AS_NETWORK_SERVICE_FIX, usesGmsa } from './identity';
import { fail, pass, type Check } from './types';

export const containerUser: Check = {
  id: 'container-user',
  group: 'container',
  title: 'User the container runs as',
  async run(ctx) {
    const c = await ctx.container();
    const user = effectiveUser(c.Config?.User, c.Config?.Image);
    if (usesGmsa(user)) return pass(`${user}: uses the gMSA`);
    return fail(`${user} does not use the gMSA (whoami never shows the gMSA; only Network Service and Local System authenticate as it)`, RUN_AS_NETWORK_SERVICE_FIX);
  },
};
