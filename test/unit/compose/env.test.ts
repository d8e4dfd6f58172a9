/** Compose's interpolation and the .env format. */
import { interpolate, parseDotEnv } from '../../../src/compose/env';

describe('interpolate', () => {
  const env: Record<string, string> = { A: 'a', EMPTY: '' };
  const lookup = (n: string): string | undefined => env[n];
  test.each([
    ['$A and ${A}', 'a and a'],
    ['$$A', '$A'],
    ['${MISSING:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${MISSING-${A}x}', 'ax'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${A?boom}', 'a'],
  ])('%s', (text, want) => {
    expect(interpolate(text, lookup).value).toBe(want);
  });

  test('unset variables are reported; required ones and bad syntax throw', () => {
    expect(interpolate('x${NOPE}y', lookup)).toEqual({ value: 'xy', unset: ['NOPE'] });
    expect(() => interpolate('${NOPE:?set it}', lookup)).toThrow(/required variable NOPE is missing a value: set it/);
    expect(() => interpolate('${EMPTY:?}', lookup)).toThrow(/required variable EMPTY/);
    expect(() => interpolate('${}', lookup)).toThrow(/invalid interpolation format/);
    expect(() => interpolate('${A', lookup)).toThrow(/no closing brace/);
    expect(() => interpolate('cost $5', lookup)).toThrow(/must be written \$\$/);
  });
});

test('parseDotEnv', () => {
  const text = '# comment\nexport A=1\nB = two words # note\nC="quoted # not a comment\\n${A}"\nD=\'${A} literal\'\nE=${A}-${OUTER}\n\nF="multi\nline"\n';
  const vars = parseDotEnv(text, (n) => (n === 'OUTER' ? 'o' : undefined), '.env');
  expect(Object.fromEntries(vars)).toEqual({ A: '1', B: 'two words', C: 'quoted # not a comment\n1', D: '${A} literal', E: '1-o', F: 'multi\nline' });
  expect(() => parseDotEnv('not a line\n', () => undefined, '.env')).toThrow(/\.env:1: unexpected "not a line"/);
});
