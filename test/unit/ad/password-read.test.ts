import { createHash } from 'node:crypto';
import { buildManagedPasswordBlob } from '../../../src/ad/codecs/managed-password';
import { dateToFiletime } from '../../../src/ad/codecs/filetime';
import { describePasswordRead, ntHashFingerprint } from '../../../src/ad/password-read';

describe('describePasswordRead', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const day = 86_400_000n * 10_000n; // ticks

  test('a blob: length, fingerprint of the NT hash, times from pwdLastSet and the intervals', () => {
    // "password" in UTF-16LE: MD4 of it is the well-known NT hash 8846f7eaee8fb117ad06bdd830b7586c
    const pw = Buffer.from('password', 'utf16le');
    const blob = buildManagedPasswordBlob({ currentPassword: pw, queryPasswordIntervalTicks: 29n * day, unchangedPasswordIntervalTicks: 28n * day });
    const r = describePasswordRead(blob, dateToFiletime(new Date('2026-11-30T12:00:00Z')), now);
    expect(r).toEqual({
      retrieved: true,
      length: 16,
      hasPrevious: false,
      fingerprint: createHash('sha256').update('8846f7eaee8fb117ad06bdd830b7586c').digest('hex').slice(0, 16),
      lastChanged: new Date('2026-11-30T12:00:00Z'),
      nextChange: new Date('2026-12-30T12:00:00Z'),
      unchangedUntil: new Date('2026-12-29T12:00:00Z'),
    });
  });

  test('no blob: not retrieved, and nothing about the password', () => {
    expect(describePasswordRead(undefined, undefined, now)).toEqual({ retrieved: false });
    expect(describePasswordRead(Buffer.alloc(0), '0', now)).toEqual({ retrieved: false });
  });

  test('the fingerprint does not depend on the case of the hex', () => {
    expect(ntHashFingerprint('8846F7EAEE8FB117AD06BDD830B7586C')).toBe(ntHashFingerprint('8846f7eaee8fb117ad06bdd830b7586c'));
    expect(ntHashFingerprint('00')).toHaveLength(16);
  });
});
