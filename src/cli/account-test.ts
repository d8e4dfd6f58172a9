import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { CheckFailedError, InvalidInputError, NotFoundError } from '../errors';
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
      throw new InvalidInputError('--host-password-stdin and --password-stdin both want standard input', 'Give the admin password in GMSA_LDAP_PASSWORD.');
    }
    const { bareName, describeKind, findPrincipals, resolveSids } = require('../ad/accounts') as typeof import('../ad/accounts');
    const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
    const { decideAccess, hostToken } = require('../ad/access') as typeof import('../ad/access');
    const hostPassword = o.hostPasswordStdin ? (await deps.io.readStdin()).toString('utf8').replace(/\r?\n$/, '') : undefined;
    const verdict = await withDirectory(o, deps, async (dir) => {
      const domain = await readDomain(dir);
      const found = await findPrincipals(dir, domain.domainDn, [name, o.host]);
      const g = found.get(bareName(name).toLowerCase());
      const host = found.get(bareName(o.host).toLowerCase());
      if (!g || g.kind !== 'gmsa') throw new NotFoundError(`no gMSA named ${bareName(name)} in ${domain.dnsName}`, 'List the gMSAs with `docker gmsa account ls`.');
      if (!host) throw new NotFoundError(`no computer named ${bareName(o.host)} in ${domain.dnsName}`, 'Give the host by its computer name.');
      if (host.kind !== 'computer') throw new InvalidInputError(`${host.dn} is ${describeKind(host.kind)}, not a computer`, '--host takes a container host.');
      const v = decideAccess(g.membership, await hostToken(dir, host));
      const names = await resolveSids(dir, [...v.via, ...v.deniedVia, ...v.allowedPrincipals]);
      const label = (sid: string): string => names.get(sid)?.samAccountName ?? sid;
      return { g, host, domain, v, label };
    });
    let passwordRead: string | undefined;
    if (hostPassword !== undefined) {
      passwordRead = await readAsHost(o, deps, verdict.host.samAccountName, verdict.domain.dnsName, hostPassword, verdict.g.dn);
    }
    const { g, host, v, label } = verdict;
    const view = {
      Account: g.name,
      Host: host.name,
      Allowed: v.allowed,
      Via: v.via.map(label),
      DeniedBy: v.deniedVia.map(label),
      AllowedPrincipals: v.allowedPrincipals.map(label),
      PasswordRead: passwordRead ?? null,
    };
    deps.io.out(
      renderObject(format, view, () => {
        const lines: string[] = [];
        if (v.allowed) {
          lines.push(`${host.name} may retrieve the password of ${g.name} (through ${view.Via.map((n) => (n.toLowerCase() === host.samAccountName.toLowerCase() ? 'its own account' : n)).join(', ')}).`);
          lines.push("If the host still cannot use it, it may not know its new group yet: reboot it or run 'klist purge -li 0x3e7' there.");
        } else if (v.deniedVia.length) {
          lines.push(`${host.name} may NOT retrieve the password of ${g.name}: denied through ${view.DeniedBy.join(', ')}.`);
        } else {
          lines.push(`${host.name} may NOT retrieve the password of ${g.name}.`);
          lines.push(
            view.AllowedPrincipals.length
              ? `Allowed are: ${view.AllowedPrincipals.join(', ')}. Add the host to one of them: docker gmsa account create ${g.name} --hosts ${host.name}`
              : `Nobody is allowed. Grant the host: docker gmsa account create ${g.name} --hosts ${host.name}`,
          );
        }
        if (passwordRead) lines.push(`Reading the password as ${host.samAccountName}: ${passwordRead}.`);
        return lines.join('\n') + '\n';
      }),
    );
    if (!v.allowed) throw new CheckFailedError(`${host.name} may not retrieve the password of ${g.name}`);
  });
}

/** Binds as the host and asks for msDS-ManagedPassword; says what the DC answered. */
async function readAsHost(o: DirectoryFlags, deps: Deps, hostSam: string, domain: string, password: string, gmsaDn: string): Promise<string> {
  const { directorySettings } = require('../ad/settings') as typeof import('../ad/settings');
  const { openDirectory, attrBuffer } = require('../ad/connection') as typeof import('../ad/connection');
  const { parseManagedPasswordBlob } = require('../ad/codecs/managed-password') as typeof import('../ad/codecs/managed-password');
  const settings = { ...directorySettings(o, deps.env, deps.platform), user: `${hostSam}@${domain}` };
  const { DirectoryError } = require('../errors') as typeof import('../errors');
  const dir = await openDirectory(settings, { password }).catch((err: unknown) => {
    if (err instanceof DirectoryError && /rejected the credentials/.test(err.message)) {
      throw new DirectoryError(`the DC rejected the machine password given for ${hostSam}`, "Pipe the host's current machine account password into --host-password-stdin, or leave the flag out.");
    }
    throw err;
  });
  try {
    const [e] = await dir.search(gmsaDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['msDS-ManagedPassword'], binary: ['msDS-ManagedPassword'] }, 'read msDS-ManagedPassword');
    const blob = e && attrBuffer(e, 'msDS-ManagedPassword');
    if (!blob || blob.length === 0) {
      return 'the DC returned no password (it is not allowed, no KDS root key is usable yet, or the DC does not compute it: Samba before 4.21 never does)';
    }
    const parsed = parseManagedPasswordBlob(blob);
    return `the DC returned the current password (${parsed.currentPassword.length} bytes)`;
  } finally {
    await dir.close();
  }
}
