/**
 * Retrieving a gMSA's password the way a container host does: bound as the host's computer account over
 * an encrypted connection, read msDS-ManagedPassword (the DC computes it for principals that its
 * msDS-GroupMSAMembership allows, and returns nothing to anyone else), decode the blob, and say when the
 * password last changed and when it changes next. The password itself never leaves this module: callers
 * get its length and a fingerprint (SHA-256 of its NT hash, shortened) that can be compared with the DC's
 * own tools without revealing anything usable.
 */
import { createHash } from 'node:crypto';
import { parseManagedPasswordBlob, ntHashOfManagedPassword } from './codecs/managed-password';
import { filetimeToDate } from './codecs/filetime';
import { attrBuffer, attrText, type Directory } from './connection';

export interface PasswordRead {
  /** The DC returned a password blob to the host. */
  retrieved: boolean;
  /** Bytes of the current password (256 from Windows and Samba), when retrieved. */
  length?: number;
  /** First 16 hex digits of SHA-256 over the NT hash (hex) of the current password. */
  fingerprint?: string;
  /** A previous password is still valid (right after a change). */
  hasPrevious?: boolean;
  /** pwdLastSet of the gMSA: when the current password was set. */
  lastChanged?: Date;
  /** When the current password stops being current: now + the blob's QueryPasswordInterval. */
  nextChange?: Date;
  /** Until when the DC guarantees the password stays the same: now + UnchangedPasswordInterval. */
  unchangedUntil?: Date;
}

/** The fingerprint of an NT hash in hex (lower case): 16 hex digits of its SHA-256. */
export function ntHashFingerprint(ntHashHex: string): string {
  return createHash('sha256').update(ntHashHex.toLowerCase()).digest('hex').slice(0, 16);
}

/** Pure: what a blob (or its absence) says, relative to `now`. */
export function describePasswordRead(blob: Buffer | undefined, pwdLastSet: string | undefined, now: Date): PasswordRead {
  const lastChanged = pwdLastSet ? filetimeToDate(pwdLastSet) : undefined;
  if (!blob || blob.length === 0) return { retrieved: false, ...(lastChanged ? { lastChanged } : {}) };
  const parsed = parseManagedPasswordBlob(blob);
  const out: PasswordRead = {
    retrieved: true,
    length: parsed.currentPassword.length,
    fingerprint: ntHashFingerprint(ntHashOfManagedPassword(parsed.currentPassword)),
    hasPrevious: parsed.previousPassword !== undefined,
  };
  if (lastChanged) out.lastChanged = lastChanged;
  if (parsed.queryPasswordIntervalMs !== undefined) out.nextChange = new Date(now.getTime() + parsed.queryPasswordIntervalMs);
  if (parsed.unchangedPasswordIntervalMs !== undefined) {
    out.unchangedUntil = new Date(now.getTime() + parsed.unchangedPasswordIntervalMs);
  }
  parsed.currentPassword.fill(0);
  parsed.previousPassword?.fill(0);
  return out;
}

/** Reads msDS-ManagedPassword of `gmsaDn` over `dir`, which must be bound as the host. */
export async function readManagedPassword(dir: Directory, gmsaDn: string, now: () => Date = () => new Date()): Promise<PasswordRead> {
  const [e] = await dir.search(
    gmsaDn,
    { scope: 'base', filter: '(objectClass=*)', attributes: ['msDS-ManagedPassword', 'pwdLastSet'], binary: ['msDS-ManagedPassword'] },
    'read msDS-ManagedPassword',
  );
  const blob = e ? attrBuffer(e, 'msDS-ManagedPassword') : undefined;
  try {
    return describePasswordRead(blob, e ? attrText(e, 'pwdLastSet') : undefined, now());
  } finally {
    blob?.fill(0);
  }
}
