import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { CheckFailedError, UsageError } from '../errors';
import { parseFormat, renderObject } from '../util/format';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';

export function registerAccountTest(account: Command, deps: Deps): void {
  const cmd = account
    .command('test')
    .description('Can this host retrieve the gMSA password? (Test-ADServiceAccount for any host, from anywhere)')
    .argument('<name>', 'gMSA name')
    .requiredOption('--host <computer>', 'the container host (computer name)')
    .option('--host-password-stdin', "also bind as the host with its machine password from stdin and read the password for real")
    .option('--format <format>', 'table (default), json, or a template such as {{.Allowed}}');
  addDirectoryOptions(cmd).addHelpText(
    'after',
    `
Exit status 0 when the host may retrieve the password, 1 when it may not. The answer is computed from the
gMSA's msDS-GroupMSAMembership and the host's token groups as the DC sees them; a host itself learns new
memberships only after a reboot or 'klist purge -li 0x3e7'.
${DIRECTORY_HELP}

Example:
  docker gmsa account test webapp01 --host WEBHOST01`,
  );
  cmd.action(async (name: string, o: DirectoryFlags & { host: string; hostPasswordStdin?: boolean; format?: string }) => {
    const format = parseFormat(o.format);
    if (o.hostPasswordStdin && o.passwordStdin) {
      throw new UsageError('--host-password-stdin and --password-stdin both want standard input', 'Give the password you bind with in GMSA_LDAP_PASSWORD instead.');
    }
    const { bareName } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
    const { accessText, accessView, readDisagrees, readPasswordAsHost, testHostAccess } = require('../ad/access') as typeof import('../ad/access');
    const { directorySettings, readStdinSecret } = require('../ad/settings') as typeof import('../ad/settings');
    const hostPassword = o.hostPasswordStdin
      ? await readStdinSecret('--host-password-stdin', `the machine account password of ${bareName(o.host)}`, () => deps.io.readStdin())
      : undefined;
    const { report, dnsName } = await withDirectory(o, deps, async (dir) => {
      const domain = await readDomain(dir);
      return { report: await testHostAccess(dir, domain, name, o.host), dnsName: domain.dnsName };
    });
    const passwordRead = hostPassword === undefined ? undefined : await readPasswordAsHost(directorySettings(o, deps.env, deps.platform), report, dnsName, hostPassword);
    deps.io.out(renderObject(format, accessView(report, passwordRead), () => accessText(report, passwordRead)));
    if (readDisagrees(report, passwordRead)) {
      throw new CheckFailedError(`the DC's answer for ${report.host.name} and ${report.gmsa.name} disagrees with the computed one`);
    }
    if (!report.verdict.allowed) throw new CheckFailedError(`${report.host.name} may not retrieve the password of ${report.gmsa.name}`);
  });
}
