import { NotFoundError } from '../errors';
import { fail, pass, type Check } from './types';

/**
 * The host may retrieve the password (Test-ADServiceAccount, computed as account test does it), and, when
 * the host's machine password is given (--host-password-stdin), it really retrieves it: bound as the host,
 * the DC returns msDS-ManagedPassword. The two answers must agree.
 */
export const adHostAccess: Check = {
  id: 'ad-host-access',
  group: 'ad',
  title: 'Host may retrieve the password',
  network: true,
  async run(ctx) {
    const { bareName } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { readDisagrees, readPasswordAsHost, testHostAccess } = require('../ad/access') as typeof import('../ad/access');
    const [g, d, dir] = await Promise.all([ctx.gmsa(), ctx.domainInfo(), ctx.directory()]);
    const host = ctx.o.host;
    let report: Awaited<ReturnType<typeof testHostAccess>>;
    try {
      report = await testHostAccess(dir, d, g.name, host);
    } catch (err) {
      if (err instanceof NotFoundError) {
        return fail(`no computer ${bareName(host)}$ in ${d.dnsName} (the host must be domain joined, or use a CCG plugin)`, `Give the container host's name with --host COMPUTER`);
      }
      throw err;
    }
    const { verdict, label } = report;
    const self = report.host;
    const read = ctx.o.hostPassword === undefined ? undefined : await readPasswordAsHost(await ctx.settings(), report, d.dnsName, ctx.o.hostPassword);
    if (readDisagrees(report, read)) {
      return read?.retrieved
        ? fail(`bound as ${self.samAccountName}, the DC returned ${g.name}'s password, although its descriptor and the host's groups do not allow it`, `docker gmsa account show ${g.name}`)
        : fail(
            `${self.samAccountName} is allowed by ${g.name}'s descriptor, but bound as ${self.samAccountName} the DC returned no password (no usable KDS root key, or a DC that does not compute gMSA passwords)`,
            'docker gmsa kds status',
          );
    }
    if (verdict.allowed) {
      const via = verdict.via.map((s) => (s === self.sid ? `${self.samAccountName} itself` : label(s)));
      const really = read?.retrieved ? `; bound as ${self.samAccountName} it retrieved it (${read.length} bytes, changes next ${read.nextChange?.toISOString() ?? 'unknown'})` : '';
      return pass(`${self.samAccountName} may retrieve ${g.name}'s password through ${via.join(', ')}${really}; a host learns new groups after a reboot or klist purge -li 0x3e7`);
    }
    const allowed = verdict.allowedPrincipals.map(label);
    return fail(
      `${self.samAccountName} is not allowed to retrieve ${g.name}'s password${verdict.deniedVia.length > 0 ? ` (denied through ${verdict.deniedVia.map(label).join(', ')})` : ''}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'nobody'}`,
      `docker gmsa account hosts add ${g.name} ${bareName(host)} (then reboot the host or run klist purge -li 0x3e7 on it)`,
    );
  },
};
