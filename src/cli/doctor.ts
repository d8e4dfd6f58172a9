import type { Command } from 'commander';
import { hostname } from 'node:os';
import type { DirectoryFlags } from '../ad/settings';
import { CheckFailedError, UsageError } from '../errors';
import { parseFormat, renderObject } from '../util/format';
import { addDirectoryOptions, connectDirectory, DIRECTORY_HELP } from './ad-shared';
import type { Deps } from './deps';
import { collect, splitList } from './options';
import { rootOption } from './spec-shared';

interface DoctorFlags extends DirectoryFlags {
  container?: string;
  host?: string;
  hostPasswordStdin?: boolean;
  portableAccount?: string;
  portableSecretStdin?: boolean;
  image?: string;
  spnFor?: string[];
  spec?: string;
  root?: string;
  format?: string;
}

export function registerDoctor(program: Command, deps: Deps): void {
  const cmd = program
    .command('doctor')
    .description('Run every check of the troubleshooting guide at once: engine, spec, network, AD, container')
    .argument('[account]', 'the gMSA (default: the gMSA of --container)')
    .option('--container <container>', 'also check this container: hostname rules, user, nltest/klist inside, base image')
    .option('--host <computer>', "the container host's computer account (default: this machine's name)")
    .option('--host-password-stdin', "the host's machine password from stdin: also retrieve the gMSA password as the host, for real")
    .option('--portable-account <user>', "for a spec with a HostAccountConfig: the user the CCG plugin's secret names (DOMAIN\\user)")
    .option('--portable-secret-stdin', "the CCG plugin's secret from stdin (DOMAIN\\user:password or its JSON): check its fields and retrieve the password as that user")
    .option('--image <image>', "check this image's configured user")
    .option('--spn-for <name>', 'a name clients use for the service (alias, load balancer): it needs an SPN (repeatable)', collect)
    .option('--spec <name|file>', 'the spec to check (default: the store\'s spec for ACCOUNT)')
    .option('--format <format>', 'table (default), json, or a template such as {{.OK}}')
    .addOption(rootOption());
  addDirectoryOptions(cmd).addHelpText(
    'after',
    `
Every check says PASS, WARN, FAIL or SKIP (and why), what it saw, and the fix. Checks run concurrently;
each network probe (TCP 53 88 135 139 389 445 636, DNS and CLDAP over UDP) waits at most --timeout.
Exit status 1 when any check fails.
${DIRECTORY_HELP}

Examples:
  docker gmsa doctor webapp01 --host WEBHOST01
  docker gmsa doctor --container web-1 --spn-for shop.contoso.com
  docker --context win2019 gmsa doctor webapp01 --format json`,
  );
  cmd.action(async (account: string | undefined, o: DoctorFlags) => {
    const format = parseFormat(o.format);
    const { doctor } = require('../doctor/runner') as typeof import('../doctor/runner');
    const { renderDoctorReport } = require('../doctor/report') as typeof import('../doctor/report');
    const { container, host, hostPasswordStdin, portableAccount, portableSecretStdin, image, spnFor, spec, root, format: _f, ...directory } = o;
    const hostName = host ?? hostname().split('.')[0]!.toUpperCase();
    const stdinUsers = [hostPasswordStdin && '--host-password-stdin', portableSecretStdin && '--portable-secret-stdin', directory.passwordStdin && '--password-stdin'].filter((x): x is string => typeof x === 'string');
    if (stdinUsers.length > 1) {
      throw new UsageError(`${stdinUsers.join(' and ')} all want standard input`, 'Give the password you bind with in GMSA_LDAP_PASSWORD, and run doctor once per secret.');
    }
    const { readStdinSecret } = require('../ad/settings') as typeof import('../ad/settings');
    const hostPassword = hostPasswordStdin ? await readStdinSecret('--host-password-stdin', `the machine account password of ${hostName}`, () => deps.io.readStdin()) : undefined;
    let portableSecret: import('../ad/portable-secret').PortableSecretResult | undefined;
    if (portableSecretStdin) {
      const { parsePortableSecret } = require('../ad/portable-secret') as typeof import('../ad/portable-secret');
      portableSecret = parsePortableSecret(await readStdinSecret('--portable-secret-stdin', "the CCG plugin's secret", () => deps.io.readStdin()));
    }
    const report = await doctor(
      {
        ...(account ? { account } : {}),
        ...(container ? { container } : {}),
        host: hostName,
        ...(hostPassword !== undefined ? { hostPassword } : {}),
        ...(portableAccount !== undefined ? { portableAccount } : {}),
        ...(portableSecret !== undefined ? { portableSecret } : {}),
        ...(image ? { image } : {}),
        spnFor: splitList(spnFor),
        ...(spec ? { spec } : {}),
        ...(root ? { root } : {}),
        directory,
      },
      { deps, openDirectory: (flags) => connectDirectory(flags, deps), now: () => new Date() },
    );
    deps.io.out(renderObject(format, report, () => renderDoctorReport(report)));
    if (!report.OK) throw new CheckFailedError(`${report.Counts.Fail} of ${report.Checks.length} checks failed`, 'Follow the fix: lines above.');
  });
}
