/**
 * The domain facts a credential spec needs, read the way AD publishes them: the naming contexts from the
 * rootDSE, the domain's SID and GUID from the domain head, its NetBIOS and DNS names from its crossRef in
 * the configuration partition, the forest root's DNS name from rootDomainNamingContext.
 */
import type { DomainFacts } from '../credspec/model';
import { DirectoryError } from '../errors';
import { escapeFilterValue } from './codecs/escape';
import { guidToString } from './codecs/guid';
import { sidToString } from './codecs/sid';
import { attrBuffer, attrText, type Directory } from './connection';

export interface DomainInfo extends DomainFacts {
  forestDnsName: string;
  domainDn: string;
  configDn: string;
  forestDn: string;
  /** The DC that answered. */
  dcDnsHostName?: string;
}

/** `DC=contoso,DC=com` -> `contoso.com`. */
export function dnToDnsName(dn: string): string {
  return dn
    .split(',')
    .map((rdn) => rdn.trim())
    .filter((rdn) => /^dc=/i.test(rdn))
    .map((rdn) => rdn.slice(3))
    .join('.')
    .toLowerCase();
}

export interface RootDse {
  domainDn: string;
  configDn: string;
  forestDn: string;
  dnsHostName?: string;
}

export async function readRootDse(dir: Directory): Promise<RootDse> {
  const [root] = await dir.search(
    '',
    { scope: 'base', filter: '(objectClass=*)', attributes: ['defaultNamingContext', 'rootDomainNamingContext', 'configurationNamingContext', 'dnsHostName'] },
    'read the rootDSE',
  );
  const domainDn = root && attrText(root, 'defaultNamingContext');
  const configDn = root && attrText(root, 'configurationNamingContext');
  const forestDn = (root && attrText(root, 'rootDomainNamingContext')) ?? domainDn;
  if (!root || !domainDn || !configDn || !forestDn) {
    throw new DirectoryError(`${dir.server} did not publish its naming contexts in the rootDSE`, 'Is this an Active Directory domain controller? Name one with --server.');
  }
  const dnsHostName = attrText(root, 'dnsHostName');
  return { domainDn, configDn, forestDn, ...(dnsHostName ? { dnsHostName } : {}) };
}

/** The domain facts; `root`: the rootDSE when the caller read it already. The two reads after it go out together. */
export async function readDomain(dir: Directory, root?: RootDse): Promise<DomainInfo> {
  const { domainDn, configDn, forestDn, dnsHostName } = root ?? (await readRootDse(dir));
  const [[head], [crossRef]] = await Promise.all([
    dir.search(domainDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['objectSid', 'objectGUID'], binary: ['objectSid', 'objectGUID'] }, 'read the domain object'),
    dir.search(
      `CN=Partitions,${configDn}`,
      { scope: 'one', filter: `(&(objectClass=crossRef)(nCName=${escapeFilterValue(domainDn)}))`, attributes: ['nETBIOSName', 'dnsRoot'] },
      'read the domain crossRef',
    ),
  ]);
  const sid = head && attrBuffer(head, 'objectSid');
  const guid = head && attrBuffer(head, 'objectGUID');
  if (!sid || !guid) throw new DirectoryError(`cannot read objectSid and objectGUID of ${domainDn}`, 'Bind as a domain user (--user), anonymous binds cannot read them.');

  const netbios = crossRef && attrText(crossRef, 'nETBIOSName');
  const dnsRoot = crossRef && attrText(crossRef, 'dnsRoot');
  if (!netbios || !dnsRoot) throw new DirectoryError(`no crossRef with the NetBIOS name of ${domainDn} in CN=Partitions,${configDn}`, 'Bind as a domain user; the partitions container is readable by any authenticated user.');
  return {
    dnsName: dnsRoot.toLowerCase(),
    netbiosName: netbios,
    domainSid: sidToString(sid),
    domainGuid: guidToString(guid),
    forestDnsName: dnToDnsName(forestDn),
    domainDn,
    configDn,
    forestDn,
    ...(dnsHostName ? { dcDnsHostName: dnsHostName } : {}),
  };
}
