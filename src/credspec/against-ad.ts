/**
 * `spec validate --against-ad`: the spec's fields against what Active Directory says. Pure: the reader
 * (ad/spec-facts.ts) fetches a DirectoryView and this module compares. Findings use the same paths and
 * shape as the validator's, so they get line and column the same way.
 */
import { indexPath } from './json';
import { splitAccountName } from './model';
import { FINDING_CODES, type Finding, type FindingCode } from './validate';

export interface DirectoryObject {
  dn: string;
  /** sAMAccountName without the $, when it has one. */
  name?: string;
  kind: 'gmsa' | 'computer' | 'user' | 'group' | 'other';
}

export interface DirectoryView {
  domain: { dnsName: string; netbiosName: string; domainSid: string; domainGuid: string; forestDnsName: string };
  /** Every name the spec uses (lower case, bare) -> what AD has under it, undefined when nothing. */
  accounts: Map<string, DirectoryObject | undefined>;
  /** What the spec's Sid names when it is not the domain's SID. */
  sidOwner?: DirectoryObject;
  /** What the spec's Guid names when it is not the domain's GUID. */
  guidOwner?: DirectoryObject;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj | undefined, k: string): string | undefined => (o && typeof o[k] === 'string' ? (o[k] as string) : undefined);
const q = (s: string): string => JSON.stringify(s);
const KIND: Record<DirectoryObject['kind'], string> = { gmsa: 'the gMSA', computer: 'the computer', user: 'the user', group: 'the group', other: 'the object' };

function describe(o: DirectoryObject): string {
  return `${KIND[o.kind]} ${o.name ?? o.dn}`;
}

/** The bare account names a spec uses: MachineAccountName and every entry's Name (what the reader looks up). */
export function specAccountNames(value: unknown): string[] {
  const names = new Set<string>();
  const root = isObj(value) ? value : undefined;
  const djc = isObj(root?.['DomainJoinConfig']) ? (root?.['DomainJoinConfig'] as Obj) : undefined;
  const adc = isObj(root?.['ActiveDirectoryConfig']) ? (root?.['ActiveDirectoryConfig'] as Obj) : undefined;
  const m = str(djc, 'MachineAccountName');
  if (m) names.add(splitAccountName(m).name);
  const list = adc?.['GroupManagedServiceAccounts'];
  if (Array.isArray(list)) for (const e of list) if (isObj(e) && typeof e['Name'] === 'string') names.add(splitAccountName(e['Name']).name);
  return [...names].filter((n) => n.length > 0);
}

/** The spec's Sid and Guid, for the reader to resolve when they are not the domain's. */
export function specIdentifiers(value: unknown): { sid?: string; guid?: string } {
  const root = isObj(value) ? value : undefined;
  const djc = isObj(root?.['DomainJoinConfig']) ? (root?.['DomainJoinConfig'] as Obj) : undefined;
  const sid = str(djc, 'Sid');
  const guid = str(djc, 'Guid');
  return { ...(sid ? { sid } : {}), ...(guid ? { guid } : {}) };
}

const bareGuid = (g: string): string => g.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();

export function compareWithDirectory(value: unknown, view: DirectoryView): Finding[] {
  const out: Finding[] = [];
  const add = (code: FindingCode, path: string, message: string, fix: string): void => {
    out.push({ path, severity: FINDING_CODES[code].severity, code, message, fix });
  };
  const d = view.domain;
  const root = isObj(value) ? value : undefined;
  const djc = isObj(root?.['DomainJoinConfig']) ? (root?.['DomainJoinConfig'] as Obj) : undefined;
  const adc = isObj(root?.['ActiveDirectoryConfig']) ? (root?.['ActiveDirectoryConfig'] as Obj) : undefined;
  const P = '$.DomainJoinConfig';
  const machine = str(djc, 'MachineAccountName');
  const primary = machine ? splitAccountName(machine).name.toLowerCase() : undefined;

  const sid = str(djc, 'Sid');
  if (sid !== undefined && sid.trim().toUpperCase() !== d.domainSid.toUpperCase()) {
    const owner = view.sidOwner;
    const whose = owner
      ? owner.name !== undefined && owner.name.toLowerCase() === primary
        ? ` It is the SID of ${describe(owner)} itself: the spec needs the domain's SID, not the gMSA's (the common mistake).`
        : ` It is the SID of ${describe(owner)}.`
      : '';
    add('ad-sid-mismatch', `${P}.Sid`, `Sid ${q(sid)} is not the SID of ${d.dnsName} (${d.domainSid}).${whose}`, `Set "Sid" to ${q(d.domainSid)}, or recreate the spec with docker gmsa spec create.`);
  }
  const guid = str(djc, 'Guid');
  if (guid !== undefined && bareGuid(guid) !== bareGuid(d.domainGuid)) {
    const owner = view.guidOwner;
    const whose = owner ? ` It is the objectGUID of ${describe(owner)}; the spec needs the domain's.` : '';
    add('ad-guid-mismatch', `${P}.Guid`, `Guid ${q(guid)} is not the objectGUID of ${d.dnsName} (${d.domainGuid}).${whose}`, `Set "Guid" to ${q(d.domainGuid)}.`);
  }
  const dns = str(djc, 'DnsName');
  if (dns !== undefined && dns.toLowerCase() !== d.dnsName.toLowerCase()) {
    const isNetbios = dns.toLowerCase() === d.netbiosName.toLowerCase();
    add(
      'ad-dns-name-mismatch',
      `${P}.DnsName`,
      isNetbios
        ? `DnsName ${q(dns)} is the NetBIOS name; Kerberos then falls back to NTLM. The domain's DNS name is ${d.dnsName}`
        : `DnsName ${q(dns)} is not the DNS name of the domain the directory serves (${d.dnsName})`,
      `Set "DnsName" to ${q(d.dnsName)}.`,
    );
  }
  const nb = str(djc, 'NetBiosName');
  if (nb !== undefined && nb.toLowerCase() !== d.netbiosName.toLowerCase()) {
    add('ad-netbios-mismatch', `${P}.NetBiosName`, `NetBiosName ${q(nb)} is not the domain's NetBIOS name (${d.netbiosName})`, `Set "NetBiosName" to ${q(d.netbiosName)}.`);
  }
  const tree = str(djc, 'DnsTreeName');
  if (tree !== undefined && tree.toLowerCase() !== d.forestDnsName.toLowerCase()) {
    add('ad-tree-name-mismatch', `${P}.DnsTreeName`, `DnsTreeName ${q(tree)} is not the forest root (${d.forestDnsName})`, `Set "DnsTreeName" to ${q(d.forestDnsName)}.`);
  }

  const accountProblem = (name: string, path: string, what: string): void => {
    const bare = splitAccountName(name).name;
    if (bare === '') return;
    const found = view.accounts.get(bare.toLowerCase());
    if (!found) {
      add('ad-account-missing', path, `${what} ${q(bare)}: there is no account ${bare}$ in ${d.dnsName}`, `Create it (docker gmsa account create ${bare} --hosts HOST), or fix the name (docker gmsa account ls lists the gMSAs).`);
    } else if (found.kind !== 'gmsa') {
      add('ad-account-not-gmsa', path, `${what} ${q(bare)}: ${found.dn} is ${KIND[found.kind].replace(/^the /, 'a ')}, not a group managed service account`, 'Name a gMSA (docker gmsa account ls lists them).');
    }
  };
  if (machine !== undefined) accountProblem(machine, `${P}.MachineAccountName`, 'MachineAccountName');

  const listPath = '$.ActiveDirectoryConfig.GroupManagedServiceAccounts';
  const list = adc?.['GroupManagedServiceAccounts'];
  if (!Array.isArray(list)) return out;
  const thisDomain = (scope: string): boolean => scope.toLowerCase() === d.dnsName.toLowerCase() || scope.toLowerCase() === d.netbiosName.toLowerCase();
  const reported = new Set<string>(machine ? [splitAccountName(machine).name.toLowerCase()] : []);
  list.forEach((e, i) => {
    if (!isObj(e)) return;
    const name = str(e, 'Name');
    const scope = str(e, 'Scope');
    if (name === undefined) return;
    const bare = splitAccountName(name).name.toLowerCase();
    const p = indexPath(listPath, i);
    if (scope !== undefined && scope.trim() !== '' && !thisDomain(scope)) {
      if (bare === primary) {
        add('ad-scope-other-domain', `${p}.Scope`, `Scope ${q(scope)} of the primary account names neither ${d.dnsName} nor ${d.netbiosName}, the domain of ${machine}`, `Set it to ${q(d.dnsName)} (one entry) and ${q(d.netbiosName)} (the other).`);
      } else {
        add('ad-scope-unverified', `${p}.Scope`, `Scope ${q(scope)} names another domain than ${d.dnsName}: ${name} cannot be checked against this directory`, 'Fine for an account of a trusted domain; otherwise set the Scope to the domain DNS name.');
      }
      return;
    }
    if (reported.has(bare)) return;
    reported.add(bare);
    accountProblem(name, `${p}.Name`, 'additional account');
  });
  return out;
}
