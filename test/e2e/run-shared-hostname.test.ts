/**
 * The 2025 rule through the built plugin and the real docker CLI, on a stand-in Windows Server 2022 engine:
 * an explicit --hostname that a running container of the same gMSA already has is refused (exit 1)
 * unless --force; the engine's container list and inspect (docker ps, docker inspect) are the oracle.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, socketPath, tempDir } from '../support/cli';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

describe('run: one gMSA, one explicit hostname, two containers (2019+)', () => {
  const env = cleanEnv({ DOCKER_CONFIG: tempDir('shared-cfg') });
  let engine: WindowsEngineHandle;
  let host: string;

  beforeAll(async () => {
    const root = tempDir('shared-root');
    mkdirSync(join(root, 'CredentialSpecs'));
    engine = await startWindowsEngine({ socketPath: socketPath('shared'), fixture: 'windows-20348-engine-24.0', rootDir: root });
    host = `unix://${engine.socketPath}`;
    expect((await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
    expect((await plugin(['spec', 'create', 'api01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const gmsa = (args: string[]) => plugin(['-H', host, ...args], env);
  const running = async (): Promise<string[]> => (await docker(['-H', host, 'ps', '--format', '{{.Names}}'], env)).stdout.split('\n').filter(Boolean).sort();

  test('the second container with the same --hostname is refused, another gMSA or --force may', async () => {
    const first = await gmsa(['run', 'webapp01', '-d', '--name', 'one', '--hostname', 'web', 'local/app:1', 'ping', '-t', 'localhost']);
    expect(first.status).toBe(0);
    const second = await gmsa(['run', 'webapp01', '-d', '--name', 'two', '--hostname', 'WEB', 'local/app:1', 'ping', '-t', 'localhost']);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/^Error: one already runs with the gMSA webapp01 and the hostname WEB; two containers sharing one gMSA and one hostname lose their trust\nHint: .*--force/m);
    expect(await running()).toEqual(['one']);

    // Another gMSA may use the name; a different hostname is fine; --force accepts the risk with a warning.
    expect((await gmsa(['run', 'api01', '-d', '--name', 'three', '--hostname', 'web', 'local/app:1', 'ping', '-t', 'localhost'])).status).toBe(0);
    expect((await gmsa(['run', 'webapp01', '-d', '--name', 'four', '--hostname', 'web2', 'local/app:1', 'ping', '-t', 'localhost'])).status).toBe(0);
    const forced = await gmsa(['run', '--force', 'webapp01', '-d', '--name', 'five', '--hostname', 'web', 'local/app:1', 'ping', '-t', 'localhost']);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toMatch(/Warning: one also runs with webapp01 and the hostname web: expect intermittent trust failures/);
    const h = await docker(['-H', host, 'inspect', 'five', '--format', '{{.Config.Hostname}}'], env);
    expect(h.stdout.trim()).toBe('web');
  });
});
