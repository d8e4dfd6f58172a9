import fc from 'fast-check';
import { InvalidInputError } from '../../../../src/errors';
import {
  guidToBuffer,
  guidToLdapFilterBytes,
  guidToString,
  isGuid,
  normalizeGuid,
  readGuid,
} from '../../../../src/ad/codecs/guid';

const VECTOR_HEX = '023a45b83f7dc24d9c73c3d57f725694';
const VECTOR_TEXT = 'b8453a02-7d3f-4dc2-9c73-c3d57f725694';

describe('GUID codec', () => {
  test('the reference vector, both ways', () => {
    expect(guidToString(Buffer.from(VECTOR_HEX, 'hex'))).toBe(VECTOR_TEXT);
    expect(guidToBuffer(VECTOR_TEXT).toString('hex')).toBe(VECTOR_HEX);
  });

  test('braces and upper case are accepted; output is lower case without braces', () => {
    const upper = `{${VECTOR_TEXT.toUpperCase()}}`;
    expect(guidToBuffer(upper).toString('hex')).toBe(VECTOR_HEX);
    expect(normalizeGuid(upper)).toBe(VECTOR_TEXT);
    expect(isGuid(upper)).toBe(true);
  });

  test('filter escaping of objectGUID', () => {
    expect(guidToLdapFilterBytes(VECTOR_TEXT)).toBe('\\02\\3a\\45\\b8\\3f\\7d\\c2\\4d\\9c\\73\\c3\\d5\\7f\\72\\56\\94');
  });

  test.each([
    '',
    'b8453a02-7d3f-4dc2-9c73-c3d57f72569',
    'b8453a02-7d3f-4dc2-9c73-c3d57f7256944',
    'b8453a027d3f4dc29c73c3d57f725694',
    'g8453a02-7d3f-4dc2-9c73-c3d57f725694',
    '{b8453a02-7d3f-4dc2-9c73-c3d57f725694',
    'b8453a02-7d3f-4dc2-9c73-c3d57f725694}',
    ' b8453a02-7d3f-4dc2-9c73-c3d57f725694',
    'b8453a02_7d3f_4dc2_9c73_c3d57f725694',
  ])('rejects %j', (text) => {
    expect(isGuid(text)).toBe(false);
    expect(() => guidToBuffer(text)).toThrow(InvalidInputError);
  });

  test('rejects values that are not 16 bytes, and truncated reads', () => {
    for (const n of [0, 1, 15, 17, 32]) expect(() => guidToString(Buffer.alloc(n))).toThrow(InvalidInputError);
    expect(() => readGuid(Buffer.alloc(20), 5)).toThrow(InvalidInputError);
    expect(readGuid(Buffer.concat([Buffer.alloc(4), Buffer.from(VECTOR_HEX, 'hex')]), 4)).toBe(VECTOR_TEXT);
  });

  test('round-trips any 16 bytes and any GUID text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = guidToString(bytes);
        expect(text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(guidToBuffer(text).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }), (uuid) => {
        expect(guidToString(guidToBuffer(uuid))).toBe(uuid.toLowerCase());
      }),
    );
  });
});
