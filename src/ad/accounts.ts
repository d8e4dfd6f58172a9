/**
 * Reading security principals (gMSAs, computers, users, groups) by name, many per search, and the shape
 * the commands work with. Names may be given as NAME, NAME$, DOMAIN\NAME or NAME@domain.
 */
import type { Entry } from 'ldapts';
import { splitAccountName } from '../credspec/model';
import { InvalidInputError } from '../errors';
import { escapeFilterValue } from './codecs/escape';
import { sidToString } from './codecs/sid';
import { attrBuffer, attrText, attrTexts, type Directory } from './connection';
import { checkSameDomain, type DomainNames } from './names';

/** The domain names are looked up in: its DN, and its names to check DOMAIN\name and name@domain against. */
export interface DomainScope extends DomainNames {
  domainDn: string;
}

export const GMSA_CLASS = 'msDS-GroupManagedServiceAccount';

export const PRINCIPAL_ATTRS = [
  'sAMAccountName',
  'objectClass',
  'objectSid',
  'distinguishedName',
  'dNSHostName',
  'servicePrincipalName',
  'msDS-GroupMSAMembership',
  'msDS-ManagedPasswordInterval',
  'msDS-SupportedEncryptionTypes',
  'userAccountControl',
  'whenCreated',
  'member',
];
export const PRINCIPAL_BINARY = ['objectSid', 'msDS-GroupMSAMembership'];

export type PrincipalKind = 'gmsa' | 'computer' | 'user' | 'group' | 'other';

export interface Principal {
  dn: string;
  /** sAMAccountName as stored (gMSAs and computers end in $). */
  samAccountName: string;
  /** The name without the trailing $. */
  name: string;
  kind: PrincipalKind;
  objectClasses: string[];
  sid: string;
  dnsHostName?: string;
  spns: string[];
  membership?: Buffer;
  passwordIntervalDays?: number;
  encryptionTypes?: number;
  userAccountControl?: number;
  whenCreated?: string;
  /** Direct members (groups only). */
  members: string[];
}

/** NAME, NAME$, DOMAIN\NAME, NAME@domain -> NAME (the $ of computer-like accounts removed). */
export function bareName(input: string): string {
  const n = splitAccountName(input).name;
  if (!n) throw new InvalidInputError(`"${input}" is not an account name`, 'Give the name, e.g. webapp01 or CONTOSO\\webapp01$.');
  return n;
}

function kindOf(classes: readonly string[]): PrincipalKind {
  const lower = classes.map((c) => c.toLowerCase());
  if (lower.includes(GMSA_CLASS.toLowerCase())) return 'gmsa';
  if (lower.includes('computer')) return 'computer';
  if (lower.includes('group')) return 'group';
  if (lower.includes('user')) return 'user';
  return 'other';
}

export function toPrincipal(e: Entry): Principal {
  const sam = attrText(e, 'sAMAccountName') ?? '';
  const classes = attrTexts(e, 'objectClass');
  const sid = attrBuffer(e, 'objectSid');
  const interval = attrText(e, 'msDS-ManagedPasswordInterval');
  const enc = attrText(e, 'msDS-SupportedEncryptionTypes');
  const uac = attrText(e, 'userAccountControl');
  const p: Principal = {
    dn: e.dn,
    samAccountName: sam,
    name: sam.replace(/\$$/, ''),
    kind: kindOf(classes),
    objectClasses: classes,
    sid: sid ? sidToString(sid) : '',
    spns: attrTexts(e, 'servicePrincipalName'),
    members: attrTexts(e, 'member'),
  };
  const dns = attrText(e, 'dNSHostName');
  if (dns) p.dnsHostName = dns;
  const membership = attrBuffer(e, 'msDS-GroupMSAMembership');
  if (membership && membership.length > 0) p.membership = membership;
  if (interval) p.passwordIntervalDays = Number(interval);
  if (enc) p.encryptionTypes = Number(enc);
  if (uac) p.userAccountControl = Number(uac);
  const created = attrText(e, 'whenCreated');
  if (created) p.whenCreated = created;
  return p;
}

/**
 * Names per search (at most 2 entries each, far under the 1000 entries AD returns without paging), and
 * searches in flight at once on the one connection (LDAP lets a client pipeline them; a new one goes out
 * as soon as one is answered). Small filters: Samba's cost for an OR filter grows faster than its terms
 * (measured on the lab DC for 500 names: one 1000-term filter ~145 ms, chunks of 200 names 4 at a time
 * ~65 ms, chunks of 50 names 8 at a time ~29 ms), and the DC works on one while we decode another.
 */
const BATCH = 50;
const IN_FLIGHT = 8;

/** What a lookup needs to tell kinds apart and name the object. */
export const IDENTITY_ATTRS = ['sAMAccountName', 'objectClass', 'objectSid'];

/**
 * Looks up many names in few searches. The result maps each bare name (lower case) to what it names; a
 * name that matches both NAME$ (gMSA/computer) and NAME (user/group) resolves to the NAME$ object.
 * A name qualified with another domain (OTHER\NAME, NAME@other.com) is refused, never looked up here.
 * `attributes` narrows what is read (IDENTITY_ATTRS is enough to check kinds).
 */
export async function findPrincipals(
  dir: Directory,
  domain: DomainScope,
  names: readonly string[],
  attributes: readonly string[] = PRINCIPAL_ATTRS,
  opts: LookupOptions = {},
): Promise<Map<string, Principal>> {
  for (const n of names) checkSameDomain(n, domain);
  return lookupPrincipals(dir, domain.domainDn, names, attributes, opts);
}

/** How a lookup spends its searches. */
export interface LookupOptions {
  /**
   * The names are meant to be gMSAs (or computers), whose sAMAccountName is NAME$: look for NAME$ alone
   * first, and for NAME only where that found nothing (to say what such a name is instead). Half the
   * filter terms when the names are what they should be; one more round of searches when they are not.
   */
  machineFirst?: boolean;
}

/**
 * findPrincipals without the domain check: for names that have no domain part (a caller that has not
 * read the domain's names yet can send the lookup together with those reads).
 */
export async function lookupPrincipals(
  dir: Directory,
  domainDn: string,
  names: readonly string[],
  attributes: readonly string[] = PRINCIPAL_ATTRS,
  opts: LookupOptions = {},
): Promise<Map<string, Principal>> {
  const wanted = [...new Set(names.map((n) => bareName(n).toLowerCase()))];
  const search = (forms: (name: string) => string[]) => (chunk: string[]) =>
    dir.search(
      domainDn,
      { scope: 'sub', filter: `(|${chunk.flatMap(forms).join('')})`, attributes: [...attributes], binary: PRINCIPAL_BINARY },
      `look up ${chunk.length === 1 ? chunk[0] : `${chunk.length} accounts`}`,
    );
  const machine = (n: string) => [`(sAMAccountName=${escapeFilterValue(n)}$)`];
  const plain = (n: string) => [`(sAMAccountName=${escapeFilterValue(n)})`];
  const found = new Map<string, Principal>();
  const add = (principals: Principal[]): void => {
    for (const p of principals) {
      const key = p.name.toLowerCase();
      const prev = found.get(key);
      if (!prev || (!prev.samAccountName.endsWith('$') && p.samAccountName.endsWith('$'))) found.set(key, p);
    }
  };
  if (!opts.machineFirst) {
    add(await searchInChunks(wanted, search((n) => [...machine(n), ...plain(n)])));
    return found;
  }
  add(await searchInChunks(wanted, search(machine)));
  const rest = wanted.filter((n) => !found.has(n));
  if (rest.length > 0) add(await searchInChunks(rest, search(plain)));
  return found;
}

/**
 * Runs `search` over `names` in chunks of BATCH, IN_FLIGHT at a time; the principals in chunk order.
 * Each answer is decoded while the DC still works on the others.
 */
async function searchInChunks(names: string[], search: (chunk: string[]) => Promise<Entry[]>): Promise<Principal[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += BATCH) chunks.push(names.slice(i, i + BATCH));
  const results: Principal[][] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < chunks.length; i = next++) results[i] = (await search(chunks[i] as string[])).map(toPrincipal);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, chunks.length) }, lane));
  return results.flat();
}

/** Every gMSA in the domain (paged). */
export async function listGmsas(dir: Directory, domainDn: string): Promise<Principal[]> {
  const entries = await dir.search(
    domainDn,
    { scope: 'sub', filter: `(objectClass=${GMSA_CLASS})`, attributes: PRINCIPAL_ATTRS, binary: PRINCIPAL_BINARY, paged: true },
    'list the gMSAs',
  );
  return entries.map(toPrincipal).sort((a, b) => a.name.localeCompare(b.name));
}

/** The principal a SID names, or undefined (searched with a <SID=...> base, which AD and Samba both accept). */
export async function principalBySid(dir: Directory, sid: string): Promise<Principal | undefined> {
  const [e] = await dir.search(`<SID=${sid}>`, { scope: 'base', filter: '(objectClass=*)', attributes: PRINCIPAL_ATTRS, binary: PRINCIPAL_BINARY }, `resolve ${sid}`);
  return e ? toPrincipal(e) : undefined;
}

/** Accounts that hold an SPN (to refuse duplicates, which break Kerberos). */
export async function spnHolders(dir: Directory, domainDn: string, spn: string): Promise<Principal[]> {
  const entries = await dir.search(
    domainDn,
    { scope: 'sub', filter: `(servicePrincipalName=${escapeFilterValue(spn)})`, attributes: PRINCIPAL_ATTRS, binary: PRINCIPAL_BINARY },
    `look up who holds ${spn}`,
  );
  return entries.map(toPrincipal);
}

export function describeKind(kind: PrincipalKind): string {
  return { gmsa: 'a group managed service account', computer: 'a computer account', user: 'a user account', group: 'a group', other: 'an object' }[kind];
}

/** Resolves SIDs to principals (well-known SIDs that have no object stay unresolved). */
export async function resolveSids(dir: Directory, sids: readonly string[]): Promise<Map<string, Principal | undefined>> {
  const out = new Map<string, Principal | undefined>();
  for (const sid of new Set(sids)) out.set(sid, await principalBySid(dir, sid));
  return out;
}

/** sAMAccountNames of the given DNs (group members), in the order given. */
export async function namesOfDns(dir: Directory, dns: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const dn of dns) {
    const [e] = await dir.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['sAMAccountName'] }, `read ${dn}`);
    names.push((e && attrText(e, 'sAMAccountName')) ?? dn);
  }
  return names;
}
