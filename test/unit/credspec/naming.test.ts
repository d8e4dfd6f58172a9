import { InvalidInputError } from '../../../src/errors';
import { MAX_SPEC_NAME_LENGTH, checkSpecName, defaultSpecFileName, isReservedDeviceName, specNameFromArg } from '../../../src/credspec/naming';

function refusal(name: string): InvalidInputError {
  try {
    checkSpecName(name);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error(`expected ${JSON.stringify(name)} to be refused`);
}

describe('defaultSpecFileName', () => {
  test.each([
    ['CONTOSO', 'WebApp01', 'contoso_webapp01.json'],
    ['CONTOSO', 'jason', 'contoso_jason.json'],
    ['CONTOSO', 'json', 'contoso_json.json'],
    ['CONTOSO', 'WebApp01$', 'contoso_webapp01.json'],
    ['CONTOSO', 'CONTOSO\\WebApp01$', 'contoso_webapp01.json'],
    ['Contoso', 'WebApp01@contoso.com', 'contoso_webapp01.json'],
    ['EMEA', 'Sons', 'emea_sons.json'],
  ])('%s + %s → %s', (nb, account, expected) => {
    expect(defaultSpecFileName(nb, account)).toBe(expected);
  });

  test('refuses bad inputs', () => {
    expect(() => defaultSpecFileName('contoso.com', 'a')).toThrow(InvalidInputError);
    expect(() => defaultSpecFileName('CONTOSO', 'a/b')).toThrow(InvalidInputError);
    expect(() => defaultSpecFileName('CONTOSO', '')).toThrow(InvalidInputError);
  });
});

describe('checkSpecName: accepted names', () => {
  test.each([
    ['contoso_webapp01', 'contoso_webapp01.json'],
    ['contoso_webapp01.json', 'contoso_webapp01.json'],
    ['WebApp.JSON', 'WebApp.JSON'],
    ['jason', 'jason.json'],
    ['web.app', 'web.app.json'],
    ['my spec', 'my spec.json'],
    ['..json', '..json'],
    ['.hidden', '.hidden.json'],
    ['x.json.bak', 'x.json.bak.json'],
    ['console', 'console.json'],
    ['com10', 'com10.json'],
    ['lpt', 'lpt.json'],
    ['nulls.json', 'nulls.json'],
    ['Jürgen', 'Jürgen.json'],
    ['a'.repeat(MAX_SPEC_NAME_LENGTH - 5), `${'a'.repeat(MAX_SPEC_NAME_LENGTH - 5)}.json`],
  ])('%j → %j', (name, expected) => {
    expect(checkSpecName(name)).toBe(expected);
  });
});

describe('checkSpecName: refused names', () => {
  const classes: [string, string[], string][] = [
    ['empty', [''], 'empty'],
    ['dot names', ['.', '..'], 'directory'],
    ['traversal', ['../x.json', '..\\x.json', 'a/../b', '..\\CredentialSpecsX\\x.json'], '..'],
    ['separators', ['a/b.json', 'a\\b.json', 'x/', 'dir\\'], 'separator'],
    ['absolute paths', ['/etc/passwd', '\\Windows\\x.json'], 'absolute'],
    ['UNC', ['\\\\server\\share\\x.json', '//server/share/x.json', '\\\\?\\C:\\x.json', '\\\\.\\NUL'], 'UNC'],
    ['drive letters', ['C:x.json', 'c:\\x.json', 'Z:'], 'drive letter'],
    ['colons / streams', ['x.json:stream', 'ab:c', 'file::$DATA'], "':'"],
    ['NUL', ['x\u0000.json'], 'NUL'],
    ['control characters', ['x\n.json', 'x\t', '\u001fx', 'x\u007f'], 'control character'],
    ['forbidden characters', ['a<b', 'a>b', 'a"b', 'a|b', 'a?b', 'a*b'], 'Windows does not allow'],
    ['lookalike separators', ['a\u2215b', 'a\uff0fb', 'a\uff3cb', 'a\uff1ab'], 'looks like'],
    ['trailing dot or space', ['x.', 'x ', 'x.json.', 'x.json ', '...'], 'ends with a dot or a space'],
    ['leading white space', [' x.json'], 'starts with white space'],
    ['nothing before .json', ['.json', '.JSON'], "nothing before '.json'"],
    [
      'reserved device names',
      ['nul', 'NUL.json', 'nul.json', 'Con.JSON', 'con', 'PRN', 'aux.tar.json', 'COM1', 'com0.json', 'LPT9.json', 'lpt¹', 'COM².json', 'com³', 'conin$', 'CONOUT$.json', 'nul .json'],
      'device name',
    ],
    ['too long', ['a'.repeat(MAX_SPEC_NAME_LENGTH - 4), 'b'.repeat(300)], 'longer than 255'],
    ['unpaired surrogates', ['a\ud800b', 'x\udc00'], 'unpaired'],
  ];

  test.each(classes)('%s', (_cls, names, words) => {
    for (const name of names) {
      const e = refusal(name);
      expect(e.message).toContain(JSON.stringify(name));
      expect(e.message).toContain(words);
      expect(e.hint).toBeTruthy();
    }
  });

  test('non-string input', () => {
    expect(() => checkSpecName(undefined as unknown as string)).toThrow(InvalidInputError);
  });
});

describe('isReservedDeviceName', () => {
  test.each([
    ['CON', true],
    ['con.json', true],
    ['Com1.x.json', true],
    ['LPT¹.json', true],
    ['nul .json', true],
    ['CONSOLE.json', false],
    ['com10.json', false],
    ['xnul.json', false],
  ])('%j → %s', (name, expected) => {
    expect(isReservedDeviceName(name)).toBe(expected);
  });
});

describe('specNameFromArg', () => {
  test.each([
    ['contoso_webapp01.json', 'contoso_webapp01.json'],
    ['contoso_webapp01', 'contoso_webapp01.json'],
    ['file://contoso_webapp01.json', 'contoso_webapp01.json'],
    ['FILE://x', 'x.json'],
    ['credentialspec=file://contoso_webapp01.json', 'contoso_webapp01.json'],
    ['CredentialSpec=FILE://x.json', 'x.json'],
  ])('%j → %j', (arg, expected) => {
    expect(specNameFromArg(arg)).toBe(expected);
  });

  test.each(['file://../x.json', 'file://C:\\x.json', 'file:///etc/x.json', 'file://', 'credentialspec=file://nul'])('refuses %j', (arg) => {
    expect(() => specNameFromArg(arg)).toThrow(InvalidInputError);
  });

  test.each(['registry://WebApp01', 'raw://{}', 'config://spec', 'credentialspec=registry://x'])('refuses non-file scheme %j', (arg) => {
    expect(() => specNameFromArg(arg)).toThrow(/not a file/);
  });
});
