/**
 * Completion through the real docker CLI (`docker __complete ...`, what the shell scripts docker
 * generates run): the values come from the engine the user's global flags pick (the docker CLI does not
 * pass them on; the plugin reads them from its caller), from the store of that engine, and from the lab's
 * domain controller; an engine or a directory that does not answer gives nothing, quietly.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, socketPath, tempDir } from '../support/cli';
import { labDc, labDescribe } from '../support/lab';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

const APP = 'local/app:1';
const config = tempDir('complete-cfg');
const env = cleanEnv({ DOCKER_CONFIG: config });
const engines: WindowsEngineHandle[] = [];

/** Candidate values (descriptions dropped) and the directive of a `docker __complete` answer. */
async function completion(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ values: string[]; directive: string; lines: string[] }> {
  const r = await docker(args, { ...env, ...extraEnv });
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  const directive = lines.pop() as string;
  expect(directive).toMatch(/^:\d+$/);
  // the plugin says nothing on stderr; the docker CLI adds its own "Completion ended with directive" line
  expect(r.stderr.replace(/^Completion ended with directive: .*$/gm, '').trim()).toBe('');
  return { values: lines.map((l) => l.split('\t')[0] as string), directive, lines };
}

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

describe('completion values from the engine the global flags pick', () => {
  beforeAll(async () => {
    expect((await plugin(['install'], env)).status).toBe(0);
    for (const [ctx, container, spec] of [
      ['one', 'alpha1', 'webapp01'],
      ['two', 'beta2', 'api01'],
    ] as const) {
      const root = tempDir(`complete-root-${ctx}`);
      mkdirSync(join(root, 'CredentialSpecs'));
      const e = await startWindowsEngine({ socketPath: socketPath(ctx), fixture: 'windows-20348-engine-24.0', rootDir: root });
      engines.push(e);
      expect((await docker(['context', 'create', ctx, '--docker', `host=unix://${e.socketPath}`], env)).status).toBe(0);
      expect((await plugin(['spec', 'create', spec, ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
      expect((await docker(['--context', ctx, 'run', '-d', '--name', container, APP, 'ping', '-t', 'localhost'], env)).status).toBe(0);
    }
  });

  test('exec and verify complete running containers of that engine: --context, -H, or DOCKER_CONTEXT', async () => {
    expect(await completion(['__complete', '--context', 'one', 'gmsa', 'exec', ''])).toMatchObject({ values: ['alpha1'], directive: ':4' });
    expect((await completion(['--context', 'two', '__complete', 'gmsa', 'exec', '-it', '-e', 'A=1', '--system', ''])).values).toEqual(['beta2']);
    expect((await completion(['__complete', '-H', `unix://${engines[1]!.socketPath}`, 'gmsa', 'verify', 'b'])).values).toEqual(['beta2']);
    expect((await completion(['__complete', 'gmsa', 'exec', ''], { DOCKER_CONTEXT: 'one' })).values).toEqual(['alpha1']);
    // after CONTAINER: the command, nothing to offer
    expect((await completion(['__complete', '--context', 'one', 'gmsa', 'exec', 'alpha1', ''])).values).toEqual([]);
  });

  test('descriptions follow the caller: __complete has them, __completeNoDesc not', async () => {
    expect((await completion(['__complete', '--context', 'one', 'gmsa', 'exec', ''])).lines).toEqual([`alpha1\t${APP}`]);
    expect((await completion(['__completeNoDesc', '--context', 'one', 'gmsa', 'exec', ''])).lines).toEqual(['alpha1']);
  });

  test('--spec completes the spec names of that engine\'s store, then spec files here', async () => {
    expect((await completion(['__complete', '--context', 'one', 'gmsa', 'run', '--spec', 'contoso_'])).values).toEqual(['contoso_webapp01.json']);
    expect((await completion(['__complete', '--context', 'two', 'gmsa', 'run', '--spec', 'contoso_'])).values).toEqual(['contoso_api01.json']);
    const here = tempDir('complete-here');
    writeFileSync(join(here, 'mine.json'), '{}');
    const r = await new Promise<string>((resolve, reject) =>
      execFile('docker', ['__complete', '--context', 'one', 'gmsa', 'k8s', 'webapp01', '--spec', ''], { env, cwd: here }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(r.split('\n').map((l) => l.split('\t')[0])).toEqual(['contoso_webapp01.json', 'mine.json', ':4', '']);
  });

  test('fixed values: --spec-mode, --isolation (ours and docker run\'s), with --flag=partial as cobra gives it', async () => {
    expect((await completion(['__complete', 'gmsa', 'run', '--spec-mode', ''])).values).toEqual(['auto', 'file', 'raw']);
    expect((await completion(['__complete', 'gmsa', 'run', 'webapp01', '-d', '--isolation', ''])).values).toEqual(['process', 'hyperv', 'default']);
    expect((await completion(['__complete', 'gmsa', 'run', 'webapp01', '--isolation=hy'])).values).toEqual(['hyperv']);
    expect((await completion(['__complete', 'gmsa', 'servicefabric', 'webapp01', '--isolation', 'p'])).values).toEqual(['process']);
  });

  test('exec completes our flags and docker exec\'s before CONTAINER', async () => {
    const { values } = await completion(['__complete', 'gmsa', 'exec', '-it', '--']);
    expect(values).toEqual(expect.arrayContaining(['--system', '--network-service', '--dry-run', '--detach-keys', '--env-file', '--privileged', '--workdir']));
    expect(values).not.toContain('--user');
  });

  test('an engine that does not answer gives nothing, at once and quietly', async () => {
    expect(await completion(['__complete', '-H', 'unix:///nonexistent/docker.sock', 'gmsa', 'exec', ''])).toMatchObject({ values: [], directive: ':4' });
    expect((await completion(['__complete', '-H', 'unix:///nonexistent/docker.sock', 'gmsa', 'spec', 'rm', ''])).values).toEqual([]);
  });
});

labDescribe('completion of gMSA names from the lab DC', () => {
  test('ACCOUNT positions and --account complete the gMSAs the directory has (ldapsearch as oracle)', async () => {
    const dc = (await labDc())!;
    expect((await plugin(['install'], env)).status).toBe(0);
    const adEnv = { GMSA_LDAP_URL: dc.ldapUrl, GMSA_LDAP_CA: dc.caFile, GMSA_LDAP_USER: dc.user, GMSA_LDAP_PASSWORD: dc.password, GMSA_DOMAIN: dc.domain };
    // at least one gMSA to complete, whatever the lab held before (account create is idempotent)
    expect((await plugin(['account', 'create', 'webappcomplete', '--hosts', 'WEBHOST01'], { ...env, ...adEnv })).status).toBe(0);
    const ldif = await new Promise<string>((resolve, reject) =>
      execFile(
        'ldapsearch',
        ['-LLL', '-o', 'ldif-wrap=no', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', '(&(objectClass=msDS-GroupManagedServiceAccount)(sAMAccountName=webapp*))', 'sAMAccountName'],
        { env: { ...process.env, LDAPTLS_CACERT: dc.caFile } },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    const expected = [...ldif.matchAll(/^sAMAccountName: (.*)\$$/gm)].map((m) => m[1] as string).sort();
    expect(expected.length).toBeGreaterThan(0);
    for (const words of [
      ['run', 'webapp'],
      ['k8s', 'webapp'],
      ['account', 'show', 'webapp'],
      ['configs', 'prune', '--account', 'webapp'],
    ]) {
      expect({ words, values: (await completion(['__complete', 'gmsa', ...words], adEnv)).values.sort() }).toEqual({ words, values: expected });
    }
    // a new name is not completed; an unreachable directory gives nothing
    expect((await completion(['__complete', 'gmsa', 'account', 'create', 'webapp'], adEnv)).values).toEqual([]);
    expect((await completion(['__complete', 'gmsa', 'run', 'webapp'], { ...adEnv, GMSA_LDAP_URL: 'ldaps://127.0.0.1:1' })).values).toEqual([]);
  });
});
