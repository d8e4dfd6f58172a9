/**
 * `docker gmsa stack deploy` against the lab's real swarm manager, with the docker CLI as the oracle: the
 * swarm example (compose-examples/swarm-credential-spec) deployed from a copy, with --root pointing at a
 * store made by `docker gmsa spec create --offline`. The service's credential spec must name the config's
 * ID, the config must be attached with a Runtime target and hold the spec; a re-deploy reuses the config;
 * --dry-run creates nothing. Windows tasks never run here (no Windows node): the assertions are about the
 * specs the engine stored. Stacks and configs of this run are removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planConfig } from '../../src/orchestrators/swarm-config';
import { serviceHostnameTemplate } from '../../src/orchestrators/swarm-plan';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, ROOT, socketPath, tempDir, type RunResult } from '../support/cli';
import { startWindowsEngine } from '../support/windows-engine';
import { labDescribe, labEngine } from '../support/lab';

const EXAMPLE = path.join(ROOT, 'compose-examples', 'swarm-credential-spec');

labDescribe('stack deploy: docker gmsa stack deploy against a real manager', () => {
  const id = randomBytes(3).toString('hex');
  const stack = (n: string): string => `gst${id}${n}`;
  let host: string;
  let env: NodeJS.ProcessEnv;
  let root: string;
  let project: string;
  let specPath: string;
  const stacks: string[] = [];
  const configNames = new Set<string>();

  const gmsa = (args: string[]): Promise<RunResult> => plugin(['-H', host, ...args], env);
  const dk = (args: string[]): Promise<RunResult> => docker(['-H', host, ...args], env);

  async function inspectJson(kind: 'service' | 'config', name: string, format = '{{json .}}'): Promise<any> {
    const r = await dk([kind, 'inspect', name, '--format', format]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  }

  async function configList(): Promise<string[]> {
    const r = await dk(['config', 'ls', '--format', '{{.Name}}']);
    expect(r.status).toBe(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  beforeAll(async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('labDescribe registered these tests, so the lab must be up');
    host = engine.host;
    env = cleanEnv({ DOCKER_CONFIG: tempDir('stack-cfg') });
    root = tempDir('stack-root');
    // A gMSA name of this run, so the config (named after the spec's content) is this run's own.
    const r = await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env);
    expect(r.status).toBe(0);
    specPath = path.join(root, 'CredentialSpecs', 'contoso_webapp01.json');
    expect(fs.existsSync(specPath)).toBe(true);
    project = tempDir('stack-proj');
    fs.copyFileSync(path.join(EXAMPLE, 'compose.yaml'), path.join(project, 'compose.yaml'));
  });

  afterAll(async () => {
    if (!host) return;
    if (stacks.length > 0) await dk(['stack', 'rm', ...stacks]);
    // Services go first; a config in use cannot be removed, so wait for the services to be gone.
    for (let i = 0; i < 50; i++) {
      const left = (await dk(['service', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => stacks.some((s) => n.startsWith(`${s}_`)));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (configNames.size > 0) await dk(['config', 'rm', ...configNames]);
  });

  test('--dry-run prints the rewritten file and the command, and creates nothing', async () => {
    const before = await configList();
    const file = path.join(project, 'compose.yaml');
    const source = fs.readFileSync(file, 'utf8');
    const r = await gmsa(['stack', 'deploy', '--dry-run', '--root', root, '-c', file, '--resolve-image', 'never', stack('dry')]);
    expect(r.status).toBe(0);
    const plan = planConfig(JSON.parse(fs.readFileSync(specPath, 'utf8')));
    expect(r.stdout).toContain(`credential_spec:\n      config: ${plan.name}\n`);
    expect(r.stdout).toContain(`configs:\n  ${plan.name}:\n    external: true\n`);
    expect(r.stdout).toMatch(/^# A swarm stack/);
    expect(r.stdout).toMatch(/# docker --host \S+ stack deploy -c '<temporary folder>\/compose\.yaml' --resolve-image never gst\w+dry\n$/);
    expect(fs.readFileSync(file, 'utf8')).toBe(source);
    expect(await configList()).toEqual(before);
    expect((await dk(['stack', 'ls', '--format', '{{.Name}}'])).stdout).not.toContain(stack('dry'));
  });

  test('deploys the swarm example: the spec as a Runtime config the service names, reused on re-deploy', async () => {
    const name = stack('a');
    stacks.push(name);
    const file = path.join(project, 'compose.yaml');
    const source = fs.readFileSync(file, 'utf8');
    const r = await gmsa(['stack', 'deploy', '--root', root, '-c', file, '--resolve-image', 'never', name]);
    expect(r.stderr).toMatch(/Windows Server 2019 \(17763\) or later assumed/);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(source);

    const plan = planConfig(JSON.parse(fs.readFileSync(specPath, 'utf8')));
    configNames.add(plan.name);
    expect(r.stderr).toMatch(new RegExp(`(Created|Using) config ${plan.name} `));
    const config = await inspectJson('config', plan.name);
    expect(JSON.parse(Buffer.from(config.Spec.Data, 'base64').toString('utf8'))).toEqual(JSON.parse(fs.readFileSync(specPath, 'utf8')));
    expect(config.Spec.Labels['io.docker-gmsa.sha256']).toBe(plan.sha256);

    const cs = await inspectJson('service', `${name}_web`, '{{json .Spec.TaskTemplate.ContainerSpec}}');
    expect(cs.Privileges.CredentialSpec.Config).toBe(config.ID);
    expect(cs.Configs).toEqual([{ ConfigID: config.ID, ConfigName: plan.name, Runtime: {} }]);
    expect(cs.Hostname).toBe(serviceHostnameTemplate('webapp01'));

    // Again: the same config, no second one.
    const configsBefore = await configList();
    const again = await gmsa(['stack', 'deploy', '--root', root, '-c', file, '--resolve-image', 'never', name]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`Using config ${plan.name} \\(${config.ID}\\): it already holds this spec`));
    expect(await configList()).toEqual(configsBefore);
    const cs2 = await inspectJson('service', `${name}_web`, '{{json .Spec.TaskTemplate.ContainerSpec.Privileges.CredentialSpec.Config}}');
    expect(cs2).toBe(config.ID);

    // Another stack with the same spec reuses the same config too.
    const other = stack('b');
    stacks.push(other);
    const third = await gmsa(['stack', 'deploy', '--root', root, '-c', file, '--resolve-image', 'never', other]);
    expect(third.status).toBe(0);
    expect(await configList()).toEqual(configsBefore);
  });

  test('a failing docker stack deploy passes its exit code through and removes the config it just created', async () => {
    const made = await plugin(['spec', 'create', 'api01', ...DOMAIN_FLAGS, '--root', root], env);
    expect(made.status).toBe(0);
    const plan = planConfig(JSON.parse(fs.readFileSync(path.join(root, 'CredentialSpecs', 'contoso_api01.json'), 'utf8')));
    configNames.add(plan.name);
    const bad = path.join(project, 'bad.yaml');
    fs.writeFileSync(bad, 'services:\n  web:\n    image: x\n    x-gmsa: api01\n    ports: ["not a port spec at all"]\n');
    const r = await gmsa(['stack', 'deploy', '--root', root, '-c', bad, '--resolve-image', 'never', stack('bad')]);
    expect(r.stderr).toMatch(/Does not match format 'ports'/);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Removed config ${plan.name} again: the stack was not deployed.`);
    expect(await configList()).not.toContain(plan.name);
  });

  test('refuses an engine that is not a swarm manager', async () => {
    const engine = await startWindowsEngine({ socketPath: socketPath('stk'), fixture: 'windows-17763-engine-20.10', rootDir: tempDir('stack-win') });
    try {
      const r = await plugin(['-H', `unix://${engine.socketPath}`, 'stack', 'deploy', '--root', root, '-c', path.join(project, 'compose.yaml'), stack('x')], env);
      expect(r.stderr).toMatch(/^Error: the Docker engine at .* (is not a swarm manager|is a swarm worker)/m);
      expect(r.status).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
