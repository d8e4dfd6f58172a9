/** The command line of docker gmsa stack deploy, and the docker stack deploy command it runs. */
import { parseStackArgs, stackDeployArgv } from '../../../src/compose/stack-args';
import { UsageError } from '../../../src/errors';

describe('stack deploy arguments', () => {
  test('our options anywhere, -c in every spelling, STACK and the rest passed on', () => {
    const a = parseStackArgs(['-c', 'a.yaml', '--compose-file=b.yaml', '-cc.yaml', '--prune', '--dry-run', '--resolve-image', 'never', 'web', '--windows-build', '14393', '--root=/r', '--force', '-d']);
    expect(a).toEqual({ dryRun: true, force: true, windowsBuild: 14393, root: '/r', files: ['a.yaml', 'b.yaml', 'c.yaml'], stack: 'web', options: ['--prune', '--resolve-image', 'never', '-d'] });
    expect(stackDeployArgv(['/t/a.yaml'], a)).toEqual(['stack', 'deploy', '-c', '/t/a.yaml', '--prune', '--resolve-image', 'never', '-d', 'web']);
  });

  test('usage errors: no STACK, two STACKs, no -c, a bad build', () => {
    expect(() => parseStackArgs(['-c', 'a.yaml'])).toThrow(/needs the STACK name/);
    expect(() => parseStackArgs(['-c', 'a.yaml', 'x', 'y'])).toThrow(/takes one STACK/);
    expect(() => parseStackArgs(['web'])).toThrow(/needs the compose file/);
    expect(() => parseStackArgs(['-c', 'a.yaml', '--windows-build', '2019', 'web'])).toThrow(/invalid --windows-build/);
    expect(() => parseStackArgs(['-c'])).toThrow(UsageError);
  });
});
