/** The error contract of every command: `Error: <what>`, a hint line, exit 1 (usage 2), no stack unless -D. */
import { fakeProcess } from '../../support/in-process';
import { renderError, REPORT_HINT, runMain, type Process } from '../../../src/cli/entry';
import { InvalidInputError, UsageError } from '../../../src/errors';

describe('renderError', () => {
  test('a reported error: message and hint, no stack', () => {
    const text = renderError(new InvalidInputError('bad name "x"', 'Use a plain file name.'), false);
    expect(text).toBe('Error: bad name "x"\nHint: Use a plain file name.\n');
  });

  test('an unexpected exception says it is a bug, and shows the stack only with -D', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(renderError(bug, false)).toBe(`Error: unexpected failure: cannot read properties of undefined\n${REPORT_HINT}\n`);
    expect(renderError(bug, true)).toContain('at ');
  });
});

describe('runMain', () => {
  test('version prints without touching the engine and exits 0', async () => {
    const f = fakeProcess({ DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(await runMain(['gmsa', 'version', '--format', '{{.Version}}'], f.proc)).toBe(0);
    expect(f.out()).toBe('9.9.9\n');
  });

  test('--format templates: a template that does not parse exits 2, a missing field exits 1, neither prints output', async () => {
    const bad = fakeProcess();
    expect(await runMain(['gmsa', 'version', '--format', '{{.Version'], bad.proc)).toBe(2);
    expect(bad.err()).toMatch(/^Error: invalid --format template '\{\{\.Version': template: :1: unclosed action\nHint: /);
    expect(bad.out()).toBe('');
    for (const field of ['Nope', 'constructor', '__proto__']) {
      const f = fakeProcess();
      expect(await runMain(['gmsa', 'version', '--format', `{{.Version}} {{.${field}}}`], f.proc)).toBe(1);
      expect(f.err()).toBe(
        `Error: cannot apply --format template '{{.Version}} {{.${field}}}': template: :1:15: executing "" at <.${field}>: can't evaluate field ${field}\n` +
          'Hint: The fields there are: Version, Node, Platform, Packaged, Form, Path (see --format json).\n',
      );
      expect(f.out()).toBe('');
    }
    const ok = fakeProcess();
    expect(await runMain(['gmsa', 'version', '--format', '{{.Version | printf "%-7s"}}|{{json .Packaged}}|{{if .Packaged}}exe{{else}}node{{end}}'], ok.proc)).toBe(0);
    expect(ok.out()).toBe('9.9.9  |false|node\n');
  });

  test('usage errors exit 2 and name the command to get help for', async () => {
    const f = fakeProcess();
    expect(await runMain(['gmsa', 'spec', 'ls', '--bogus'], f.proc)).toBe(2);
    expect(f.err()).toBe("Error: unknown option '--bogus'\nHint: See 'docker gmsa spec ls --help'.\n");
  });

  test('reported errors exit 1', async () => {
    const f = fakeProcess();
    expect(await runMain(['gmsa', 'spec', 'rm', '../x', '--root', '/tmp'], f.proc)).toBe(1);
    expect(f.err()).toMatch(/^Error: invalid credential spec name "\.\.\/x"/);
    expect(f.err()).toMatch(/\nHint: /);
  });

  test('a malformed global flag is a usage error too', async () => {
    const f = fakeProcess();
    expect(await runMain(['--log-level', 'loud', 'gmsa', 'version'], f.proc)).toBe(2);
    expect(f.err()).toMatch(/^Error: unable to parse logging level: loud/);
  });

  test('error classes map to exit codes in one place', async () => {
    const { exitCodeFor } = await import('../../../src/errors');
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new InvalidInputError('x'))).toBe(1);
  });
});
