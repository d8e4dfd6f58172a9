/**
 * What `spec validate --against-ad` (and doctor) read from Active Directory to check a spec: the domain
 * facts, every account the spec names, and whatever object its Sid or Guid names when they are not the
 * domain's (the gMSA's own SID is the classic mistake). The comparison itself is credspec/against-ad.ts.
 */
import { compareWithDirectory, specAccountNames, specIdentifiers, type DirectoryObject, type DirectoryView } from '../credspec/against-ad';
import { parseGuid } from '../credspec/model';
import { validateSpecBytes, type ValidateBytesResult } from '../credspec/validate';
import { findPrincipals, IDENTITY_ATTRS, principalBySid, type Principal } from './accounts';
import { isValidSid } from './codecs/sid';
import { attrText, attrTexts, type Directory } from './connection';
import { readDomain, type DomainInfo } from './domain';

function objectOf(p: Principal): DirectoryObject {
  return { dn: p.dn, ...(p.samAccountName ? { name: p.name } : {}), kind: p.kind };
}

export async function readDirectoryView(dir: Directory, value: unknown, domain?: DomainInfo): Promise<DirectoryView> {
  const d = domain ?? (await readDomain(dir));
  const names = specAccountNames(value);
  const { sid, guid } = specIdentifiers(value);
  const otherSid = sid !== undefined && isValidSid(sid.trim()) && sid.trim().toUpperCase() !== d.domainSid.toUpperCase() ? sid.trim() : undefined;
  const g = guid !== undefined ? parseGuid(guid.trim()) : undefined;
  const otherGuid = g !== undefined && g !== parseGuid(d.domainGuid) ? g : undefined;
  const [found, sidOwner, guidOwner] = await Promise.all([
    names.length > 0 ? findPrincipals(dir, d, names, IDENTITY_ATTRS, { machineFirst: true }) : Promise.resolve(new Map<string, Principal>()),
    otherSid ? principalBySid(dir, otherSid).catch(() => undefined) : Promise.resolve(undefined),
    otherGuid
      ? dir
          .search(`<GUID=${otherGuid}>`, { scope: 'base', filter: '(objectClass=*)', attributes: ['sAMAccountName', 'objectClass'] }, `resolve ${otherGuid}`)
          .then(([e]) => e)
          .catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  const accounts = new Map<string, DirectoryObject | undefined>();
  for (const n of names) {
    const p = found.get(n.toLowerCase());
    accounts.set(n.toLowerCase(), p ? objectOf(p) : undefined);
  }
  const view: DirectoryView = {
    domain: { dnsName: d.dnsName, netbiosName: d.netbiosName, domainSid: d.domainSid, domainGuid: d.domainGuid, forestDnsName: d.forestDnsName },
    accounts,
  };
  if (sidOwner) view.sidOwner = objectOf(sidOwner);
  if (guidOwner) {
    const classes = attrTexts(guidOwner, 'objectClass').map((c) => c.toLowerCase());
    const sam = attrText(guidOwner, 'sAMAccountName');
    const kind: DirectoryObject['kind'] = classes.includes('msds-groupmanagedserviceaccount')
      ? 'gmsa'
      : classes.includes('computer')
        ? 'computer'
        : classes.includes('group')
          ? 'group'
          : classes.includes('user')
            ? 'user'
            : 'other';
    view.guidOwner = { dn: guidOwner.dn, ...(sam ? { name: sam.replace(/\$$/, '') } : {}), kind };
  }
  return view;
}

/** Validates spec bytes and adds a finding for every field the directory contradicts. */
export async function validateSpecAgainstDirectory(bytes: Buffer, dir: Directory, domain?: DomainInfo): Promise<ValidateBytesResult> {
  const first = validateSpecBytes(bytes);
  if (first.value === undefined) return first;
  const view = await readDirectoryView(dir, first.value, domain);
  return validateSpecBytes(bytes, { extra: (value) => compareWithDirectory(value, view) });
}
