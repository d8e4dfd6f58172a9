/** Help requests: `help [COMMAND...]` at any level, as docker forwards `docker help gmsa ...`; unknown topics are usage errors. */
import { runInProcess } from '../../support/in-process';

async function gmsa(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const r = await runInProcess(args);
  return { status: r.code, out: r.out, err: r.err };
}

describe('help [COMMAND...]', () => {
  test.each([
    [['gmsa', 'help'], /^Usage: docker gmsa \[docker global flags\] COMMAND/],
    [['help', 'gmsa'], /^Usage: docker gmsa \[docker global flags\] COMMAND/],
    [['gmsa', 'help', 'spec', 'create'], /^Usage: docker gmsa spec create /],
    [['help', 'gmsa', 'spec', 'create'], /^Usage: docker gmsa spec create /],
    [['gmsa', 'spec', 'help', 'create'], /^Usage: docker gmsa spec create /],
    [['gmsa', 'help', 'exec'], /^Usage: docker gmsa exec /],
    [['gmsa', 'help', 'compose', 'up'], /^Usage: docker gmsa compose /],
    [['gmsa', 'help', 'run', 'webapp01'], /^Usage: docker gmsa run /],
  ])('%j shows the help of the command named, exit 0', async (args, usage) => {
    const r = await gmsa(...args);
    expect(r).toMatchObject({ status: 0, err: '' });
    expect(r.out).toMatch(usage);
  });

  test('the root help carries its epilog, with or without help', async () => {
    for (const args of [['gmsa'], ['gmsa', 'help']]) expect((await gmsa(...args)).out).toContain("Run 'docker gmsa COMMAND --help'");
  });

  test.each([
    [['gmsa', 'help', 'nosuch'], "Error: unknown command 'nosuch'\nHint: See 'docker gmsa --help'.\n"],
    [['help', 'gmsa', 'nosuch'], "Error: unknown command 'nosuch'\nHint: See 'docker gmsa --help'.\n"],
    [['gmsa', 'help', 'sepc'], "Error: unknown command 'sepc'\n(Did you mean spec?)\nHint: See 'docker gmsa --help'.\n"],
    [['help', 'gmsa', 'spec', 'crate'], "Error: unknown command 'crate'\n(Did you mean create?)\nHint: See 'docker gmsa spec --help'.\n"],
    [['gmsa', 'account', 'help', 'sho'], "Error: unknown command 'sho'\n(Did you mean show?)\nHint: See 'docker gmsa account --help'.\n"],
  ])('%j is a usage error naming the unknown command (exit 2)', async (args, err) => {
    expect(await gmsa(...args)).toEqual({ status: 2, out: '', err });
  });

  test('the suggestion is the one the command line itself gives for the same typo', async () => {
    const typed = await gmsa('gmsa', 'sepc');
    const asked = await gmsa('gmsa', 'help', 'sepc');
    expect(asked).toEqual(typed);
  });
});

describe('the tree for one command', () => {
  test('each entry of the command table registers exactly its command, and the whole tree is the table in order', () => {
    const { buildProgram, COMMAND_NAMES } = require('../../../src/cli/program') as typeof import('../../../src/cli/program');
    const deps = {} as import('../../../src/cli/deps').Deps;
    expect(buildProgram(deps).commands.map((c) => c.name())).toEqual(COMMAND_NAMES);
    for (const name of COMMAND_NAMES) expect(buildProgram(deps, name).commands.map((c) => c.name())).toEqual([name]);
  });

  test.each([
    ['spec', () => (require('../../../src/cli/spec') as typeof import('../../../src/cli/spec')).SPEC_COMMANDS],
    ['account', () => (require('../../../src/cli/account') as typeof import('../../../src/cli/account')).ACCOUNT_COMMANDS],
  ])('%s: each subcommand named after it is registered alone, anything else gets the whole group in table order', (group, table) => {
    const { buildProgram } = require('../../../src/cli/program') as typeof import('../../../src/cli/program');
    const deps = {} as import('../../../src/cli/deps').Deps;
    const names = table().map(([name]) => name);
    const subs = (next?: string): string[] => (buildProgram(deps, group, next).commands[0]?.commands ?? []).map((c) => c.name());
    expect(names.length).toBeGreaterThan(3);
    for (const next of [undefined, '--help', 'help', 'nosuch', 'list']) expect(subs(next)).toEqual(names);
    for (const name of names) expect(subs(name)).toEqual([name]);
  });

  test('a run of one subcommand parses and fails as it does with the whole group registered', async () => {
    // the usage errors of spec create, now built without the rest of spec
    const one = await gmsa('gmsa', 'spec', 'create', 'webapp01', '--offline', '--domain-dns', 'contoso.com');
    expect(one.status).toBe(2);
    expect(one.err).toContain('--offline needs --netbios, --domain-sid, --domain-guid');
    const unknown = await gmsa('gmsa', 'spec', 'create', 'webapp01', '--rot', '/tmp');
    expect(unknown).toMatchObject({ status: 2 });
    expect(unknown.err).toContain("unknown option '--rot'");
    expect(unknown.err).toContain('(Did you mean --root?)');
    expect(unknown.err).toContain("See 'docker gmsa spec create --help'.");
  });
});
