import { fail, pass, Skip, type Check } from './types';

export const containerVerify: Check = {
  id: 'container-verify',
  group: 'container',
  title: 'Inside the container: nltest /sc_verify and klist get krbtgt',
  async run(ctx) {
    const { captureDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
    const { NETWORK_SERVICE } = require('../engine/run-plan') as typeof import('../engine/run-plan');
    const { NETWORK_SERVICE_BUILD } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
    const { verifyChecks } = require('../windows/verify-checks') as typeof import('../windows/verify-checks');
    const c = await ctx.container();
    if (!c.State?.Running) throw new Skip(`${ctx.o.container} is not running`);
    const [p, account, spec] = await Promise.all([ctx.windowsProfile(), ctx.account(), ctx.spec()]);
    const domain = spec.DomainJoinConfig.DnsName;
    const asNs = p.windowsBuild === undefined || p.windowsBuild >= NETWORK_SERVICE_BUILD;
    const name = ctx.o.container as string;
    const exec = (cmd: string[]) => captureDocker(ctx.deps.env, ctx.deps.globals, ['exec', ...(asNs ? ['--user', NETWORK_SERVICE] : []), name, ...cmd]);
    const [nl, kl] = await Promise.all([exec(['nltest', `/sc_verify:${domain}`]), asNs ? exec(['klist', 'get', 'krbtgt']) : Promise.resolve(undefined)]);
    const checks = verifyChecks({
      domain,
      expectedAccount: account,
      nltest: { output: nl.stdout + nl.stderr, exitCode: nl.code },
      ...(kl ? { klist: { output: kl.stdout + kl.stderr, exitCode: kl.code } } : {}),
      ...(p.windowsBuild !== undefined ? { windowsBuild: p.windowsBuild } : {}),
      ...(c.Config?.Hostname ? { hostname: String(c.Config.Hostname) } : {}),
    });
    const bad = checks.filter((x) => !x.ok);
    if (bad.length === 0) return pass(checks.map((x) => `${x.id}: ${x.detail}`).join('; '));
    return fail(bad.map((x) => `${x.id}: ${x.detail}`).join('; '), bad[0]?.next ?? `docker gmsa verify ${name}`);
  },
};
