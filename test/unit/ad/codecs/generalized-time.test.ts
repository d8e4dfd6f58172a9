import { generalizedTimeToIso, parseGeneralizedTime } from '../../../../src/ad/codecs/generalized-time';
import { InvalidInputError } from '../../../../src/errors';

describe('LDAP GeneralizedTime', () => {
  test.each([
    ['20261201212458.0Z', '2026-12-01T21:24:58.000Z'], // what AD and Samba send for whenCreated
    ['20261201212458Z', '2026-12-01T21:24:58.000Z'],
    ['20261201212458.123456Z', '2026-12-01T21:24:58.123Z'], // below a millisecond is dropped
    ['202612012124Z', '2026-12-01T21:24:00.000Z'],
    ['2026120121Z', '2026-12-01T21:00:00.000Z'],
    ['2026120121.5Z', '2026-12-01T21:30:00.000Z'], // a fraction of the hour
    ['202612012124,25Z', '2026-12-01T21:24:15.000Z'], // a fraction of the minute, comma form
    ['20261201212458-0130', '2026-12-01T22:54:58.000Z'],
    ['20261201212458+05', '2026-12-01T16:24:58.000Z'],
    ['20240229000000Z', '2024-02-29T00:00:00.000Z'],
    ['16010101000000.0Z', '1601-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseGeneralizedTime(text).toISOString()).toBe(iso);
    expect(generalizedTimeToIso(text)).toBe(iso);
  });

  test.each(['20261301000000Z', '20250229000000Z', '20261201246000Z', '20261201212458', '2026-12-01T21:24:58Z', '', '20261201212458.Z', '20261201212458+2400', '2026120121245Z'])(
    '%j is refused',
    (text) => {
      expect(() => parseGeneralizedTime(text)).toThrow(InvalidInputError);
    },
  );

  test('an absent attribute is null', () => {
    expect(generalizedTimeToIso(undefined)).toBeNull();
  });
});
