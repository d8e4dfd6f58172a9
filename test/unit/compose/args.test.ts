/** The command line of docker gmsa compose. */
import { parseComposeArgs, scaleOverrides } from '../../../src/compose/args';
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
