import fc from 'fast-check';
import { InvalidInputError } from '../../../../src/errors';
import {
  WELL_KNOWN_SIDS,
  domainOfAccountSid,
  formatSid,
  isDomainSid,
  isValidSid,
  normalizeSid,
  readSid,
  ridOf,
  sddlAliasOf,
  sidToBuffer,
  sidToString,
  wellKnownName,
} from '../../../../src/ad/codecs/sid';

const DOMAIN = 'S-1-5-21-1004336348-1177238915-682003330';
const ACCOUNT = `${DOMAIN}-1105`;

// revision, count, authority (6 bytes big-endian), sub-authorities (u32 little-endian)
const VECTORS: Array<[string, string]> = [
  [ACCOUNT, '0105' + '000000000005' + '15000000' + 'dcf4dc3b' + '833d2b46' + '828ba628' + '51040000'],
  [DOMAIN, '0104' + '000000000005' + '15000000' + 'dcf4dc3b' + '833d2b46' + '828ba628'],
  ['S-1-5-32-544', '0102' + '000000000005' + '20000000' + '20020000'],
  ['S-1-1-0', '0101' + '000000000001' + '00000000'],
  ['S-1-5-18', '0101' + '000000000005' + '12000000'],
  ['S-1-16-12288', '0101' + '000000000010' + '00300000'],
  ['S-1-5', '0100' + '000000000005'],
  ['S-1-4294967295-1', '0101' + '0000ffffffff' + '01000000'],
  ['S-1-0x000100000000-7', '0101' + '000100000000' + '07000000'],
  ['S-1-0xffffffffffff-4294967295', '0101' + 'ffffffffffff' + 'ffffffff'],
];

describe('SID binary <-> text', () => {
  test.each(VECTORS)('%s', (text, hex) => {
    expect(sidToString(Buffer.from(hex, 'hex'))).toBe(text);
    expect(sidToBuffer(text).toString('hex')).toBe(hex);
  });

  test('an authority of 2^32 and above is printed as 12 hex digits, as Windows does', () => {
    expect(sidToString(Buffer.from('0101' + '0000000000ff' + '00000000', 'hex'))).toBe('S-1-255-0');
    expect(sidToString(Buffer.from('0101' + '123456789abc' + '00000000', 'hex'))).toBe('S-1-0x123456789abc-0');
  });

  test('text forms are normalised (lower-case s, leading zeros, decimal or hex authority)', () => {
    expect(normalizeSid('s-1-5-018')).toBe('S-1-5-18');
    expect(normalizeSid('S-1-0x5-32-544')).toBe('S-1-5-32-544');
    expect(normalizeSid('S-1-4294967296-1')).toBe('S-1-0x000100000000-1');
    expect(normalizeSid('S-1-0X123456789ABC-0')).toBe('S-1-0x123456789abc-0');
  });

  test.each([
    ['empty', ''],
    ['one byte', '01'],
    ['7 bytes', '01000000000005'],
    ['count says 5, 4 present', '0105' + '000000000005' + '15000000'.repeat(4)],
    ['revision 2', '0201' + '000000000005' + '12000000'],
    ['revision 0', '0001' + '000000000005' + '12000000'],
    ['16 sub-authorities', '0110' + '000000000005' + '00000000'.repeat(16)],
    ['trailing bytes', '0101' + '000000000005' + '12000000' + '00'],
  ])('rejects binary: %s', (_, hex) => {
    expect(() => sidToString(Buffer.from(hex, 'hex'))).toThrow(InvalidInputError);
  });

  test.each([
    '',
    'S',
    'S-1',
    'S-1-',
    'S-2-5-32-544',
    'S-1-5-',
    'S-1-5--1',
    'S-1-5-x',
    'S-1-5-4294967296',
    'S-1-5-99999999999',
    'S-1-281474976710656-1',
    'S-1-0x1000000000000-1',
    'S-1-0x-1',
    ' S-1-5-18',
    'S-1-5-18 ',
    'S-1-5-+18',
    'S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16',
    'SID-1-5-18',
  ])('rejects text %j', (text) => {
    expect(isValidSid(text)).toBe(false);
    expect(() => sidToBuffer(text)).toThrow(InvalidInputError);
  });

  test('15 sub-authorities is the maximum', () => {
    const max = 'S-1-5-' + Array.from({ length: 15 }, (_, i) => i + 1).join('-');
    expect(sidToString(sidToBuffer(max))).toBe(max);
  });

  test('readSid reads inside a larger buffer and reports the length', () => {
    const buf = Buffer.concat([Buffer.alloc(3), sidToBuffer(ACCOUNT), Buffer.alloc(5)]);
    expect(readSid(buf, 3)).toEqual({ sid: ACCOUNT, length: 28 });
    expect(() => readSid(buf, 20, 'owner')).toThrow(/owner/);
    expect(() => readSid(buf, -1)).toThrow(InvalidInputError);
  });

  const sidParts = fc.record({
    authority: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    subAuthorities: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  });

  test('round-trips random SIDs', () => {
    fc.assert(
      fc.property(sidParts, (parts) => {
        const text = formatSid(parts);
        const buf = sidToBuffer(text);
        expect(buf.length).toBe(8 + 4 * parts.subAuthorities.length);
        expect(sidToString(buf)).toBe(text);
        expect(normalizeSid(text)).toBe(text);
      }),
    );
  });

  test('random bytes decode or fail with InvalidInputError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          const text = sidToString(bytes);
          expect(sidToBuffer(text).equals(Buffer.from(bytes))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidInputError);
        }
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          sidToBuffer(s);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidInputError);
        }
      }),
    );
  });
});

describe('SID classification', () => {
  test('isDomainSid: S-1-5-21 and exactly three more', () => {
    expect(isDomainSid(DOMAIN)).toBe(true);
    expect(isDomainSid(ACCOUNT)).toBe(false);
    expect(isDomainSid('S-1-5-21-1-2')).toBe(false);
    expect(isDomainSid('S-1-5-32-544')).toBe(false);
    expect(isDomainSid('S-1-5-22-1-2-3')).toBe(false);
    expect(isDomainSid('not a sid')).toBe(false);
  });

  test('domainOfAccountSid', () => {
    expect(domainOfAccountSid(ACCOUNT)).toBe(DOMAIN);
    expect(domainOfAccountSid(`${DOMAIN}-512`)).toBe(DOMAIN);
    expect(domainOfAccountSid(DOMAIN)).toBeUndefined();
    expect(domainOfAccountSid('S-1-5-32-544')).toBeUndefined();
    expect(domainOfAccountSid('S-1-5-18')).toBeUndefined();
    expect(domainOfAccountSid(`${ACCOUNT}-7`)).toBeUndefined();
    expect(() => domainOfAccountSid('S-1-x')).toThrow(InvalidInputError);
  });

  test('ridOf', () => {
    expect(ridOf(ACCOUNT)).toBe(1105);
    expect(ridOf('S-1-5-32-544')).toBe(544);
    expect(ridOf('S-1-1-0')).toBe(0);
    expect(ridOf('S-1-5')).toBeUndefined();
    expect(() => ridOf('1105')).toThrow(InvalidInputError);
  });

  test('well-known names', () => {
    expect(WELL_KNOWN_SIDS['S-1-5-32-544']).toBe('BUILTIN\\Administrators');
    expect(wellKnownName('S-1-5-32-544')).toBe('BUILTIN\\Administrators');
    expect(wellKnownName('S-1-5-18')).toBe('NT AUTHORITY\\SYSTEM');
    expect(wellKnownName('S-1-5-20')).toBe('NT AUTHORITY\\NETWORK SERVICE');
    expect(wellKnownName('S-1-1-0')).toBe('Everyone');
    expect(wellKnownName('S-1-5-11')).toBe('NT AUTHORITY\\Authenticated Users');
    expect(wellKnownName('S-1-5-9')).toBe('NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS');
    expect(wellKnownName('s-1-5-018')).toBe('NT AUTHORITY\\SYSTEM');
  });

  test('domain-relative names', () => {
    expect(wellKnownName(`${DOMAIN}-512`)).toBe('Domain Admins');
    expect(wellKnownName(`${DOMAIN}-515`)).toBe('Domain Computers');
    expect(wellKnownName(`${DOMAIN}-516`)).toBe('Domain Controllers');
    expect(wellKnownName(`${DOMAIN}-519`, 'CONTOSO')).toBe('CONTOSO\\Enterprise Admins');
    expect(wellKnownName(ACCOUNT)).toBeUndefined();
    expect(wellKnownName('S-1-5-32-512')).toBeUndefined();
    expect(wellKnownName('S-1-5-21-1-2-512')).toBeUndefined();
    expect(wellKnownName('garbage')).toBeUndefined();
  });

  test('SDDL aliases', () => {
    expect(sddlAliasOf('S-1-5-32-544')).toBe('BA');
    expect(sddlAliasOf('S-1-5-18')).toBe('SY');
    expect(sddlAliasOf('S-1-1-0')).toBe('WD');
    expect(sddlAliasOf(`${DOMAIN}-512`)).toBeUndefined();
    expect(sddlAliasOf(`${DOMAIN}-512`, DOMAIN)).toBe('DA');
    expect(sddlAliasOf(`${DOMAIN}-516`, DOMAIN)).toBe('DD');
    expect(sddlAliasOf(`${DOMAIN}-512`, 'S-1-5-21-1-2-3')).toBeUndefined();
    expect(sddlAliasOf(ACCOUNT, DOMAIN)).toBeUndefined();
  });
});
