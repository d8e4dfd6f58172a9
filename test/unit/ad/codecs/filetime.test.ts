import fc from 'fast-check';
import { InvalidInputError } from '../../../../src/errors';
import {
  FILETIME_NEVER,
  dateToFiletime,
  filetimeToDate,
  parseFiletime,
  ticksToMilliseconds,
} from '../../../../src/ad/codecs/filetime';

describe('FILETIME', () => {
  test('0 and 0x7FFFFFFFFFFFFFFF mean never', () => {
    expect(filetimeToDate('0')).toBeUndefined();
    expect(filetimeToDate(0n)).toBeUndefined();
    expect(filetimeToDate('9223372036854775807')).toBeUndefined();
    expect(filetimeToDate(FILETIME_NEVER)).toBeUndefined();
  });

  test('the Unix epoch', () => {
    expect(filetimeToDate('116444736000000000')?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(dateToFiletime(new Date('1970-01-01T00:00:00Z'))).toBe('116444736000000000');
  });

  test('a recent value: 2024-01-01T00:00:00Z', () => {
    // 19723 days after 1970-01-01 = 1704067200 s; * 10^7 + the 1601->1970 offset.
    expect(filetimeToDate('133485408000000000')?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(dateToFiletime(new Date('2024-01-01T00:00:00Z'))).toBe('133485408000000000');
    expect(filetimeToDate('133485408001234567')?.toISOString()).toBe('2024-01-01T00:00:00.123Z');
  });

  test('exact to the millisecond, sub-millisecond ticks rounded towards the past', () => {
    expect(filetimeToDate('116444736000009999')?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(filetimeToDate('116444736000010000')?.toISOString()).toBe('1970-01-01T00:00:00.001Z');
    expect(filetimeToDate('116444735999999999')?.toISOString()).toBe('1969-12-31T23:59:59.999Z');
    expect(filetimeToDate('1')?.toISOString()).toBe('1601-01-01T00:00:00.000Z');
    expect(filetimeToDate('9223372036854775806')?.toISOString()).toBe('+030828-09-14T02:48:05.477Z');
  });

  test.each(['-1', '', 'abc', '1.5', '1e5', ' 1', '1 ', '+1', '9223372036854775808', '99999999999999999999'])(
    'rejects %j',
    (text) => {
      expect(() => filetimeToDate(text)).toThrow(InvalidInputError);
    },
  );

  test('rejects out-of-range bigints and bad dates', () => {
    expect(() => parseFiletime(-1n)).toThrow(InvalidInputError);
    expect(() => parseFiletime(FILETIME_NEVER + 1n)).toThrow(InvalidInputError);
    expect(() => dateToFiletime(new Date(NaN))).toThrow(InvalidInputError);
    expect(() => dateToFiletime(new Date('1600-12-31T23:59:59.999Z'))).toThrow(InvalidInputError);
    expect(dateToFiletime(new Date('1601-01-01T00:00:00.000Z'))).toBe('0');
  });

  test('round-trips dates (ms) and tick counts (to the ms)', () => {
    const first = Date.UTC(1601, 0, 1) + 1; // 0 ticks would mean "never"
    const last = Date.parse('+030828-09-14T02:48:05.477Z'); // the last ms below 2^63 - 1 ticks
    expect(() => dateToFiletime(new Date(last + 1))).toThrow(InvalidInputError);
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        const d = new Date(ms);
        expect(filetimeToDate(dateToFiletime(d))?.getTime()).toBe(ms);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: FILETIME_NEVER - 1n }), (ticks) => {
        const d = filetimeToDate(ticks.toString()) as Date;
        const back = BigInt(dateToFiletime(d));
        expect(back <= ticks && ticks - back < 10000n).toBe(true);
      }),
    );
  });

  test('ticksToMilliseconds', () => {
    expect(ticksToMilliseconds(0n)).toBe(0);
    expect(ticksToMilliseconds(9999n)).toBe(0);
    expect(ticksToMilliseconds(864000000000n)).toBe(86400000);
    expect(ticksToMilliseconds(0xffffffffffffffffn)).toBe(1844674407370955);
  });
});
