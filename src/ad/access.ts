/**
 * Test-ADServiceAccount without the host's password: a host may retrieve a gMSA's password when its SID,
 * or one of the groups in its token (tokenGroups: all transitive groups), is allowed by an ACE of the
 * gMSA's msDS-GroupMSAMembership (walked in order: the first matching ACE decides). No descriptor
 * at all means nobody may.
 */
import { DirectoryError, InvalidInputError, NotFoundError } from '../errors';
import { bareName, describeKind, findPrincipals, resolveSids, type DomainScope, type Principal } from './accounts';
import { allowedSids, deniedSids, evaluatePasswordRead, parseSecurityDescriptor } from './codecs/security-descriptor';
import { sidToString } from './codecs/sid';
import { attrBuffers, openDirectory, type Directory } from './connection';
import { readManagedPassword, type PasswordRead } from './password-read';
import type { DirectorySettings } from './settings';

export interface AccessVerdict {
  allowed: boolean;
  /** SIDs through which access is granted (the host itself or its groups). */
  via: string[];
  /** SIDs that deny access (an explicit deny wins). */
  deniedVia: string[];
  /** The SIDs in the gMSA's descriptor that allow retrieval. */
  allowedPrincipals: string[];
  /** The host's own SID plus its token groups. */
  hostToken: string[];
}

/** Pure: the decision from the descriptor and the host's token. */
export function decideAccess(membership: Buffer | undefined, hostToken: readonly string[]): AccessVerdict {
  const sd = membership ? parseSecurityDescriptor(membership) : undefined;
  const allow = sd ? allowedSids(sd) : [];
  const deny = sd ? deniedSids(sd) : [];
  const token = new Set(hostToken);
  const via = allow.filter((s) => token.has(s));
  const deniedVia = deny.filter((s) => token.has(s));
  // The DC walks the DACL in order and the first ACE that matches the token decides.
  const allowed = sd ? evaluatePasswordRead(sd, hostToken).allowed : false;
  return { allowed, via, deniedVia, allowedPrincipals: allow, hostToken: [...hostToken] };
}

/** The host's SID plus every group SID in its token, as the DC computes it (tokenGroups, base scope only). */
export async function hostToken(dir: Directory, host: Principal): Promise<string[]> {
  const [e] = await dir.search(host.dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['tokenGroups'], binary: ['tokenGroups'] }, `read the groups of ${host.name}`);
  const groups = e ? attrBuffers(e, 'tokenGroups').map(sidToString) : [];
  return [host.sid, ...groups];
}

/** `account test`: the gMSA, the host, the verdict, and the names of the SIDs it mentions. */
export interface HostAccessReport {
  gmsa: Principal;
  host: Principal;
  verdict: AccessVerdict;
  /** SID -> sAMAccountName for the SIDs in the verdict (a SID stays as is when nothing answers for it). */
  label: (sid: string) => string;
  /** The command that grants the host: into <NAME>Hosts when that group is allowed, else the first allowed group. */
  grant: string;
}

/** Looks up the gMSA and the host (refusing other kinds of accounts) and decides as the DC would. */
export async function testHostAccess(dir: Directory, domain: DomainScope, name: string, hostName: string, o: { portable?: boolean } = {}): Promise<HostAccessReport> {
  const found = await findPrincipals(dir, domain, [name, hostName]);
  const gmsa = found.get(bareName(name).toLowerCase());
  const host = found.get(bareName(hostName).toLowerCase());
  if (!gmsa) throw new NotFoundError(`no gMSA named ${bareName(name)} in ${domain.dnsName}`, 'List the gMSAs with `docker gmsa account ls`.');
  if (gmsa.kind !== 'gmsa') throw new InvalidInputError(`${gmsa.dn} is ${describeKind(gmsa.kind)}, not a group managed service account`, 'List the gMSAs with `docker gmsa account ls`.');
  if (o.portable) {
    // A CCG plugin's portable account: a user (or a computer) that reads the password for hosts outside the domain.
    if (!host) throw new NotFoundError(`no account named ${bareName(hostName)} in ${domain.dnsName}`, "Give the portable account as the plugin's secret names it (DOMAIN\\user).");
    if (host.kind !== 'user' && host.kind !== 'computer') throw new InvalidInputError(`${host.dn} is ${describeKind(host.kind)}, not a user`, "The plugin's secret must name a user account.");
  } else {
    if (!host) throw new NotFoundError(`no computer named ${bareName(hostName)} in ${domain.dnsName}`, 'Give the host by its computer name.');
    if (host.kind !== 'computer') throw new InvalidInputError(`${host.dn} is ${describeKind(host.kind)}, not a computer`, '--host takes a container host.');
  }
  const verdict = decideAccess(gmsa.membership, await hostToken(dir, host));
  const names = await resolveSids(dir, [...verdict.via, ...verdict.deniedVia, ...verdict.allowedPrincipals]);
  const groups = verdict.allowedPrincipals.flatMap((sid) => {
    const p = names.get(sid);
    return p?.kind === 'group' ? [p] : [];
  });
  const defaultGroup = `${gmsa.name}Hosts`.toLowerCase();
  const target = groups.find((p) => p.samAccountName.toLowerCase() === defaultGroup) ?? groups[0];
  const grant = `docker gmsa account create ${gmsa.name} --hosts ${host.name}${target && target.samAccountName.toLowerCase() !== defaultGroup ? ` --group ${target.samAccountName}` : ''}`;
  return { gmsa, host, verdict, label: (sid) => names.get(sid)?.samAccountName ?? sid, grant };
}

/** The data view of a report (--format json and templates). */
export function accessView(r: HostAccessReport, read: PasswordRead | undefined) {
  return {
    Account: r.gmsa.name,
    Host: r.host.name,
    Allowed: r.verdict.allowed,
    Via: r.verdict.via.map(r.label),
    DeniedBy: r.verdict.deniedVia.map(r.label),
    AllowedPrincipals: r.verdict.allowedPrincipals.map(r.label),
    PasswordRead: read
      ? {
          Retrieved: read.retrieved,
          Length: read.length ?? null,
          Fingerprint: read.fingerprint ?? null,
          HasPrevious: read.hasPrevious ?? null,
          LastChanged: read.lastChanged?.toISOString() ?? null,
          NextChange: read.nextChange?.toISOString() ?? null,
        }
      : null,
  };
}

/** The DC's real answer (read as the host) contradicts the computed one. */
export function readDisagrees(r: HostAccessReport, read: PasswordRead | undefined): boolean {
  return read !== undefined && read.retrieved !== r.verdict.allowed;
}

/** The report in words: the answer first, then the next step. */
export function accessText(r: HostAccessReport, read: PasswordRead | undefined): string {
  const { gmsa: g, host, verdict: v } = r;
  const view = accessView(r, read);
  const lines: string[] = [];
  if (v.allowed) {
    lines.push(`${host.name} may retrieve the password of ${g.name} (through ${view.Via.map((n) => (n.toLowerCase() === host.samAccountName.toLowerCase() ? 'its own account' : n)).join(', ')}).`);
    lines.push("If the host still cannot use it, it may not know its new group yet: reboot it or run 'klist purge -li 0x3e7' there.");
  } else if (v.deniedVia.length) {
    lines.push(`${host.name} may NOT retrieve the password of ${g.name}: denied through ${view.DeniedBy.join(', ')}.`);
    lines.push(`A deny entry in msDS-GroupMSAMembership wins over every allow: take ${view.DeniedBy.length === 1 ? 'it' : 'them'} out of the gMSA's list, or the host out of ${view.DeniedBy.length === 1 ? 'that group' : 'those groups'}.`);
  } else {
    lines.push(`${host.name} may NOT retrieve the password of ${g.name}.`);
    lines.push(view.AllowedPrincipals.length ? `Allowed are: ${view.AllowedPrincipals.join(', ')}. Grant the host: ${r.grant}` : `Nobody is allowed. Grant the host: ${r.grant}`);
  }
  if (read?.retrieved) {
    lines.push(
      `Bound as ${host.samAccountName}, the DC returned the password (${read.length} bytes, fingerprint ${read.fingerprint}; ` +
        `last changed ${read.lastChanged?.toISOString() ?? 'unknown'}, changes next ${read.nextChange?.toISOString() ?? 'unknown'}).`,
    );
  } else if (read) {
    lines.push(`Bound as ${host.samAccountName}, the DC returned no password.`);
  }
  if (readDisagrees(r, read)) {
    lines.push(
      read?.retrieved
        ? "This disagrees with the computed answer: the DC grants the read through a path this tool did not see (check the descriptor and the host's groups)."
        : 'This disagrees with the computed answer: no KDS root key is usable yet (docker gmsa kds status), or the DC does not compute gMSA passwords (Samba before 4.21 never does).',
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Binds as the host with its machine password and reads msDS-ManagedPassword, as the host itself would
 * (password-read.ts: the password never leaves it, only its length, fingerprint and change times).
 */
export async function readPasswordAsHost(settings: DirectorySettings, r: HostAccessReport, domainDns: string, password: string, o: { portable?: boolean } = {}): Promise<PasswordRead> {
  const hostSam = r.host.samAccountName;
  const rejectedHint = o.portable
    ? "Check the password in the plugin's secret (it is the portable account's current password), or leave --portable-secret-stdin out."
    : "Pipe the host's current machine account password into --host-password-stdin, or leave the flag out.";
  const dir = await openDirectory(
    { ...settings, user: `${hostSam}@${domainDns}` },
    {
      password,
      rejected: () =>
        new DirectoryError(`the DC rejected the ${o.portable ? '' : 'machine '}password given for ${hostSam}`, rejectedHint),
    },
  );
  try {
    return await readManagedPassword(dir, r.gmsa.dn);
  } finally {
    await dir.close();
  }
}
