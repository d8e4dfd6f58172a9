/**
 * KDS root keys (Get-KdsRootKey / Add-KdsRootKey over LDAP). A DC issues gMSA passwords only from a root
 * key whose msKds-UseStartTime is at least 10 hours in the past (an allowance for replication).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DirectoryError } from '../errors';
import { dateToFiletime, filetimeToDate } from './codecs/filetime';
import { attrText, type Directory } from './connection';

export const KDS_WAIT_MS = 10 * 3600 * 1000;
export const ROOT_KEY_CLASS = 'msKds-ProvRootKey';

export function rootKeysDn(configDn: string): string {
  return `CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,${configDn}`;
}

export interface RootKey {
  id: string;
  dn: string;
  created?: Date;
  useStart?: Date;
  /** When DCs start using it: useStart + 10 h. */
  usableFrom?: Date;
  domainController?: string;
  version?: string;
}

export interface KdsStatus {
  keys: RootKey[];
  /** True when at least one key is usable at `now`. */
  usable: boolean;
  /** When the first key becomes usable (when none is yet). */
  usableAt?: Date;
}

/** Pure: what the keys mean at a given time. */
export function kdsStatus(keys: readonly RootKey[], now: Date): KdsStatus {
  const usable = keys.some((k) => k.usableFrom !== undefined && k.usableFrom.getTime() <= now.getTime());
  const pending = keys
    .map((k) => k.usableFrom)
    .filter((d): d is Date => d !== undefined && d.getTime() > now.getTime())
    .sort((a, b) => a.getTime() - b.getTime());
  return { keys: [...keys], usable, ...(usable || !pending[0] ? {} : { usableAt: pending[0] }) };
}

export async function containerExists(dir: Directory, configDn: string): Promise<boolean> {
  const r = await dir.search(rootKeysDn(configDn), { scope: 'base', filter: '(objectClass=*)', attributes: ['cn'] }, 'read the KDS root key container');
  return r.length > 0;
}

export async function listRootKeys(dir: Directory, configDn: string): Promise<RootKey[]> {
  const entries = await dir.search(
    rootKeysDn(configDn),
    { scope: 'one', filter: `(objectClass=${ROOT_KEY_CLASS})`, attributes: ['cn', 'msKds-CreateTime', 'msKds-UseStartTime', 'msKds-DomainID', 'msKds-Version'] },
    'list the KDS root keys',
  );
  return entries
    .map((e) => {
      const created = filetimeToDate(attrText(e, 'msKds-CreateTime') ?? '0');
      const useStart = filetimeToDate(attrText(e, 'msKds-UseStartTime') ?? '0');
      const key: RootKey = { id: attrText(e, 'cn') ?? e.dn, dn: e.dn };
      if (created) key.created = created;
      if (useStart) {
        key.useStart = useStart;
        key.usableFrom = new Date(useStart.getTime() + KDS_WAIT_MS);
      }
      const dc = attrText(e, 'msKds-DomainID');
      if (dc) key.domainController = dc;
      const v = attrText(e, 'msKds-Version');
      if (v) key.version = v;
      return key;
    })
    .sort((a, b) => (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0));
}

/** The DN of the DC's computer object (msKds-DomainID), from the rootDSE's serverName -> serverReference. */
export async function dcComputerDn(dir: Directory): Promise<string> {
  const [root] = await dir.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['serverName'] }, 'read the rootDSE');
  const serverName = root && attrText(root, 'serverName');
  if (serverName) {
    const [server] = await dir.search(serverName, { scope: 'base', filter: '(objectClass=*)', attributes: ['serverReference'] }, 'read the DC server object');
    const ref = server && attrText(server, 'serverReference');
    if (ref) return ref;
  }
  throw new DirectoryError(`cannot tell which computer object ${dir.server} is`, 'Connect to a domain controller (not a global catalog port) and try again.');
}

/** Creates a root key. `useStart` is now for a normal key (usable in 10 h), now - 10 h for a backdated lab key. */
export async function createRootKey(dir: Directory, configDn: string, now: Date, useStart: Date): Promise<RootKey> {
  const id = randomUUID();
  const dn = `CN=${id},${rootKeysDn(configDn)}`;
  const domainId = await dcComputerDn(dir);
  await dir.add(
    dn,
    {
      objectClass: ['top', ROOT_KEY_CLASS],
      cn: [id],
      'msKds-CreateTime': [dateToFiletime(now)],
      'msKds-UseStartTime': [dateToFiletime(useStart)],
      'msKds-RootKeyData': [randomBytes(64)],
      'msKds-PrivateKeyLength': ['512'],
      'msKds-PublicKeyLength': ['2048'],
      'msKds-SecretAgreementAlgorithmID': ['DH'],
      'msKds-KDFAlgorithmID': ['SP800_108_CTR_HMAC'],
      'msKds-DomainID': [domainId],
      'msKds-Version': ['1'],
    },
    'create a KDS root key',
  );
  return { id, dn, created: now, useStart, usableFrom: new Date(useStart.getTime() + KDS_WAIT_MS), domainController: domainId, version: '1' };
}
