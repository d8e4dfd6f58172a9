import { fail, pass, Skip, type Check } from './types';

export const containerVerify: Check = {
  id: 'container-verify',
  group: 'container',
  title: 'Inside the container: nltest /sc_verify and klist get krbtgt',
  async run(ctx) {
    const { verifyInContainer } = require('../engine/container-verify') as typeof import('../engine/container-verify');
    const c = await ctx.container();
    if (!c.State?.Running) throw new Skip(`${ctx.o.container} is not running`);
    const [p, account, spec] = await Promise.all([ctx.windowsProfile(), ctx.account(), ctx.spec()]);
    const name = ctx.o.container as string;
    const { checks } = await verifyInContainer({
      env: ctx.deps.env,
      globals: ctx.deps.globals,
      container: name,
      domain: spec.DomainJoinConfig.DnsName,
      account,
      ...(p.windowsBuild !== undefined ? { windowsBuild: p.windowsBuild } : {}),
      ...(c.Config?.Hostname ? { hostname: String(c.Config.Hostname) } : {}),
    });
    const bad = checks.filter((x) => !x.ok);
    if (bad.length === 0) return pass(checks.map((x) => `${x.id}: ${x.detail}`).join('; '));
    return fail(bad.map((x) => `${x.id}: ${x.detail}`).join('; '), bad[0]?.next ?? `docker gmsa verify ${name}`);
  },
};
