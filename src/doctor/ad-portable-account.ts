import { NotFoundError } from '../errors';
import { fail, pass, skip, type Check } from './types';

/**
 * For a spec with a HostAccountConfig (a host outside the domain, a CCG plugin): the portable account the
 * plugin authenticates as may retrieve the gMSA's password (CCG event 8's cause, Azure/AKS#3849). The
 * account is in the plugin's secret, which doctor does not fetch: --portable-account names it, or the
 * secret itself comes on stdin (--portable-secret-stdin), and then its fields are checked and the
 * password is really retrieved as that account.
 */
export const adPortableAccount: Check = {
  id: 'ad-portable-account',
  group: 'ad',
  title: "The CCG plugin's portable account may retrieve the password",
  network: true,
  async run(ctx) {
    const spec = await ctx.spec();
    const hac = spec.ActiveDirectoryConfig.HostAccountConfig;
    if (!hac) return skip('the spec has no HostAccountConfig: the host itself retrieves the password (ad-host-access)');
    const secret = ctx.o.portableSecret;
    if (secret && !secret.ok) return fail(`the plugin's secret: ${secret.problem}`, secret.fix);
    const given = secret?.ok ? secret.secret : undefined;
    const name = ctx.o.portableAccount ?? given?.user;
    if (name === undefined) {
      return skip("the portable account is in the plugin's secret, which doctor does not fetch; give --portable-account DOMAIN\\user, or pipe the secret into --portable-secret-stdin");
    }
    const { bareName } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { checkSameDomain, namesDomain } = require('../ad/names') as typeof import('../ad/names');
    const { readDisagrees, readPasswordAsHost, testHostAccess } = require('../ad/access') as typeof import('../ad/access');
    const [g, d, dir] = await Promise.all([ctx.gmsa(), ctx.domainInfo(), ctx.directory()]);
    if (given?.domain !== undefined) {
      if (!namesDomain(given.domain, d)) {
        return fail(`the plugin's secret names the domain ${given.domain}, but ${g.name} is in ${d.netbiosName} (${d.dnsName})`, `Put a portable account of ${d.dnsName} in the secret.`);
      }
    }
    checkSameDomain(name, d);
    let report: Awaited<ReturnType<typeof testHostAccess>>;
    try {
      report = await testHostAccess(dir, d, g.name, name, { portable: true });
    } catch (err) {
      if (err instanceof NotFoundError) {
        return fail(`no account ${bareName(name)} in ${d.dnsName}: the plugin cannot authenticate, so CCG logs event 8`, `Create the portable account, or correct the user in the plugin's secret.`);
      }
      throw err;
    }
    const self = report.host.samAccountName;
    const read = given ? await readPasswordAsHost(await ctx.settings(), report, d.dnsName, given.password, { portable: true }) : undefined;
    if (readDisagrees(report, read)) {
      return read?.retrieved
        ? fail(`bound as ${self}, the DC returned ${g.name}'s password, although the descriptor and ${self}'s groups do not allow it`, `docker gmsa account show ${g.name}`)
        : fail(`${self} is allowed by ${g.name}'s descriptor, but bound as ${self} the DC returned no password (no usable KDS root key, or a DC that does not compute gMSA passwords)`, 'docker gmsa kds status');
    }
    const { verdict, label } = report;
    if (verdict.allowed) {
      const via = verdict.via.map((s) => (s === report.host.sid ? `${self} itself` : label(s)));
      const really = read?.retrieved ? `; bound as ${self} it retrieved it (${read.length} bytes)` : '';
      return pass(`${self}, the portable account of ${hac.PluginGUID}, may retrieve ${g.name}'s password through ${via.join(', ')}${really}`);
    }
    const allowed = verdict.allowedPrincipals.map(label);
    return fail(
      `${self}, the portable account, is not allowed to retrieve ${g.name}'s password (CCG event 8)${verdict.deniedVia.length > 0 ? `; denied through ${verdict.deniedVia.map(label).join(', ')}` : ''}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'nobody'}`,
      `docker gmsa account hosts add ${g.name} ${self}`,
    );
  },
};
