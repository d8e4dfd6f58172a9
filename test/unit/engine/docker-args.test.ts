/**
 * Reading docker's own arguments as the docker CLI (pflag, interspersed off) reads them; for exec, our
 * flags mixed among docker exec's before CONTAINER.
 */
import { allValues, DOCKER_EXEC_FLAGS, lastValue, parseExecArgs, splitExecArgs } from '../../../src/engine/docker-args';
import { EXEC_OWN_FLAGS } from '../../../src/engine/run-plan';
import { UsageError } from '../../../src/errors';

const split = (args: string[]) => splitExecArgs(args, EXEC_OWN_FLAGS);

describe('docker exec arguments with our flags among them', () => {
  test('our flags are taken out wherever they stand before CONTAINER; docker options stay as given, in order', () => {
    const args = [
      '-it',
      '--dry-run',
      '-e',
      'X=1',
      '-eY=2',
      '-e=W=4',
      '--env=Z=3',
      '--system',
      '-w',
      'C:\\app',
      '--workdir=C:\\x',
      '--env-file',
      'vars.env',
      '--privileged',
      '--detach-keys',
      'ctrl-x,x',
      '-d',
      '--interactive',
      '--tty',
      '--detach',
      'webapp01-ab12',
      'cmd',
      '/c',
      '--system',
      '-h',
    ];
    const s = split(args);
    expect([...s.own].sort()).toEqual(['dry-run', 'system']);
    expect(s.dockerArgs).toEqual(args.filter((_, i) => i !== 1 && i !== 7));
    expect(s.parsed.target).toBe('webapp01-ab12');
    expect(s.parsed.rest).toEqual(['cmd', '/c', '--system', '-h']);
    expect(allValues(s.parsed, 'env')).toEqual(['X=1', 'Y=2', 'W=4', 'Z=3']);
    expect(lastValue(s.parsed, 'workdir')).toBe('C:\\x');
    expect(lastValue(s.parsed, 'env-file')).toBe('vars.env');
    expect(lastValue(s.parsed, 'detach-keys')).toBe('ctrl-x,x');
    expect(s.parsed.options.map((o) => o.name)).toEqual(expect.arrayContaining(['i', 't', 'd', 'privileged', 'interactive', 'tty', 'detach']));
  });

  test('bundled short flags, with a value flag last in the bundle taking the rest or the next word', () => {
    expect(split(['-dit', 'c1', 'cmd']).parsed.options.map((o) => o.name)).toEqual(['d', 'i', 't']);
    const s = split(['-ie', 'A=1', '-tuadmin', 'c1', 'cmd']);
    expect(s.parsed.options).toEqual([{ name: 'i' }, { name: 'env', value: 'A=1' }, { name: 't' }, { name: 'user', value: 'admin' }]);
    expect(s.dockerArgs).toEqual(['-ie', 'A=1', '-tuadmin', 'c1', 'cmd']);
  });

  test('a value that looks like one of our flags is the value of the docker flag before it', () => {
    const s = split(['-e', '--system', '--workdir', '--dry-run', 'c1', 'cmd']);
    expect(s.own.size).toBe(0);
    expect(lastValue(s.parsed, 'env')).toBe('--system');
    expect(lastValue(s.parsed, 'workdir')).toBe('--dry-run');
    expect(s.parsed.target).toBe('c1');
  });

  test('nothing after CONTAINER, or after --, is read as an option', () => {
    expect(split(['c1', '--system', '--dry-run', '-it'])).toMatchObject({ own: new Set(), dockerArgs: ['c1', '--system', '--dry-run', '-it'] });
    const s = split(['--system', '--', '--dry-run', 'cmd']);
    expect([...s.own]).toEqual(['system']);
    expect(s.dockerArgs).toEqual(['--', '--dry-run', 'cmd']);
    expect(s.parsed.target).toBe('--dry-run');
  });

  test('--help or -h before CONTAINER asks for help, even before CONTAINER is given; after it, it is the command\'s', () => {
    expect(split(['-it', '--help']).own.has('help')).toBe(true);
    expect(split(['-ih']).own.has('help')).toBe(true);
    expect(split(['-h', 'c1', 'cmd']).own.has('help')).toBe(true);
    expect(split(['c1', 'cmd', '--help']).own.has('help')).toBe(false);
  });

  test('usage errors: our flags take no value, unknown shorthands, a value flag without its value, no CONTAINER', () => {
    expect(() => split(['--system=true', 'c1', 'cmd'])).toThrow(/--system takes no value/);
    expect(() => split(['-Z', 'c1', 'cmd'])).toThrow(UsageError);
    expect(() => split(['-it', '-e'])).toThrow(/flag needs an argument: -e/);
    expect(() => split(['--env-file'])).toThrow(/flag needs an argument: --env-file/);
    expect(() => split(['-it', '--system'])).toThrow(/missing CONTAINER/);
  });

  test('every docker exec flag of docker CLI 28 is in the grammar', () => {
    expect(DOCKER_EXEC_FLAGS.map((f) => (f.short ? `-${f.short}, --${f.name}` : `--${f.name}`))).toEqual([
      '-d, --detach',
      '--detach-keys',
      '-e, --env',
      '--env-file',
      '-i, --interactive',
      '--privileged',
      '-t, --tty',
      '-u, --user',
      '-w, --workdir',
    ]);
    // without our flags, the plain reader sees the same
    expect(parseExecArgs(['-w', 'C:\\', 'c1', 'cmd'])).toEqual({ options: [{ name: 'workdir', value: 'C:\\' }], target: 'c1', rest: ['cmd'] });
  });
});
