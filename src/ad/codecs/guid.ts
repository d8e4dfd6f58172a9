/**
 * GUIDs as Active Directory stores them (objectGUID, schemaIDGUID, the object types of object ACEs):
 * 16 bytes in the mixed-endian Windows layout. Data1 (u32), Data2 (u16) and Data3 (u16) are
 * little-endian, Data4 (8 bytes) is taken as is; the text form prints each group big-endian:
 * bytes 02 3a 45 b8 3f 7d c2 4d 9c 73 c3 d5 7f 72 56 94 are b8453a02-7d3f-4dc2-9c73-c3d57f725694.
 */
import { InvalidInputError } from '../../errors';
import { escapeFilterBytes } from './escape';

export const GUID_LENGTH = 16;

/** Reads the 16-byte GUID at `offset` of `buf` as lower-case text without braces. */
export function readGuid(buf: Uint8Array, offset: number, what = 'GUID'): string {
  if (offset < 0 || buf.length - offset < GUID_LENGTH) {
    throw new InvalidInputError(
      `${what}: truncated: a GUID needs ${GUID_LENGTH} bytes at offset ${offset}, ${Math.max(0, buf.length - offset)} available`,
    );
  }
  const h = (i: number): string => (buf[offset + i] as number).toString(16).padStart(2, '0');
  const seq = (idx: number[]): string => idx.map(h).join('');
  return `${seq([3, 2, 1, 0])}-${seq([5, 4])}-${seq([7, 6])}-${seq([8, 9])}-${seq([10, 11, 12, 13, 14, 15])}`;
}

/** A 16-byte GUID value to `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case, no braces). */
export function guidToString(buf: Uint8Array): string {
  if (buf.length !== GUID_LENGTH) {
    throw new InvalidInputError(`GUID: expected ${GUID_LENGTH} bytes, got ${buf.length}`);
  }
  return readGuid(buf, 0);
}

const GUID_TEXT = /^\{?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}?$/;

/** True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, either case, optionally in braces. */
export function isGuid(text: string): boolean {
  const m = GUID_TEXT.exec(text);
  return m !== null && text.startsWith('{') === text.endsWith('}');
}

/** The canonical text of a GUID string: lower case, no braces. */
export function normalizeGuid(text: string): string {
  return guidToString(guidToBuffer(text));
}

/** GUID text (braces and upper case accepted) to its 16-byte AD form. */
export function guidToBuffer(text: string): Buffer {
  const m = typeof text === 'string' ? GUID_TEXT.exec(text) : null;
  if (!m || text.startsWith('{') !== text.endsWith('}')) {
    throw new InvalidInputError(
      `${JSON.stringify(text)} is not a valid GUID`,
      'A GUID looks like b8453a02-7d3f-4dc2-9c73-c3d57f725694.',
    );
  }
  const hex = (m.slice(1) as string[]).join('');
  const big = Buffer.from(hex, 'hex');
  const out = Buffer.from(big);
  // Swap Data1, Data2 and Data3 to little-endian; Data4 stays.
  out[0] = big[3] as number;
  out[1] = big[2] as number;
  out[2] = big[1] as number;
  out[3] = big[0] as number;
  out[4] = big[5] as number;
  out[5] = big[4] as number;
  out[6] = big[7] as number;
  out[7] = big[6] as number;
  return out;
}

/** The `\xx\xx...` form of a GUID's bytes, for a filter such as `(objectGUID=<this>)`. */
export function guidToLdapFilterBytes(text: string): string {
  return escapeFilterBytes(guidToBuffer(text));
}
