/**
 * The lab's Linux engine is what the integration and e2e tests stand on: prove that it is there, in
 * swarm mode as a manager, with the local image the tests use, and that it accepts services.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labDescribe, labEngine } from '../support/lab';

labDescribe('lab engine', () => {
  let host: string;
  let dockerConfig: string;

  /** the machine's docker CLI against the lab engine, hermetic: no DOCKER_HOST/context/config of the user */
  function docker(...args: string[]): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dockerConfig };
    for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[k];
    return new Promise((resolve, reject) => {
      execFile('docker', ['-H', host, ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(String(stdout));
      });
    });
  }

  beforeAll(async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('labDescribe registered these tests, so the lab must be up');
    host = engine.host;
    dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'gmsa-lab-test-'));
  });

  afterAll(() => {
    if (dockerConfig) fs.rmSync(dockerConfig, { recursive: true, force: true });
  });

  test('is a Linux engine in swarm mode, and a manager', async () => {
    expect(host).toMatch(/^unix:\/\//);
    const out = await docker('info', '--format', '{{.OSType}} {{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}');
    expect(out.trim()).toBe('linux active true');
  });

  test('has the local image local/busybox:1, and it runs', async () => {
    const id = await docker('image', 'inspect', '--format', '{{.Id}}', 'local/busybox:1');
    expect(id.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = await docker('run', '--rm', '--network', 'none', 'local/busybox:1', 'sh', '-c', 'echo lab-ok');
    expect(out.trim()).toBe('lab-ok');
  });

  test('accepts a service and shows it in service inspect', async () => {
    const name = `gmsa-lab-test-${process.pid}-${Date.now()}`;
    try {
      // --no-resolve-image: no registry is reachable, the image only exists locally
      const id = (
        await docker('service', 'create', '--detach', '--no-resolve-image', '--name', name,
          '--label', 'gmsa.test=lab-engine', 'local/busybox:1', 'sleep', '3600')
      ).trim();
      expect(id).toMatch(/^[0-9a-z]{25}$/);
      const spec = JSON.parse(await docker('service', 'inspect', '--format', '{{json .Spec}}', name));
      expect(spec.Name).toBe(name);
      expect(spec.Labels).toEqual({ 'gmsa.test': 'lab-engine' });
      expect(spec.TaskTemplate.ContainerSpec.Image).toBe('local/busybox:1');
      expect(spec.TaskTemplate.ContainerSpec.Args).toEqual(['sleep', '3600']);
    } finally {
      await docker('service', 'rm', name).catch(() => undefined);
    }
  });
});
