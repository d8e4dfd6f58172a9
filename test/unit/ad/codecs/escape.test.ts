import fc from 'fast-check';
import { InvalidInputError } from '../../../../src/errors';
import { buildDn, escapeDnValue, escapeFilterBytes, escapeFilterValue } from '../../../../src/ad/codecs/escape';

describe('escapeFilterValue (RFC 4515)', () => {
  test.each([
    ['*', '\\2a'],
    ['(', '\\28'],
    [')', '\\29'],
    ['\\', '\\5c'],
    ['\0', '\\00'],
    ['plain', 'plain'],
    ['web01$', 'web01$'],
    ['a*b(c)d\\e\0f', 'a\\2ab\\28c\\29d\\5ce\\00f'],
    ['Müller 名前 🙂', 'Müller 名前 🙂'],
    [',+"<>;=#', ',+"<>;=#'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(escapeFilterValue(input)).toBe(expected);
  });

  test('an injection attempt stays one literal value', () => {
    const value = 'x*)(objectClass=*';
    const filter = `(sAMAccountName=${escapeFilterValue(value)})`;
    expect(filter).toBe('(sAMAccountName=x\\2a\\29\\28objectClass=\\2a)');
    // No unescaped parenthesis or asterisk is left inside the value.
    expect(escapeFilterValue(value)).not.toMatch(/[()*]/);
  });

  test('escaped values contain no special character and unescape back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const e = escapeFilterValue(s);
        expect(e).not.toMatch(/[()*\0]/);
        expect(e.replace(/\\([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))).toBe(s);
      }),
    );
  });
});

describe('escapeFilterBytes', () => {
  test('every byte as \\xx', () => {
    expect(escapeFilterBytes(Buffer.from([0x00, 0x0a, 0x2a, 0xff]))).toBe('\\00\\0a\\2a\\ff');
    expect(escapeFilterBytes(Buffer.alloc(0))).toBe('');
  });
});

describe('escapeDnValue (RFC 4514)', () => {
  test.each([
    [',', '\\,'],
    ['+', '\\+'],
    ['"', '\\"'],
    ['\\', '\\\\'],
    ['<', '\\<'],
    ['>', '\\>'],
    [';', '\\;'],
    ['=', '\\='],
    ['\0', '\\00'],
    ['#start', '\\#start'],
    ['mid#dle', 'mid#dle'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    ['in side', 'in side'],
    [' ', '\\ '],
    ['  ', '\\ \\ '],
    ['Web, Inc. <R&D>', 'Web\\, Inc. \\<R&D\\>'],
    ['Müller', 'Müller'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(escapeDnValue(input)).toBe(expected);
  });

  test('an injection attempt in an RDN cannot add RDNs', () => {
    expect(escapeDnValue('x,CN=Admins,DC=evil')).toBe('x\\,CN\\=Admins\\,DC\\=evil');
  });
});

describe('buildDn', () => {
  test('escapes values, not the base', () => {
    expect(buildDn([['CN', 'web,01']], 'CN=Managed Service Accounts,DC=contoso,DC=com')).toBe(
      'CN=web\\,01,CN=Managed Service Accounts,DC=contoso,DC=com',
    );
    expect(
      buildDn(
        [
          ['CN', 'a'],
          ['OU', ' b '],
        ],
        'DC=x',
      ),
    ).toBe('CN=a,OU=\\ b\\ ,DC=x');
  });

  test('no RDNs gives the base; an empty base gives the RDNs', () => {
    expect(buildDn([], 'DC=contoso,DC=com')).toBe('DC=contoso,DC=com');
    expect(buildDn([['CN', 'x']], '')).toBe('CN=x');
  });

  test('accepts names and OIDs as attribute types, rejects anything else', () => {
    expect(buildDn([['2.5.4.3', 'x']], '')).toBe('2.5.4.3=x');
    for (const bad of ['', 'C N', 'CN=', '1cn', 'CN,DC', '1..2']) {
      expect(() => buildDn([[bad, 'x']], '')).toThrow(InvalidInputError);
    }
  });
});
