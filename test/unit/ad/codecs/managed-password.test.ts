import fc from 'fast-check';
import { InvalidInputError } from '../../../../src/errors';
import {
  buildManagedPasswordBlob,
  ntHashOfManagedPassword,
  parseManagedPasswordBlob,
} from '../../../../src/ad/codecs/managed-password';

function pattern(mul: number, add: number): Buffer {
  const b = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) b[i] = (i * mul + add) & 0xff;
  return b;
}
const CURRENT = pattern(13, 1);
const PREVIOUS = pattern(29, 7);
// `openssl dgst -provider legacy -md4` of the two patterns.
const CURRENT_NT = '3cd5d00b57a5aba701657dbf68fa50bf';
const PREVIOUS_NT = 'bb0cdfd339fcda3bcde0b4428748ae59';

const TEN_MINUTES = 6_000_000_000n; // ticks
const ONE_DAY = 864_000_000_000n;

/** Lays out a blob by hand, the way a DC does (MS-ADTS 2.2.19). */
function handBlob(withPrevious: boolean): Buffer {
  const current = 16;
  const previous = withPrevious ? current + 258 : 0;
  const afterPasswords = withPrevious ? previous + 258 : current + 258;
  const query = Math.ceil(afterPasswords / 8) * 8; // 280 or 536
  const unchanged = query + 8;
  const length = unchanged + 8;
  const b = Buffer.alloc(length);
  b.writeUInt16LE(1, 0); // Version
  b.writeUInt16LE(0, 2); // Reserved
  b.writeUInt32LE(length, 4);
  b.writeUInt16LE(current, 8);
  b.writeUInt16LE(previous, 10);
  b.writeUInt16LE(query, 12);
  b.writeUInt16LE(unchanged, 14);
  CURRENT.copy(b, current); // followed by the 2-byte NUL already in the zeroed buffer
  if (withPrevious) PREVIOUS.copy(b, previous);
  b.writeBigUInt64LE(TEN_MINUTES, query);
  b.writeBigUInt64LE(ONE_DAY, unchanged);
  return b;
}

describe('parseManagedPasswordBlob', () => {
  test('a blob without a previous password', () => {
    const blob = handBlob(false);
    expect(blob.length).toBe(296);
    const parsed = parseManagedPasswordBlob(blob);
    expect(parsed.version).toBe(1);
    expect(parsed.currentPassword.equals(CURRENT)).toBe(true);
    expect(parsed.previousPassword).toBeUndefined();
    expect(parsed.queryPasswordIntervalMs).toBe(600_000);
    expect(parsed.unchangedPasswordIntervalMs).toBe(86_400_000);
    expect(parsed.queryPasswordIntervalTicks).toBe(TEN_MINUTES);
    expect(parsed.unchangedPasswordIntervalTicks).toBe(ONE_DAY);
    expect(ntHashOfManagedPassword(parsed.currentPassword)).toBe(CURRENT_NT);
  });

  test('a blob with a previous password', () => {
    const blob = handBlob(true);
    expect(blob.length).toBe(552);
    const parsed = parseManagedPasswordBlob(blob);
    expect(parsed.currentPassword.equals(CURRENT)).toBe(true);
    expect(parsed.previousPassword?.equals(PREVIOUS)).toBe(true);
    expect(parsed.queryPasswordIntervalMs).toBe(600_000);
    expect(ntHashOfManagedPassword(parsed.previousPassword as Buffer)).toBe(PREVIOUS_NT);
  });

  test('the builder produces the same bytes as the hand layout', () => {
    const input = { currentPassword: CURRENT, queryPasswordIntervalTicks: TEN_MINUTES, unchangedPasswordIntervalTicks: ONE_DAY };
    expect(buildManagedPasswordBlob(input).equals(handBlob(false))).toBe(true);
    expect(buildManagedPasswordBlob({ ...input, previousPassword: PREVIOUS }).equals(handBlob(true))).toBe(true);
  });

  test('slices by the offsets: intervals right after the NUL (no padding) and a larger buffer', () => {
    const b = Buffer.alloc(16 + 258 + 16);
    b.writeUInt16LE(1, 0);
    b.writeUInt32LE(b.length, 4);
    b.writeUInt16LE(16, 8);
    b.writeUInt16LE(274, 12);
    b.writeUInt16LE(282, 14);
    CURRENT.copy(b, 16);
    b.writeBigUInt64LE(1n, 274);
    b.writeBigUInt64LE(20000n, 282);
    const parsed = parseManagedPasswordBlob(Buffer.concat([b, Buffer.from('extra')]));
    expect(parsed.currentPassword.equals(CURRENT)).toBe(true);
    expect(parsed.queryPasswordIntervalMs).toBe(0);
    expect(parsed.unchangedPasswordIntervalMs).toBe(2);
  });

  test('returned passwords are copies', () => {
    const blob = handBlob(false);
    const parsed = parseManagedPasswordBlob(blob);
    blob.fill(0xaa, 16, 272);
    expect(parsed.currentPassword.equals(CURRENT)).toBe(true);
  });

  const mutate = (f: (b: Buffer) => void, withPrevious = false): Buffer => {
    const b = handBlob(withPrevious);
    f(b);
    return b;
  };
  test.each<[string, Buffer, RegExp]>([
    ['empty', Buffer.alloc(0), /truncated/],
    ['short header', handBlob(false).subarray(0, 15), /truncated/],
    ['version 2', mutate((b) => b.writeUInt16LE(2, 0)), /version 2/],
    ['Length beyond the data', handBlob(false).subarray(0, 295), /Length/],
    ['Length below the header', mutate((b) => b.writeUInt32LE(8, 4)), /Length/],
    ['current offset inside the header', mutate((b) => b.writeUInt16LE(4, 8)), /current password offset/],
    ['current offset past the end', mutate((b) => b.writeUInt16LE(400, 8)), /current password offset/],
    ['previous offset past the end', mutate((b) => b.writeUInt16LE(999, 10)), /previous password offset/],
    ['query interval past the end', mutate((b) => b.writeUInt16LE(292, 12)), /query password interval/],
    ['unchanged interval past the end', mutate((b) => b.writeUInt16LE(290, 14)), /unchanged password interval/],
    ['no NUL before the next field', mutate((b) => b.fill(0x41, 272, 280)), /current password .*NUL/],
    ['previous password runs into the interval', mutate((b) => b.fill(0x41, 530, 536), true), /previous password .*NUL/],
  ])('rejects: %s', (_, blob, message) => {
    expect(() => parseManagedPasswordBlob(blob)).toThrow(InvalidInputError);
    expect(() => parseManagedPasswordBlob(blob)).toThrow(message);
  });

  const password = fc
    .array(fc.integer({ min: 1, max: 0xffff }), { maxLength: 200 })
    .map((units) => Buffer.from(Uint16Array.from(units).buffer));
  const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });

  test('round-trips random blobs', () => {
    fc.assert(
      fc.property(password, fc.option(password, { nil: undefined }), u64, u64, (current, previous, q, u) => {
        const blob = buildManagedPasswordBlob({
          currentPassword: current,
          ...(previous ? { previousPassword: previous } : {}),
          queryPasswordIntervalTicks: q,
          unchangedPasswordIntervalTicks: u,
        });
        const parsed = parseManagedPasswordBlob(blob);
        expect(parsed.currentPassword.equals(current)).toBe(true);
        expect(parsed.previousPassword?.equals(previous as Buffer) ?? previous === undefined).toBe(true);
        expect(parsed.queryPasswordIntervalTicks).toBe(q);
        expect(parsed.unchangedPasswordIntervalTicks).toBe(u);
        expect(parsed.queryPasswordIntervalMs).toBe(Number(q / 10000n));
      }),
    );
  });

  test('random bytes and mutated blobs fail only with InvalidInputError', () => {
    const check = (bytes: Uint8Array): void => {
      try {
        parseManagedPasswordBlob(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInputError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(551), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(552),
        (edits, cut) => {
          const b = handBlob(true);
          for (const [at, v] of edits) b[at] = v;
          check(b.subarray(0, cut));
          check(b);
        },
      ),
    );
  });

  test('the builder refuses what a DC never produces', () => {
    const base = { queryPasswordIntervalTicks: 0n, unchangedPasswordIntervalTicks: 0n };
    expect(() => buildManagedPasswordBlob({ ...base, currentPassword: Buffer.from([1]) })).toThrow(InvalidInputError);
    expect(() => buildManagedPasswordBlob({ ...base, currentPassword: Buffer.from([1, 0, 0, 0]) })).toThrow(InvalidInputError);
    expect(() =>
      buildManagedPasswordBlob({ currentPassword: CURRENT, queryPasswordIntervalTicks: -1n, unchangedPasswordIntervalTicks: 0n }),
    ).toThrow(InvalidInputError);
  });
});

describe('ntHashOfManagedPassword', () => {
  test('is the MD4 of the bytes, lower-case hex', () => {
    expect(ntHashOfManagedPassword(Buffer.from('password', 'utf16le'))).toBe('8846f7eaee8fb117ad06bdd830b7586c');
    expect(ntHashOfManagedPassword(Buffer.alloc(0))).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
  });
});
