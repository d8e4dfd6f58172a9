/**
 * `account create` as a pure planner: from what the directory holds now and what the user asked for, the
 * list of changes that make it so. Running the plan again after a partial run produces only what is still
 * missing, so an interrupted run converges. Nothing here talks to the directory.
 */
import { DirectoryError, InvalidInputError } from '../errors';
import { bareName, describeKind, type DomainScope, type Principal } from './accounts';
import { allowedSids, buildGmsaMembershipDescriptor, parseSecurityDescriptor } from './codecs/security-descriptor';
import { escapeDnValue } from './codecs/escape';
import { checkDnsHostName, checkGmsaName, checkGroupName, checkSameDomain, checkSpn } from './names';

/** Domain-local security group (ADS_GROUP_TYPE_DOMAIN_LOCAL_GROUP | ADS_GROUP_TYPE_SECURITY_ENABLED), as a signed 32-bit value. */
export const DOMAIN_LOCAL_SECURITY_GROUP = String(0x80000004 | 0);
export const WORKSTATION_TRUST_ACCOUNT = '4096';
export const PASSWORD_INTERVAL_DAYS = '30';
/** RC4 + AES128 + AES256. */
export const SUPPORTED_ENCRYPTION_TYPES = '28';

export interface AccountRequest {
  name: string;
  hosts: string[];
  group: string;
  /** SPNs given with --spn; the defaults host/NAME and host/<dns host name> are always included. */
  spns: string[];
  dnsHostName: string;
  /** True when the user gave --dns-host-name: then an existing different value is replaced. */
  dnsHostNameExplicit: boolean;
  domain: DomainScope;
  gmsaContainer: string;
  groupContainer: string;
}

export interface DirectoryState {
  gmsa?: Principal;
  group?: Principal;
  /** Each requested host (lower-case bare name) -> its computer object, when found. */
  hosts: Map<string, Principal>;
  /** For each requested SPN, the accounts other than the gMSA that hold it. */
  spnHolders: Map<string, Principal[]>;
}

/** What the user typed: `account create NAME --hosts ... [--group] [--spn]... [--dns-host-name] [--container] [--group-container]`. */
export interface AccountInput {
  name: string;
  hosts: string[];
  group?: string;
  spns: string[];
  dnsHostName?: string;
  container?: string;
  groupContainer?: string;
}

/** The input with every name checked (names.ts rules) and the gMSA name made bare; no directory needed. */
export interface CheckedAccountInput extends AccountInput {
  /** The input as given, for the domain part of NAME and the hosts (checked once the domain is known). */
  given: AccountInput;
}

/**
 * Checks every name before anything connects: the gMSA name as a host name, the group name, the SPNs and
 * the DNS host name. Throws InvalidInputError naming the first bad value and the fix.
 */
export function checkAccountInput(input: AccountInput): CheckedAccountInput {
  const name = checkGmsaName(input.name);
  const checked: CheckedAccountInput = { ...input, name, hosts: input.hosts.map(bareName), spns: input.spns.map(checkSpn), given: input };
  if (input.group !== undefined) checkGroupName(input.group);
  if (input.dnsHostName !== undefined) checkDnsHostName(input.dnsHostName);
  return checked;
}

/** The request against a known domain: defaults filled in, names qualified with another domain refused. */
export function accountRequest(input: CheckedAccountInput, domain: DomainScope): AccountRequest {
  for (const n of [input.given.name, ...input.given.hosts]) checkSameDomain(n, domain);
  return {
    name: input.name,
    hosts: input.hosts,
    group: input.group ?? `${input.name}Hosts`,
    spns: input.spns,
    dnsHostName: input.dnsHostName ?? `${input.name}.${domain.dnsName}`.toLowerCase(),
    dnsHostNameExplicit: input.dnsHostName !== undefined,
    domain,
    gmsaContainer: input.container ?? `CN=Managed Service Accounts,${domain.domainDn}`,
    groupContainer: input.groupContainer ?? `CN=Users,${domain.domainDn}`,
  };
}

export type Step =
  | { kind: 'create-group'; dn: string; name: string; attributes: Record<string, string[]> }
  | { kind: 'create-gmsa'; dn: string; name: string; attributes: Record<string, string[]>; grantGroupDn: string }
  | { kind: 'set-dns-host-name'; dn: string; from: string | undefined; to: string }
  | { kind: 'add-spns'; dn: string; spns: string[] }
  | { kind: 'grant-group'; dn: string; groupDn: string; keepSids: string[] }
  | { kind: 'set-attribute'; dn: string; attribute: string; value: string; why: string }
  | { kind: 'add-member'; groupDn: string; groupName: string; memberDn: string; memberName: string };

export function defaultSpns(name: string, dnsHostName: string): string[] {
  return [`host/${name}`, `host/${dnsHostName}`];
}

export function wantedSpns(req: AccountRequest): string[] {
  const all = [...defaultSpns(req.name, req.dnsHostName), ...req.spns];
  const seen = new Set<string>();
  return all.filter((s) => {
    const k = s.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function groupDnFor(req: AccountRequest): string {
  return `CN=${escapeDnValue(req.group)},${req.groupContainer}`;
}

export function gmsaDnFor(req: AccountRequest): string {
  return `CN=${escapeDnValue(req.name)},${req.gmsaContainer}`;
}

/**
 * Checks everything that would make the request fail half-way, before any change: wrong kinds of
 * objects under the names, missing hosts, SPNs that another account holds.
 */
export function checkRequest(req: AccountRequest, state: DirectoryState): void {
  if (state.gmsa && state.gmsa.kind !== 'gmsa') {
    throw new InvalidInputError(
      `${req.name} already exists as ${describeKind(state.gmsa.kind)} (${state.gmsa.dn})`,
      'Choose another name for the gMSA; names are unique across users, computers and gMSAs.',
    );
  }
  if (state.group && state.group.kind !== 'group') {
    throw new InvalidInputError(`${req.group} already exists as ${describeKind(state.group.kind)} (${state.group.dn})`, 'Name the host group with --group.');
  }
  const missing = req.hosts.filter((h) => !state.hosts.has(h.toLowerCase()));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `no computer account for ${missing.join(', ')}`,
      'Give the container hosts by their computer names (as in Active Directory Users and Computers), e.g. --hosts WEBHOST01,WEBHOST02.',
    );
  }
  const notComputers = req.hosts.map((h) => state.hosts.get(h.toLowerCase()) as Principal).filter((p) => p.kind !== 'computer');
  if (notComputers.length > 0) {
    throw new InvalidInputError(
      `${notComputers.map((p) => `${p.name} is ${describeKind(p.kind)}`).join(', ')}, not a computer`,
      '--hosts takes the computer accounts of the container hosts.',
    );
  }
  const taken = [...state.spnHolders.entries()].filter(([, holders]) => holders.length > 0);
  if (taken.length > 0) {
    throw new DirectoryError(
      `SPN already held by another account: ${taken.map(([spn, h]) => `${spn} (${h.map((p) => p.samAccountName).join(', ')})`).join('; ')}`,
      'A duplicate SPN breaks Kerberos for both accounts: remove it from the other account first (`docker gmsa account spn rm`) or choose another SPN.',
    );
  }
}

export function planAccount(req: AccountRequest, state: DirectoryState): Step[] {
  checkRequest(req, state);
  const steps: Step[] = [];
  const groupDn = state.group?.dn ?? groupDnFor(req);
  if (!state.group) {
    steps.push({
      kind: 'create-group',
      dn: groupDn,
      name: req.group,
      attributes: {
        objectClass: ['top', 'group'],
        sAMAccountName: [req.group],
        groupType: [DOMAIN_LOCAL_SECURITY_GROUP],
        description: [`Container hosts allowed to retrieve the password of the gMSA ${req.name}`],
      },
    });
  }

  const spns = wantedSpns(req);
  const g = state.gmsa;
  if (!g) {
    steps.push({
      kind: 'create-gmsa',
      dn: gmsaDnFor(req),
      name: req.name,
      grantGroupDn: groupDn,
      attributes: {
        objectClass: ['top', 'person', 'organizationalPerson', 'user', 'computer', 'msDS-GroupManagedServiceAccount'],
        sAMAccountName: [`${req.name}$`],
        dNSHostName: [req.dnsHostName],
        servicePrincipalName: spns,
        'msDS-ManagedPasswordInterval': [PASSWORD_INTERVAL_DAYS],
        userAccountControl: [WORKSTATION_TRUST_ACCOUNT],
        'msDS-SupportedEncryptionTypes': [SUPPORTED_ENCRYPTION_TYPES],
      },
    });
  } else {
    if (req.dnsHostNameExplicit && (g.dnsHostName ?? '').toLowerCase() !== req.dnsHostName.toLowerCase()) {
      steps.push({ kind: 'set-dns-host-name', dn: g.dn, from: g.dnsHostName, to: req.dnsHostName });
    }
    const have = new Set(g.spns.map((s) => s.toLowerCase()));
    const add = spns.filter((s) => !have.has(s.toLowerCase()));
    if (add.length > 0) steps.push({ kind: 'add-spns', dn: g.dn, spns: add });
    const current = g.membership ? allowedSids(parseSecurityDescriptor(g.membership)) : [];
    if (!state.group || !current.includes(state.group.sid)) {
      steps.push({ kind: 'grant-group', dn: g.dn, groupDn, keepSids: current });
    }
    if (g.userAccountControl !== undefined && (g.userAccountControl & 0x2) !== 0) {
      steps.push({ kind: 'set-attribute', dn: g.dn, attribute: 'userAccountControl', value: String(g.userAccountControl & ~0x2), why: 'enable the disabled gMSA' });
    }
  }

  const members = new Set((state.group?.members ?? []).map((m) => m.toLowerCase()));
  for (const h of req.hosts) {
    const host = state.hosts.get(h.toLowerCase()) as Principal;
    if (!members.has(host.dn.toLowerCase())) {
      steps.push({ kind: 'add-member', groupDn, groupName: req.group, memberDn: host.dn, memberName: host.name });
    }
  }
  return steps;
}

/** One line per step, for --dry-run ("Would ...") and for the report of what was done. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'create-group':
      return `create the domain-local security group ${s.name} (${s.dn})`;
    case 'create-gmsa':
      return `create the gMSA ${s.name} (${s.dn}) with DNS host name ${s.attributes.dNSHostName?.[0]}, SPNs ${(s.attributes.servicePrincipalName ?? []).join(', ')}, password interval ${PASSWORD_INTERVAL_DAYS} days, password readable by ${s.grantGroupDn}`;
    case 'set-dns-host-name':
      return `change the DNS host name of ${s.dn} from ${s.from ?? '(none)'} to ${s.to}`;
    case 'add-spns':
      return `add SPNs ${s.spns.join(', ')} to ${s.dn}`;
    case 'grant-group':
      return `allow ${s.groupDn} to retrieve the password of ${s.dn}${s.keepSids.length ? ` (keeping ${s.keepSids.length} existing principal${s.keepSids.length === 1 ? '' : 's'})` : ''}`;
    case 'set-attribute':
      return `${s.why} (${s.attribute} on ${s.dn})`;
    case 'add-member':
      return `add ${s.memberName} to ${s.groupName}`;
  }
}

/** The msDS-GroupMSAMembership value for a grant step. */
export function membershipFor(sids: readonly string[]): Buffer {
  return buildGmsaMembershipDescriptor([...new Set(sids)]);
}
