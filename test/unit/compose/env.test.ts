/** The command line of docker gmsa compose, compose's interpolation and the .env format. */
import { parseComposeArgs, scaleOverrides } from '../../../src/compose/args';
import { interpolate, parseDotEnv } from '../../../src/compose/env';
import { normalizeProjectName, stableHostname } from '../../../src/compose/plan';
import { UsageError } from '../../../src/errors';

describe('parseComposeArgs', () => {
  test('our options, compose globals and the command', () => {
    const a = parseComposeArgs(['--dry-run', '-f', 'a.yaml', '--file=b.yaml', '-fc.yaml', '-p', 'shop', '--root', 'R', '--profile', 'debug', '--env-file', '.env.prod', '--project-directory', 'x', '--compatibility', 'up', '-d', '--dry-run']);
    expect(a.dryRun).toBe(true);
    expect(a.root).toBe('R');
    expect(a.files).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
    expect(a.projectName).toBe('shop');
    expect(a.projectDirectory).toBe('x');
    expect(a.profiles).toEqual(['debug']);
    expect(a.envFiles).toEqual(['.env.prod']);
    expect(a.globals).toEqual(['-p', 'shop', '--profile', 'debug', '--env-file', '.env.prod', '--compatibility']);
    expect(a.command).toEqual(['up', '-d', '--dry-run']);
    expect(a.passthrough).toEqual(['-f', 'a.yaml', '--file=b.yaml', '-fc.yaml', '-p', 'shop', '--profile', 'debug', '--env-file', '.env.prod', '--project-directory', 'x', '--compatibility', 'up', '-d', '--dry-run']);
  });

  test('--spec-mode is checked; a flag without its value is a usage error', () => {
    expect(parseComposeArgs(['--spec-mode=raw', 'ps']).specMode).toBe('raw');
    expect(() => parseComposeArgs(['--spec-mode', 'inline'])).toThrow(UsageError);
    expect(() => parseComposeArgs(['-f'])).toThrow(/flag needs an argument: -f/);
  });

  test('--scale of up', () => {
    expect([...scaleOverrides(['up', '-d', '--scale', 'web=3', '--scale=api=2'])]).toEqual([['web', 3], ['api', 2]]);
    expect(scaleOverrides(['ps', '--scale', 'web=3']).size).toBe(0);
  });
});

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

test('stable hostnames: at most 15 characters, the same for the same project and service, else different', () => {
  const a = stableHostname('shop', 'webapp01-longname', 'web');
  expect(a).toMatch(/^webapp01-l-[0-9a-f]{4}$/);
  expect(a.length).toBeLessThanOrEqual(15);
  expect(stableHostname('shop', 'webapp01-longname', 'web')).toBe(a);
  expect(stableHostname('shop', 'webapp01-longname', 'api')).not.toBe(a);
  expect(stableHostname('other', 'webapp01-longname', 'web')).not.toBe(a);
  expect(normalizeProjectName('My App.2')).toBe('myapp2');
});
