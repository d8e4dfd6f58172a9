/**
 * msDS-ManagedPassword: the MSDS-MANAGEDPASSWORD_BLOB a DC returns to a principal allowed to read a
 * gMSA's password (MS-ADTS 2.2.19). Layout, little-endian:
 *
 *   0  u16 Version (1)          2  u16 Reserved (0)        4  u32 Length (of the whole blob)
 *   8  u16 CurrentPasswordOffset                           10 u16 PreviousPasswordOffset (0 = none)
 *   12 u16 QueryPasswordIntervalOffset                     14 u16 UnchangedPasswordIntervalOffset
 *   then the current password (UTF-16LE code units ending with a 2-byte NUL; 256 bytes from Windows),
 *   the optional previous password (same form), padding to 8 bytes, and the two u64 intervals in
 *   100 ns ticks: how long until the password should be queried again, and how long it stays unchanged.
 *
 * Everything is sliced by the offsets, bounds-checked against Length, and errors are InvalidInputError.
 */
import { InvalidInputError } from '../../errors';
import { ticksToMilliseconds } from './filetime';
import { md4 } from './md4';

export const MANAGED_PASSWORD_BLOB_VERSION = 1;
export const MANAGED_PASSWORD_HEADER_LENGTH = 16;
/** Length of the password Windows generates (bytes, without the NUL terminator). */
export const GMSA_PASSWORD_LENGTH = 256;

export interface ManagedPasswordBlob {
  version: number;
  /** The current password's bytes (UTF-16LE code units of random data), without the NUL terminator. */
  currentPassword: Buffer;
  /** The previous password, when the blob has one (after a change, until the old one expires). */
  previousPassword?: Buffer;
  /** QueryPasswordInterval in whole milliseconds (rounded down), when the blob has it. */
  queryPasswordIntervalMs?: number;
  /** UnchangedPasswordInterval in whole milliseconds (rounded down), when the blob has it. */
  unchangedPasswordIntervalMs?: number;
  /** The same intervals in their raw 100 ns ticks. */
  queryPasswordIntervalTicks?: bigint;
  unchangedPasswordIntervalTicks?: bigint;
}

function fail(message: string): never {
  throw new InvalidInputError(
    `msDS-ManagedPassword: ${message}`,
    'The domain controller returned a password blob this tool cannot decode.',
  );
}

/** Reads the NUL-terminated UTF-16 string starting at `offset`, which must end before `end`. */
function readPassword(buf: Buffer, offset: number, end: number, what: string): Buffer {
  for (let p = offset; p + 1 < end; p += 2) {
    if (buf[p] === 0 && buf[p + 1] === 0) return Buffer.from(buf.subarray(offset, p));
  }
  return fail(`${what} at offset ${offset} has no NUL terminator before byte ${end}`);
}

/** Decodes an MSDS-MANAGEDPASSWORD_BLOB. The returned Buffers are copies, not views of `buf`. */
export function parseManagedPasswordBlob(buf: Uint8Array): ManagedPasswordBlob {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < MANAGED_PASSWORD_HEADER_LENGTH) {
    fail(`truncated: ${b.length} bytes, the header alone is ${MANAGED_PASSWORD_HEADER_LENGTH}`);
  }
  const version = b.readUInt16LE(0);
  if (version !== MANAGED_PASSWORD_BLOB_VERSION) fail(`version ${version} is not supported (expected 1)`);
  const length = b.readUInt32LE(4);
  if (length < MANAGED_PASSWORD_HEADER_LENGTH || length > b.length) {
    fail(`Length field ${length} does not fit the ${b.length} bytes received`);
  }
  const currentOffset = b.readUInt16LE(8);
  const previousOffset = b.readUInt16LE(10);
  const queryOffset = b.readUInt16LE(12);
  const unchangedOffset = b.readUInt16LE(14);

  const checkOffset = (offset: number, what: string, size: number): void => {
    if (offset < MANAGED_PASSWORD_HEADER_LENGTH || offset + size > length) {
      fail(`${what} offset ${offset} is outside the blob (header ${MANAGED_PASSWORD_HEADER_LENGTH}, Length ${length})`);
    }
  };
  checkOffset(currentOffset, 'current password', 2);
  if (previousOffset !== 0) checkOffset(previousOffset, 'previous password', 2);
  if (queryOffset !== 0) checkOffset(queryOffset, 'query password interval', 8);
  if (unchangedOffset !== 0) checkOffset(unchangedOffset, 'unchanged password interval', 8);

  // A password may not run into the next field that starts after it.
  const fieldStarts = [currentOffset, previousOffset, queryOffset, unchangedOffset].filter((o) => o !== 0);
  const endOf = (offset: number): number => Math.min(length, ...fieldStarts.filter((o) => o > offset));

  const out: ManagedPasswordBlob = {
    version,
    currentPassword: readPassword(b, currentOffset, endOf(currentOffset), 'current password'),
  };
  if (previousOffset !== 0) {
    out.previousPassword = readPassword(b, previousOffset, endOf(previousOffset), 'previous password');
  }
  if (queryOffset !== 0) {
    out.queryPasswordIntervalTicks = b.readBigUInt64LE(queryOffset);
    out.queryPasswordIntervalMs = ticksToMilliseconds(out.queryPasswordIntervalTicks);
  }
  if (unchangedOffset !== 0) {
    out.unchangedPasswordIntervalTicks = b.readBigUInt64LE(unchangedOffset);
    out.unchangedPasswordIntervalMs = ticksToMilliseconds(out.unchangedPasswordIntervalTicks);
  }
  return out;
}

export interface ManagedPasswordBlobInput {
  currentPassword: Uint8Array;
  previousPassword?: Uint8Array;
  queryPasswordIntervalTicks: bigint;
  unchangedPasswordIntervalTicks: bigint;
}

/**
 * Encodes a blob the way a DC lays it out: header, current password + NUL, optional previous
 * password + NUL, zero padding to an 8-byte boundary, query interval, unchanged interval. For fakes and
 * tests. Passwords must have an even length and no NUL code unit (a DC replaces those with U+0001).
 */
export function buildManagedPasswordBlob(input: ManagedPasswordBlobInput): Buffer {
  const check = (pw: Uint8Array, what: string): void => {
    if (pw.length % 2 !== 0) throw new InvalidInputError(`${what}: odd length ${pw.length}`);
    for (let i = 0; i < pw.length; i += 2) {
      if (pw[i] === 0 && pw[i + 1] === 0) throw new InvalidInputError(`${what}: NUL code unit at byte ${i}`);
    }
  };
  for (const [ticks, what] of [
    [input.queryPasswordIntervalTicks, 'query password interval'],
    [input.unchangedPasswordIntervalTicks, 'unchanged password interval'],
  ] as const) {
    if (ticks < 0n || ticks > 0xffffffffffffffffn) throw new InvalidInputError(`${what}: ${ticks} is not a u64`);
  }
  check(input.currentPassword, 'current password');
  if (input.previousPassword) check(input.previousPassword, 'previous password');
  const currentOffset = MANAGED_PASSWORD_HEADER_LENGTH;
  let end = currentOffset + input.currentPassword.length + 2;
  let previousOffset = 0;
  if (input.previousPassword) {
    previousOffset = end;
    end += input.previousPassword.length + 2;
  }
  const queryOffset = Math.ceil(end / 8) * 8;
  const unchangedOffset = queryOffset + 8;
  const length = unchangedOffset + 8;
  if (length > 0xffff) throw new InvalidInputError('managed password blob: passwords too long for 16-bit offsets');
  const b = Buffer.alloc(length);
  b.writeUInt16LE(MANAGED_PASSWORD_BLOB_VERSION, 0);
  b.writeUInt32LE(length, 4);
  b.writeUInt16LE(currentOffset, 8);
  b.writeUInt16LE(previousOffset, 10);
  b.writeUInt16LE(queryOffset, 12);
  b.writeUInt16LE(unchangedOffset, 14);
  b.set(input.currentPassword, currentOffset);
  if (input.previousPassword) b.set(input.previousPassword, previousOffset);
  b.writeBigUInt64LE(input.queryPasswordIntervalTicks, queryOffset);
  b.writeBigUInt64LE(input.unchangedPasswordIntervalTicks, unchangedOffset);
  return b;
}

/**
 * The NT hash (lower-case hex MD4) of a managed password: pass `currentPassword` (or
 * `previousPassword`) as parsed, i.e. the bytes without the NUL terminator.
 */
export function ntHashOfManagedPassword(pw: Uint8Array): string {
  return md4(pw).toString('hex');
}
