/**
 * Completion placement and fixed values, with no engine and no directory (those lookups, through the real
 * docker CLI, the stand-in engine and the lab DC, are in test/e2e/complete.test.ts): what the partial word
 * is the value of, and that a lookup that cannot answer gives nothing, quietly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../../../src/cli/deps';
import { emptyGlobals } from '../../../src/engine/globals';
import { complete, Directive } from '../../../src/cli/complete';
import { tempDir } from '../../support/cli';

function deps(env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Deps & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    io: { out: () => undefined, err: (s) => void errors.push(s), readStdin: async () => Buffer.alloc(0) },
    env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', ...env },
    globals: emptyGlobals(),
    cwd,
    platform: 'linux',
    homedir: '/nonexistent',
    self: { path: '/x', packaged: false },
    version: '0.0.0',
    engine: () => Promise.reject(new Error('the test gives no engine')),
  };
}

async function values(words: string[], d: Deps = deps()): Promise<{ values: string[]; directive: number }> {
  const lines = (await complete(words, d, false)).trimEnd().split('\n');
  const last = lines.pop() as string;
  expect(last).toMatch(/^:\d+$/);
  return { values: lines, directive: Number(last.slice(1)) };
}

describe('completion', () => {
  test('exec: our flags and docker exec\'s (not --user) before CONTAINER; nothing after it', async () => {
    const flags = (await values(['exec', '-it', '--'])).values;
    expect(flags).toEqual(expect.arrayContaining(['--system', '--network-service', '--dry-run', '--help', '--detach', '--detach-keys', '--env', '--env-file', '--interactive', '--privileged', '--tty', '--workdir']));
    expect(flags).not.toContain('--user');
    expect(new Set(flags).size).toBe(flags.length);
    expect(await values(['exec', 'web1', '--'])).toEqual({ values: [], directive: Directive.NoFileComp });
    expect(await values(['exec', '-e', 'A=1', 'web1', 'cmd', ''])).toEqual({ values: [], directive: Directive.NoFileComp });
  });

  test('exec: the value of a docker exec flag is not CONTAINER; --env-file takes files', async () => {
    expect(await values(['exec', '--env-file', ''])).toEqual({ values: [], directive: Directive.Default });
    expect(await values(['exec', '-it', '--env-file=v'])).toEqual({ values: [], directive: Directive.Default });
    expect(await values(['exec', '-ite', ''])).toEqual({ values: [], directive: Directive.NoFileComp });
    expect(await values(['exec', '-w', ''])).toEqual({ values: [], directive: Directive.NoFileComp });
  });

  test('fixed values: --spec-mode, --isolation (ours, and docker run\'s after ACCOUNT), --format; --flag=partial', async () => {
    expect((await values(['run', '--spec-mode', ''])).values).toEqual(['auto', 'file', 'raw']);
    expect((await values(['run', '--spec-mode=r'])).values).toEqual(['raw']);
    expect((await values(['run', 'webapp01', '-d', '--name', 'x', '--isolation', ''])).values).toEqual(['process', 'hyperv', 'default']);
    expect((await values(['run', 'webapp01', '--isolation=h'])).values).toEqual(['hyperv']);
    expect((await values(['service', 'create', 'webapp01', '--isolation', 'p'])).values).toEqual(['process']);
    expect((await values(['servicefabric', 'webapp01', '--isolation', ''])).values).toEqual(['process', 'hyperv', 'default']);
    expect((await values(['spec', 'ls', '--format', ''])).values).toEqual(['table', 'json']);
    // after ACCOUNT, docker run's --spec-mode-looking words are docker's
    expect((await values(['run', 'webapp01', '--spec-mode', ''])).values).toEqual([]);
  });

  test('--spec: spec files here (names from the store when the engine answers); paths left to the shell', async () => {
    const dir = tempDir('complete-spec');
    writeFileSync(join(dir, 'contoso_web.json'), '{}');
    writeFileSync(join(dir, 'notes.txt'), '');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'x.json'), '{}');
    const d = deps({}, dir);
    expect(await values(['run', '--spec', ''], d)).toEqual({ values: ['contoso_web.json'], directive: Directive.NoFileComp });
    expect(await values(['k8s', 'webapp01', '--spec', 'sub/'], d)).toEqual({ values: ['sub/x.json'], directive: Directive.NoFileComp });
    expect(await values(['run', '--spec', 'su'], d)).toEqual({ values: [], directive: Directive.Default });
  });

  test('lookups that cannot answer give nothing and say nothing: no engine, no directory, an unreachable one', async () => {
    const d = deps();
    expect(await values(['exec', ''], d)).toEqual({ values: [], directive: Directive.NoFileComp });
    expect(await values(['verify', ''], d)).toEqual({ values: [], directive: Directive.NoFileComp });
    expect(await values(['spec', 'rm', ''], d)).toEqual({ values: [], directive: Directive.NoFileComp });
    expect(await values(['run', ''], d)).toEqual({ values: [], directive: Directive.NoFileComp });
    const unreachable = deps({ GMSA_LDAP_URL: 'ldaps://127.0.0.1:1', GMSA_LDAP_USER: 'x@contoso.com', GMSA_LDAP_PASSWORD: 'p' });
    expect(await values(['account', 'show', ''], unreachable)).toEqual({ values: [], directive: Directive.NoFileComp });
    expect(await values(['configs', 'prune', '--account', ''], unreachable)).toEqual({ values: [], directive: Directive.NoFileComp });
    expect([...d.errors, ...unreachable.errors]).toEqual([]);
  });

  test('commands still complete as before', async () => {
    expect((await values(['sp'])).values).toEqual(['spec']);
    expect((await values(['spec', 'create', '--no'])).values).toEqual(['--no-clobber']);
    expect((await values(['account', ''])).values).toEqual(expect.arrayContaining(['create', 'ls', 'show']));
  });
});
