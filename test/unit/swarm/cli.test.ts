/**
 * The service and configs commands wired to a fake swarm manager (an EngineClient in memory) and a fake
 * docker CLI (a script that records its argv), so the command layer is checked without the lab.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { registerConfigs } from '../../../src/cli/configs';
import type { Deps } from '../../../src/cli/deps';
import { registerService } from '../../../src/cli/service';
import type { EngineClient } from '../../../src/engine/client';
import { resolveEndpoint } from '../../../src/engine/endpoint';
import { emptyGlobals } from '../../../src/engine/globals';
import type { HostProfile } from '../../../src/engine/profile';
import { EngineError, PassThroughExit, UnsupportedEngineError } from '../../../src/errors';
import { ACCOUNT_LABEL, planConfig, SHA256_LABEL } from '../../../src/orchestrators/swarm-config';
import { WINDOWS_BUILD_LABEL } from '../../../src/orchestrators/swarm-nodes';
import { apiNode, managerProfile, specFor } from './helpers';

interface FakeSwarm {
  configs: any[];
  services: any[];
  nodes: any[];
  created: string[];
  removed: string[];
}

function fakeClient(s: FakeSwarm): EngineClient {
  const endpoint = resolveEndpoint({ ...emptyGlobals(), hosts: ['unix:///fake.sock'] }, {}, 'linux', '/nonexistent');
  let n = 0;
  return {
    endpoint,
    ping: async () => 'OK',
    info: async () => ({}),
    version: async () => ({}),
    listContainers: async () => [],
    inspectContainer: async () => undefined,
    createConfig: async (spec) => {
      const ID = `cfg${++n}`;
      s.configs.push({ ID, Spec: { Name: spec.Name, Labels: spec.Labels, Data: spec.Data.toString('base64') } });
      s.created.push(spec.Name);
      return { ID };
    },
    listConfigs: async (filters) => {
      const label = filters?.label?.[0];
      return s.configs.filter((c) => {
        if (!label) return true;
        const [k, v] = label.split('=');
        return c.Spec.Labels?.[k as string] !== undefined && (v === undefined || c.Spec.Labels[k as string] === v);
      });
    },
    inspectConfig: async (id) => s.configs.find((c) => c.ID === id || c.Spec.Name === id),
    removeConfig: async (id) => {
      s.removed.push(id);
      s.configs = s.configs.filter((c) => c.ID !== id);
    },
    listServices: async () => s.services,
    inspectService: async (id) => s.services.find((x) => x.ID === id || x.Spec.Name === id),
    listNodes: async () => s.nodes,
  };
}

let dir: string;
let argvFile: string;
let fakeDocker: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmsa-swarm-cli-'));
  argvFile = path.join(dir, 'argv.json');
  fakeDocker = path.join(dir, 'docker');
  fs.writeFileSync(fakeDocker, `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));\nprocess.exit(Number(process.env.FAKE_DOCKER_STATUS || 0));\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'contoso_webapp01.json'), JSON.stringify(specFor()));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function setup(opts: { profile?: HostProfile; swarm?: Partial<FakeSwarm>; status?: number; engineDown?: boolean } = {}) {
  const swarm: FakeSwarm = { configs: [], services: [], nodes: [apiNode('mgr', 'linux', { role: 'manager' })], created: [], removed: [], ...opts.swarm };
  const client = fakeClient(swarm);
  let out = '';
  let err = '';
  const deps: Deps = {
    io: { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => Buffer.alloc(0) },
    env: { PATH: process.env.PATH, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: fakeDocker, FAKE_DOCKER_STATUS: String(opts.status ?? 0) },
    globals: { ...emptyGlobals(), hosts: ['unix:///fake.sock'] },
    cwd: dir,
    platform: 'linux',
    homedir: dir,
    self: { path: '/x', packaged: false },
    version: '0.0.0',
    engine: async () => {
      if (opts.engineDown) throw new EngineError('cannot connect to the Docker engine at unix:///fake.sock: connection refused', 'Is it running?');
      return { endpoint: client.endpoint, client, profile: async () => opts.profile ?? managerProfile() };
    },
  };
  const program = new Command('docker gmsa').enablePositionalOptions().exitOverride();
  registerService(program, deps);
  registerConfigs(program, deps);
  const run = (args: string[]) => program.parseAsync(args, { from: 'user' });
  const dockerArgv = (): string[] | undefined => (fs.existsSync(argvFile) ? JSON.parse(fs.readFileSync(argvFile, 'utf8')) : undefined);
  return { swarm, run, out: () => out, err: () => err, dockerArgv };
}

const SPEC = ['--spec', 'contoso_webapp01.json'];

describe('service create', () => {
  test('not a swarm manager: refused before anything is created', async () => {
    const t = setup({ profile: managerProfile({ swarm: { state: 'inactive', role: 'none' } }) });
    await expect(t.run(['service', 'create', ...SPEC, 'webapp01', 'img'])).rejects.toThrow(UnsupportedEngineError);
    await expect(t.run(['service', 'create', ...SPEC, 'webapp01', 'img'])).rejects.toThrow(/unix:\/\/\/fake\.sock .* is not a swarm manager/);
    expect(t.swarm.created).toEqual([]);
    expect(t.dockerArgv()).toBeUndefined();
  });

  test('creates the config, then runs docker service create with config:// and the global flags', async () => {
    const t = setup();
    await t.run(['service', 'create', ...SPEC, 'webapp01', '--name', 'web', '-d', 'img']);
    const plan = planConfig(specFor());
    expect(t.swarm.created).toEqual([plan.name]);
    const stored = t.swarm.configs[0];
    expect(stored.Spec.Labels).toEqual(plan.labels);
    expect(JSON.parse(Buffer.from(stored.Spec.Data, 'base64').toString())).toEqual(specFor());
    const argv = t.dockerArgv() as string[];
    expect(argv.slice(0, 6)).toEqual(['--host', 'unix:///fake.sock', 'service', 'create', '--credential-spec', `config://${plan.name}`]);
    expect(argv.slice(-4)).toEqual(['--name', 'web', '-d', 'img']);
    expect(t.err()).toMatch(/Windows Server 2019 \(17763\) or later assumed: the swarm has no Windows node/);
    expect(t.err()).toMatch(/Created config gmsa-contoso_webapp01-/);
  });

  test('an identical config is reused, whatever its name', async () => {
    const plan = planConfig(specFor());
    const t = setup({ swarm: { configs: [{ ID: 'old1', Spec: { Name: 'my-own-name', Labels: plan.labels, Data: plan.data.toString('base64') } }] } });
    await t.run(['service', 'create', ...SPEC, 'webapp01', 'img']);
    expect(t.swarm.created).toEqual([]);
    expect(t.dockerArgv()).toEqual(expect.arrayContaining(['config://my-own-name']));
    expect(t.err()).toMatch(/Using config my-own-name \(old1\)/);
  });

  test('when docker fails, the config it just created is removed again and the status passes through', async () => {
    const t = setup({ status: 3 });
    await expect(t.run(['service', 'create', ...SPEC, 'webapp01', 'img'])).rejects.toEqual(new PassThroughExit(3));
    expect(t.swarm.removed).toEqual(['cfg1']);
    expect(t.err()).toMatch(/Removed config .* again/);
  });

  test('node labels decide the build: 14393 pins the hostname and refuses replicas', async () => {
    const nodes = [apiNode('mgr', 'linux', { role: 'manager' }), apiNode('win2016', 'windows', { labels: { [WINDOWS_BUILD_LABEL]: '14393' } })];
    const t = setup({ swarm: { nodes } });
    await expect(t.run(['service', 'create', ...SPEC, 'webapp01', '--replicas', '2', 'img'])).rejects.toThrow(/only one container per gMSA/);
    expect(t.swarm.created).toEqual([]);
    await t.run(['service', 'create', ...SPEC, 'webapp01', 'img']);
    expect(t.dockerArgv()).toEqual(expect.arrayContaining(['--hostname', 'webapp01']));
    expect(t.err()).toMatch(/Windows build 14393 .* from the node label io\.docker-gmsa\.windows-build on win2016/);
  });

  test('before 17763 another service on the same gMSA is a conflict', async () => {
    const plan = planConfig(specFor());
    const configs = [{ ID: 'c1', Spec: { Name: plan.name, Labels: plan.labels, Data: plan.data.toString('base64') } }];
    const services = [{ ID: 's1', Spec: { Name: 'api', TaskTemplate: { ContainerSpec: { Privileges: { CredentialSpec: { Config: 'c1' } }, Configs: [{ ConfigID: 'c1', ConfigName: plan.name, Runtime: {} }] } } } }];
    const t = setup({ swarm: { configs, services } });
    await expect(t.run(['service', 'create', ...SPEC, '--windows-build', '14393', 'webapp01', 'img'])).rejects.toThrow(/the service api already uses the gMSA webapp01/);
  });

  test('--dry-run prints the config and the command and creates nothing, even without an engine', async () => {
    const t = setup({ engineDown: true });
    await t.run(['service', 'create', ...SPEC, '--dry-run', '--windows-build', '20348', 'webapp01', '--name', 'web', 'img']);
    expect(t.err()).toMatch(/^Warning: cannot connect .*planning without the swarm's configs and nodes/);
    expect(t.out()).toMatch(/^Config gmsa-contoso_webapp01-[0-9a-f]{8} \(would be created\)/);
    expect(t.out()).toMatch(/label io\.docker-gmsa\.sha256=[0-9a-f]{64}/);
    expect(t.out()).toContain(`${fakeDocker} --host unix:///fake.sock service create --credential-spec config://gmsa-contoso_webapp01-`);
    expect(t.out()).toContain(`--hostname 'webapp01-{{printf "%.6s" .Task.ID}}' --name web img`);
    expect(t.dockerArgv()).toBeUndefined();
  });

  test('a spec of another account is refused as in run', async () => {
    const t = setup();
    await expect(t.run(['service', 'create', ...SPEC, 'webapp02', 'img'])).rejects.toThrow(/is the spec of the gMSA webapp01, not webapp02/);
  });

  test('without --spec and no store here the hint points at --spec FILE and --root', async () => {
    const t = setup();
    await expect(t.run(['service', 'create', 'webapp01', 'img'])).rejects.toMatchObject({ hint: expect.stringMatching(/stored in the swarm as a config/) });
  });
});

describe('service update', () => {
  function serviceUsing(id: string, name: string): any {
    return { ID: 'svc1', Spec: { Name: 'web', Labels: { [ACCOUNT_LABEL]: 'webapp01' }, TaskTemplate: { ContainerSpec: { Privileges: { CredentialSpec: { Config: id } }, Configs: [{ ConfigID: id, ConfigName: name, Runtime: {} }] } } } };
  }

  test('the same spec: already current, docker is not run', async () => {
    const plan = planConfig(specFor());
    const t = setup({ swarm: { configs: [{ ID: 'c1', Spec: { Name: plan.name, Labels: plan.labels, Data: plan.data.toString('base64') } }], services: [serviceUsing('c1', plan.name)] } });
    await t.run(['service', 'update', ...SPEC, 'webapp01', 'web']);
    expect(t.out()).toBe(`web: credential spec already current (config ${plan.name}); nothing to rotate.\n`);
    expect(t.dockerArgv()).toBeUndefined();
  });

  test('a changed spec: new config, docker service update --credential-spec', async () => {
    const old = { ID: 'c0', Spec: { Name: 'gmsa-contoso_webapp01-00000000', Labels: { [ACCOUNT_LABEL]: 'webapp01', [SHA256_LABEL]: '0'.repeat(64) }, Data: '' } };
    const t = setup({ swarm: { configs: [old], services: [serviceUsing('c0', old.Spec.Name)] } });
    await t.run(['service', 'update', ...SPEC, 'webapp01', '--detach', 'web']);
    const plan = planConfig(specFor());
    expect(t.swarm.created).toEqual([plan.name]);
    expect(t.dockerArgv()).toEqual(['--host', 'unix:///fake.sock', 'service', 'update', '--credential-spec', `config://${plan.name}`, '--detach', 'web']);
    expect(t.out()).toBe(`web: credential spec rotated from config ${old.Spec.Name} to ${plan.name}.\n`);
  });

  test('an unknown service is not found', async () => {
    const t = setup();
    await expect(t.run(['service', 'update', ...SPEC, 'webapp01', 'nope'])).rejects.toThrow(/no service nope on the swarm/);
  });
});

describe('configs prune and ls', () => {
  function swarmWith(): Partial<FakeSwarm> {
    const mk = (ID: string, Name: string, labels: Record<string, string>) => ({ ID, Spec: { Name, Labels: labels, Data: '' } });
    const ours = (h: string) => ({ [ACCOUNT_LABEL]: 'webapp01', [SHA256_LABEL]: h.repeat(64) });
    return {
      configs: [mk('u1', 'gmsa-contoso_webapp01-11111111', ours('1')), mk('u2', 'gmsa-contoso_webapp01-22222222', ours('2')), mk('p', 'plain', {})],
      services: [{ ID: 's', Spec: { Name: 'web', TaskTemplate: { ContainerSpec: { Privileges: { CredentialSpec: { Config: 'u1' } }, Configs: [{ ConfigID: 'u1', ConfigName: 'x', Runtime: {} }] } } } }],
    };
  }

  test('without --force: lists what would go, removes nothing', async () => {
    const t = setup({ swarm: swarmWith() });
    await t.run(['configs', 'prune']);
    expect(t.out()).toBe('Would remove gmsa-contoso_webapp01-22222222 (webapp01)\n');
    expect(t.err()).toMatch(/Keeping gmsa-contoso_webapp01-11111111: used by web\./);
    expect(t.err()).toMatch(/Nothing was removed: run again with --force/);
    expect(t.swarm.removed).toEqual([]);
  });

  test('--force removes only the unused gMSA configs', async () => {
    const t = setup({ swarm: swarmWith() });
    await t.run(['configs', 'prune', '--force']);
    expect(t.out()).toBe('Removed gmsa-contoso_webapp01-22222222 (webapp01)\n');
    expect(t.swarm.removed).toEqual(['u2']);
  });

  test('ls shows the gMSA configs and who uses them', async () => {
    const t = setup({ swarm: swarmWith() });
    await t.run(['configs', 'ls']);
    expect(t.out().split('\n')[0]).toMatch(/^NAME\s+ACCOUNT\s+DOMAIN\s+SHA256\s+USED BY$/);
    expect(t.out()).toMatch(/gmsa-contoso_webapp01-11111111\s+webapp01\s+-\s+111111111111\s+web/);
    expect(t.out()).not.toMatch(/plain/);
    const j = setup({ swarm: swarmWith() });
    await j.run(['configs', 'ls', '--format', 'json', '--account', 'webapp01']);
    expect(j.out().trim().split('\n').map((l) => JSON.parse(l).Name)).toEqual(['gmsa-contoso_webapp01-11111111', 'gmsa-contoso_webapp01-22222222']);
  });

  test('not a manager: refused', async () => {
    const t = setup({ profile: managerProfile({ swarm: { state: 'active', role: 'worker' } }) });
    await expect(t.run(['configs', 'prune', '--force'])).rejects.toThrow(/swarm worker/);
  });
});
