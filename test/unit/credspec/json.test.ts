import { JsonParseFailure, MAX_JSON_DEPTH, childPath, parseJson } from '../../../src/credspec/json';
import { CONTOSO_WEBAPP01_JSON } from './fixtures';

function fail(text: string): JsonParseFailure {
  const r = parseJson(text);
  if (r.ok) throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
  return r;
}

describe('parseJson: valid documents', () => {
  test.each([
    ['{}', {}],
    ['[]', []],
    [' \t\r\n{ "a" : [ 1 , -2.5e+3 , 0 , 0.25 , 1E2 ] }\n', { a: [1, -2500, 0, 0.25, 100] }],
    ['"x"', 'x'],
    ['true', true],
    ['false', false],
    ['null', null],
    ['-0', -0],
    ['"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00"', '" \\ / \b \f \n \r \t é 😀'],
    ['{"nested":{"deeper":[{"k":"v"}]}}', { nested: { deeper: [{ k: 'v' }] } }],
  ])('%j', (text, expected) => {
    const r = parseJson(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toEqual(expected);
  });

  test('agrees with JSON.parse on a real spec', () => {
    const r = parseJson(CONTOSO_WEBAPP01_JSON);
    expect(r.ok && r.value).toEqual(JSON.parse(CONTOSO_WEBAPP01_JSON));
  });

  test('a "__proto__" key is an ordinary own property', () => {
    const r = parseJson('{"__proto__": {"polluted": true}, "a": 1}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(r.value).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
  });

  test('duplicate keys: reported with path and position, last value wins', () => {
    const r = parseJson('{\n  "a": {"x": 1,\n   "x": 2},\n  "a": 3\n}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({ a: 3 });
    expect(r.duplicateKeys).toEqual([
      { path: '$.a.x', key: 'x', line: 3, column: 4 },
      { path: '$.a', key: 'a', line: 4, column: 3 },
    ]);
  });

  test('locations of keys and values', () => {
    const r = parseJson('{\n  "a": [10, {"b": true}],\n  "two words": null\n}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.locations.get('$')?.value).toEqual({ line: 1, column: 1, offset: 0 });
    expect(r.locations.get('$.a')).toEqual({ key: { line: 2, column: 3, offset: 4 }, value: { line: 2, column: 8, offset: 9 } });
    expect(r.locations.get('$.a[0]')?.value).toMatchObject({ line: 2, column: 9 });
    expect(r.locations.get('$.a[1].b')?.value).toMatchObject({ line: 2, column: 19 });
    expect(r.locations.get('$["two words"]')?.key).toMatchObject({ line: 3, column: 3 });
  });

  test('childPath', () => {
    expect(childPath('$', 'Sid')).toBe('$.Sid');
    expect(childPath('$.a', 'b c')).toBe('$.a["b c"]');
    expect(childPath('$', '1x')).toBe('$["1x"]');
    expect(childPath('$', '"')).toBe('$["\\""]');
  });
});

describe('parseJson: errors are positioned and worded for people', () => {
  test.each<[string, string, number, number]>([
    ['', 'unexpected end of input', 1, 1],
    ['   \n  ', 'unexpected end of input', 2, 3],
    ['{"a": 1,}', "trailing comma before '}'", 1, 9],
    ['[1, 2,]', "trailing comma before ']'", 1, 7],
    ['{"a": 1 "b": 2}', "expected ',' or '}' after a property value", 1, 9],
    ['{"a": 1 x}', "expected ',' or '}' after a property value, found 'x'", 1, 9],
    ['[1 2]', "expected ',' or ']' after an array element, found '2'", 1, 4],
    ['{"a": "abc', 'unterminated string', 1, 7],
    ['{"a": "abc\n"}', 'unterminated string', 1, 7],
    ['{"a":\n  [1, 2\n', "unexpected end of input: expected ',' or ']' after an array element", 3, 1],
    ['{"a": 1', "unexpected end of input: expected ',' or '}' after a property value", 1, 8],
    ['{"a"', "expected ':' after the property name \"a\"", 1, 5],
    ['{"a" 1}', "expected ':' after the property name \"a\", found '1'", 1, 6],
    ['{"a":}', 'expected a value for "a"', 1, 6],
    ['{\r\n"a": tru}', 'unexpected word "tru"', 2, 6],
    ['{"a": True}', 'JSON literals are written in lower case', 1, 7],
    ['NaN', 'NaN is not a JSON value', 1, 1],
    ['// comment\n{}', 'comments are not allowed', 1, 1],
    ['{"a": 1 /* c */}', 'comments are not allowed', 1, 9],
    ["{'a': 1}", 'single quotes', 1, 2],
    ['{"a": \'x\'}', 'single-quoted strings', 1, 7],
    ['{a: 1}', 'property names must be in double quotes', 1, 2],
    ['{,}', "expected a property name in double quotes or '}', found ','", 1, 2],
    ['[01]', 'leading zeros', 1, 2],
    ['[-]', "expected a digit after '-'", 1, 3],
    ['[1.]', 'expected a digit after the decimal point', 1, 4],
    ['[1e]', 'expected a digit in the exponent', 1, 4],
    ['[+1]', "cannot start with '+'", 1, 2],
    ['[.5]', "cannot start with '.'", 1, 2],
    ['["\\x"]', 'invalid escape sequence', 1, 3],
    ['["\\u12G4"]', 'invalid \\u escape', 1, 3],
    ['["a\tb"]', 'control character U+0009 must be escaped', 1, 4],
    ['{} x', 'unexpected content after the JSON value', 1, 4],
    ['{}}', 'unexpected content after the JSON value', 1, 3],
    ['[1,,2]', 'another comma', 1, 4],
    ['\ufeff{}', 'byte order mark', 1, 1],
    ['{"a":\u00a01}', 'not JSON white space', 1, 6],
    ['["CONTOSO\\webapp01"]', 'invalid escape sequence', 1, 10],
  ])('%j → %s at %i:%i', (text, message, line, column) => {
    const r = fail(text);
    expect(r.message).toContain(message);
    expect([r.line, r.column]).toEqual([line, column]);
    expect(r.offset).toBeGreaterThanOrEqual(0);
    expect(r.offset).toBeLessThanOrEqual(text.length);
  });

  test('hints tell what to do for common mistakes', () => {
    expect(fail('{"a": 1,}').hint).toMatch(/remove the comma/i);
    expect(fail('["CONTOSO\\webapp01"]').hint).toMatch(/doubled/);
    expect(fail('{"a": 1 "b": 2}').hint).toMatch(/comma is probably missing/);
  });

  test('nesting is capped without crashing', () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(parseJson(ok).ok).toBe(true);
    const tooDeep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    const r = fail(tooDeep);
    expect(r.message).toContain(`deeper than ${MAX_JSON_DEPTH}`);
    expect(r.column).toBe(MAX_JSON_DEPTH + 1);
    expect(fail('{"a":'.repeat(200000)).message).toContain('deeper than');
    expect(fail('['.repeat(1_000_000)).message).toContain('deeper than');
  });

  test('a configurable depth', () => {
    expect(parseJson('[[1]]', { maxDepth: 1 }).ok).toBe(false);
    expect(parseJson('[[1]]', { maxDepth: 2 }).ok).toBe(true);
  });

  test('non-string input does not throw', () => {
    expect(parseJson(undefined as unknown as string).ok).toBe(false);
    expect(parseJson(42 as unknown as string).ok).toBe(false);
  });
});
