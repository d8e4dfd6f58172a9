/**
 * The host profile and the spec commands against the lab's real dockerd (Linux, swarm manager), with the
 * docker CLI as the oracle for what the engine is.
 */
import { cleanEnv, docker, plugin, tempDir } from '../support/cli';
import { labDescribe, labEngine } from '../support/lab';

labDescribe('host profile of a real Linux engine', () => {
  let env: NodeJS.ProcessEnv;
  let host: string;

  beforeAll(async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('labDescribe registered these tests, so the lab must be up');
    host = engine.host;
    env = cleanEnv({ DOCKER_CONFIG: tempDir('lab-cfg') });
    expect((await plugin(['install'], env)).status).toBe(0);
  });

  test('agrees with docker info on OS, root dir, API and swarm role', async () => {
    const oracle = await docker(['-H', host, 'info', '--format', '{{.OSType}}|{{.DockerRootDir}}|{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}'], env);
    expect(oracle.status).toBe(0);
    const [os, rootDir, state, manager] = oracle.stdout.trim().split('|');
    const api = (await docker(['-H', host, 'version', '--format', '{{.Server.APIVersion}}'], env)).stdout.trim();

    const r = await docker(['-H', host, 'gmsa', 'host', '--format', 'json'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout) as Record<string, unknown> & { Swarm: { State: string; Role: string }; Rules: { ID: string; Text: string }[] };
    expect(p.OSType).toBe(os);
    expect(p.DockerRootDir).toBe(rootDir);
    expect(p.RootDirLocal).toBe(true);
    expect(p.APIVersion).toBe(api);
    expect(p.Swarm.State).toBe(state);
    expect(p.Swarm.Role).toBe(manager === 'true' ? 'manager' : 'worker');
    expect(p.WindowsBuild).toBeNull();
  });

  test('says gMSA needs a Windows engine and what a swarm manager still does', async () => {
    const r = await docker(['-H', host, 'gmsa', 'host'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/OS:\s+linux/);
    expect(r.stdout).toMatch(/Windows engine/);
    expect(r.stdout).toMatch(/swarm/i);
  });

  test('spec commands refuse the Linux engine store and point at --root', async () => {
    const r = await docker(['-H', host, 'gmsa', 'spec', 'ls'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: the engine at .* is a linux engine/m);
    expect(r.stderr).toMatch(/^Hint: .*--root/m);
  });
});
