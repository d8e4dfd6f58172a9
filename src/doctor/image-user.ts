import { effectiveUser, RUN_AS_NETWORK_SERVICE_FIX, usesGmsa } from './identity';
import { fail, pass, skip, warn, type Check } from './types';

export const imageUser: Check = {
  id: 'image-user',
  group: 'image',
  title: "Image's configured user",
  async run(ctx) {
    let image = ctx.o.image;
    if (!image && ctx.o.container) image = String((await ctx.container()).Config?.Image ?? '') || undefined;
    if (!image) return skip('no --image or --container given');
    await ctx.windowsProfile();
    const { captureDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
    const r = await captureDocker(ctx.deps.env, ctx.deps.globals, ['image', 'inspect', '--format', '{{json .Config.User}}', image]);
    if (r.code !== 0) return fail(`docker image inspect ${image}: ${(r.stderr || r.stdout).trim()}`, `docker pull ${image}`);
    let configured = '';
    try {
      configured = String(JSON.parse(r.stdout.trim() || '""') ?? '');
    } catch {
      configured = r.stdout.trim();
    }
    const user = effectiveUser(configured, image);
    if (usesGmsa(user)) return pass(`${image} runs as ${user}`);
    return warn(`${image} runs as ${user}${configured ? '' : ' (no USER in the image)'}, which does not use the gMSA unless the app itself runs as Network Service (an IIS pool, a service)`, RUN_AS_NETWORK_SERVICE_FIX);
  },
};
