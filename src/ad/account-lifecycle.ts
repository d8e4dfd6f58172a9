/**
 * The rest of a gMSA's life after `account create`, as pure planners over what the directory holds now:
 * hosts added to or removed from its host group, and the gMSA (and its group) removed. Every plan is
 * idempotent: what is already so is left out, so a second run plans nothing.
 */
import { InvalidInputError, NotFoundError } from '../errors';
import { bareName, describeKind, type Principal } from './accounts';
import { checkGroupName, checkSameDomain, type DomainNames } from './names';

export type LifecycleStep =
  | { kind: 'add-member' | 'remove-member'; groupDn: string; groupName: string; memberDn: string; memberName: string }
  | { kind: 'delete'; dn: string; what: string };

export function describeLifecycleStep(s: LifecycleStep): string {
  switch (s.kind) {
    case 'add-member':
      return `add ${s.memberName} to ${s.groupName}`;
    case 'remove-member':
      return `remove ${s.memberName} from ${s.groupName}`;
    case 'delete':
      return `delete ${s.what} (${s.dn})`;
  }
}

function requireGmsa(name: string, gmsa: Principal | undefined): Principal {
  if (!gmsa) throw new NotFoundError(`no gMSA ${name} in the directory`, `List the gMSAs with docker gmsa account ls, or create it: docker gmsa account create ${name}.`);
  if (gmsa.kind !== 'gmsa') throw new InvalidInputError(`${gmsa.dn} is ${describeKind(gmsa.kind)}, not a group managed service account`, 'Name a gMSA (docker gmsa account ls lists them).');
  return gmsa;
}

function requireGroup(groupName: string, group: Principal | undefined, account: string): Principal {
  if (!group) {
    throw new NotFoundError(`no host group ${groupName} for ${account}`, `Run docker gmsa account create ${account} (it creates the group), or name the group with --group.`);
  }
  if (group.kind !== 'group') throw new InvalidInputError(`${group.dn} is ${describeKind(group.kind)}, not a group`, 'Name the host group with --group.');
  return group;
}

/** The names a lifecycle command was given, checked by the rules of `account create` (names.ts). */
export interface LifecycleNames {
  /** The bare gMSA name. */
  account: string;
  groupName: string;
  /** Bare computer names. */
  hosts: string[];
  /** As typed, for the domain check once the domain is known. */
  given: string[];
}

/**
 * Checks NAME, --group and the HOSTs before anything connects (InvalidInputError naming the bad one). These
 * name objects that exist already, so the gMSA name is not held to the rules for new names (a gMSA made
 * by other tools may break them): only the group name, whose rules are Active Directory's own, is.
 */
export function checkLifecycleNames(name: string, group: string | undefined, hosts: readonly string[] = []): LifecycleNames {
  const account = bareName(name);
  const groupName = group !== undefined ? checkGroupName(group) : `${account}Hosts`;
  return { account, groupName, hosts: hosts.map(bareName), given: [name, ...hosts] };
}

/** Refuses DOMAIN\\name or name@domain of another domain than the one connected to. */
export function checkLifecycleDomain(names: LifecycleNames, domain: DomainNames): void {
  for (const n of names.given) checkSameDomain(n, domain);
}

export interface HostsRequest {
  account: string;
  groupName: string;
  /** Bare computer names, as typed. */
  hosts: string[];
}

export interface HostsState {
  gmsa?: Principal;
  group?: Principal;
  /** Lower-case host name -> its object, when found. */
  hosts: Map<string, Principal>;
}

/** `account hosts add|rm`: the membership changes still needed. Unknown hosts are refused for add, ignored for rm. */
export function planHosts(op: 'add' | 'rm', req: HostsRequest, state: HostsState): LifecycleStep[] {
  requireGmsa(req.account, state.gmsa);
  const group = requireGroup(req.groupName, state.group, req.account);
  const members = new Set((group.members ?? []).map((m) => m.toLowerCase()));
  const missing = req.hosts.filter((h) => !state.hosts.has(h.toLowerCase()));
  if (op === 'add' && missing.length > 0) {
    throw new InvalidInputError(`no computer account ${missing.join(', ')} in the directory`, 'Give the container hosts by their computer names, e.g. WEBHOST01.');
  }
  const steps: LifecycleStep[] = [];
  const seen = new Set<string>();
  for (const h of req.hosts) {
    const host = state.hosts.get(h.toLowerCase());
    if (!host || seen.has(host.dn.toLowerCase())) continue;
    seen.add(host.dn.toLowerCase());
    // A user is the portable account of a CCG plugin (hosts outside the domain): it retrieves the password too.
    if (host.kind !== 'computer' && host.kind !== 'user') {
      throw new InvalidInputError(`${host.dn} is ${describeKind(host.kind)}, not a computer or a user`, "Give the computer accounts of the container hosts, or a CCG plugin's portable user account.");
    }
    const isMember = members.has(host.dn.toLowerCase());
    if (op === 'add' && !isMember) steps.push({ kind: 'add-member', groupDn: group.dn, groupName: group.name, memberDn: host.dn, memberName: host.name });
    if (op === 'rm' && isMember) steps.push({ kind: 'remove-member', groupDn: group.dn, groupName: group.name, memberDn: host.dn, memberName: host.name });
  }
  return steps;
}

/** `account rm`: the gMSA, then its host group unless kept. Nothing there plans nothing. */
export function planRemove(req: { account: string; groupName: string; keepGroup: boolean }, state: { gmsa?: Principal; group?: Principal }): LifecycleStep[] {
  const steps: LifecycleStep[] = [];
  if (state.gmsa) {
    requireGmsa(req.account, state.gmsa);
    steps.push({ kind: 'delete', dn: state.gmsa.dn, what: `the gMSA ${req.account}` });
  }
  if (!req.keepGroup && state.group) {
    if (state.group.kind !== 'group') throw new InvalidInputError(`${state.group.dn} is ${describeKind(state.group.kind)}, not a group`, 'Name the host group with --group, or pass --keep-group.');
    steps.push({ kind: 'delete', dn: state.group.dn, what: `the host group ${state.group.name}` });
  }
  return steps;
}
