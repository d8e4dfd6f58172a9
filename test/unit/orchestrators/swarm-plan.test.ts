import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildRuleError, UnsupportedEngineError, UsageError } from '../../../src/errors';
import { buildHostProfile } from '../../../src/engine/profile';
import { NETWORK_SERVICE } from '../../../src/engine/run-plan';
import { ACCOUNT_LABEL } from '../../../src/orchestrators/swarm-config';
import type { BuildDecision } from '../../../src/orchestrators/swarm-nodes';
import { managerRefusal, MAX_HOSTNAME, planServiceCreate, planServiceUpdate, serviceHostnameTemplate, type ServiceCreateRequest } from '../../../src/orchestrators/swarm-plan';
import { apiService, managerProfile } from './swarm-helpers';

const CONFIG = 'gmsa-contoso_webapp01-1a2b3c4d';

function build(b: number, source: BuildDecision['source'] = 'option'): BuildDecision {
  return { build: b, source, windowsNodes: [], note: `Windows build ${b} (test).` };
}

function create(b: number, dockerArgs: string[], extra: Partial<ServiceCreateRequest> = {}) {
  return planServiceCreate({ account: 'webapp01', configName: CONFIG, build: build(b), dockerArgs, networkService: false, force: false, othersWithAccount: [], ...extra });
}

const ENDPOINT = { host: 'unix:///var/run/docker.sock', contextName: 'default', source: 'default' as const };

describe('the engine must be a swarm manager', () => {
  function fixtureProfile(name: string) {
    const f = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'engines', `${name}.json`), 'utf8'));
    return buildHostProfile(f.info, f.version, { endpoint: { protocol: 'unix' }, platform: 'linux', pathExists: () => false });
  }

  test('a manager (the recorded Linux swarm manager) is accepted', () => {
    expect(managerRefusal(fixtureProfile('linux-engine-20.10-swarm-manager'), ENDPOINT)).toBeUndefined();
  });

  test('an engine outside any swarm is refused, naming the engine and the fix', () => {
    const err = managerRefusal(fixtureProfile('windows-20348-engine-24.0'), ENDPOINT);
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err?.message).toMatch(/^the Docker engine at unix:\/\/\/var\/run\/docker\.sock \(context "default"\) is not a swarm manager \(swarm state: inactive\)/);
    expect(err?.hint).toMatch(/docker swarm init/);
    expect(err?.hint).toMatch(/--context MANAGER/);
  });

  test('a worker is refused with the promote hint; an old API too', () => {
    const worker = managerRefusal(managerProfile({ swarm: { state: 'active', role: 'worker' } }), ENDPOINT);
    expect(worker?.message).toMatch(/is a swarm worker/);
    expect(worker?.hint).toMatch(/docker node promote/);
    expect(managerRefusal(managerProfile({ apiVersion: '1.39' }), ENDPOINT)?.message).toMatch(/API 1\.39.*need API 1\.40/);
  });
});

describe('service create planner', () => {
  test('17763+: config credential spec, labels and a per-task hostname template', () => {
    const plan = create(17763, ['--name', 'web', '-d', 'img', 'cmd']);
    const tpl = serviceHostnameTemplate('webapp01');
    expect(tpl).toBe('webapp01-{{printf "%.6s" .Task.ID}}');
    expect(plan.argv).toEqual([
      'service', 'create', '--credential-spec', `config://${CONFIG}`,
      '--label', `${ACCOUNT_LABEL}=webapp01`, '--container-label', `${ACCOUNT_LABEL}=webapp01`,
      '--hostname', tpl, '--name', 'web', '-d', 'img', 'cmd',
    ]);
    expect(plan.notes[0]).toBe('Windows build 17763 (test).');
    expect(plan.notes.join('\n')).toMatch(/a name per task/);
  });

  test('the template expands to at most 15 characters for any account', () => {
    for (const a of ['webapp01', 'a-very-long-gmsa-name', 'X', '$$$', 'svc_web.01']) {
      const tpl = serviceHostnameTemplate(a);
      const expanded = tpl.replace(/\{\{.*\}\}/, 'abcdef');
      expect(expanded.length).toBeLessThanOrEqual(MAX_HOSTNAME);
      expect(expanded).toMatch(/^[a-z0-9][a-z0-9-]*-abcdef$/);
    }
  });

  test('17763+: the user hostname is kept; a fixed one on several replicas is refused, and warned about with --force', () => {
    expect(() => create(20348, ['--hostname', 'web', '--replicas', '3', 'img'])).toThrow(BuildRuleError);
    expect(() => create(20348, ['--hostname', 'web', '--replicas', '3', 'img'])).toThrow(/all the tasks \(--replicas 3\) would run with the gMSA webapp01 and the hostname web; two containers sharing/);
    expect(create(20348, ['--hostname', 'web', '--replicas', '1', 'img']).hostname).toBe('web');
    const plan = create(20348, ['--hostname', 'web', '--replicas', '3', 'img'], { force: true });
    expect(plan.argv.filter((a) => a === '--hostname')).toHaveLength(1);
    expect(plan.hostname).toBe('web');
    expect(plan.notes.join('\n')).toMatch(/every task gets the hostname web.*lose their trust \(--force\)/);
    expect(create(20348, ['--hostname', '{{.Service.Name}}-{{.Task.Slot}}', '--replicas', '3', 'img']).notes.join('\n')).not.toMatch(/every task/);
    expect(create(20348, ['--hostname', 'a-very-long-hostname', 'img']).notes.join('\n')).toMatch(/longer than 15/);
  });

  test('14393: the hostname is pinned to the gMSA name; another one is refused', () => {
    const plan = create(14393, ['--name', 'web', 'img']);
    expect(plan.argv).toEqual(expect.arrayContaining(['--hostname', 'webapp01']));
    expect(plan.hostname).toBe('webapp01');
    expect(() => create(14393, ['--hostname', 'other', 'img'])).toThrow(BuildRuleError);
    expect(create(14393, ['--hostname', 'WEBAPP01', 'img']).argv.filter((a) => a === '--hostname')).toHaveLength(1);
  });

  test('before 17763 anything that runs two tasks of one gMSA is refused unless --force', () => {
    for (const args of [
      ['--replicas', '2', 'img'],
      ['--replicas=3', 'img'],
      ['--mode', 'global', 'img'],
      ['--mode', 'replicated-job', '--replicas', '4', 'img'],
      ['--update-order', 'start-first', 'img'],
    ]) {
      expect(() => create(17134, args)).toThrow(BuildRuleError);
    }
    expect(() => create(14393, ['--replicas', '2', 'img'])).toThrow(/only one container per gMSA.*--replicas 2/);
    expect(() => create(14393, ['img'], { othersWithAccount: ['api'] })).toThrow(/the service api already uses the gMSA webapp01/);
    expect(create(14393, ['--replicas', '1', 'img']).argv).toContain('img');
    expect(create(14393, ['--mode', 'replicated-job', '--replicas', '4', '--max-concurrent', '1', 'img']).argv).toContain('img');
    const forced = create(14393, ['--replicas', '2', 'img'], { force: true });
    expect(forced.notes.join('\n')).toMatch(/intermittent trust failures/);
  });

  test('Hyper-V isolation on 1709/1803, Network Service before 1709, a pre-2016 build and a hand-made credential spec are refused', () => {
    expect(() => create(16299, ['--isolation', 'hyperv', 'img'])).toThrow(BuildRuleError);
    expect(create(17763, ['--isolation', 'hyperv', 'img']).argv).toContain('hyperv');
    expect(() => create(14393, ['img'], { networkService: true })).toThrow(/1709/);
    expect(() => create(10586, ['img'])).toThrow(/predates gMSA support/);
    expect(() => create(17763, ['--credential-spec', 'config://x', 'img'])).toThrow(UsageError);
  });

  test('--network-service adds the user and conflicts with -u', () => {
    expect(create(17763, ['img'], { networkService: true }).argv).toEqual(expect.arrayContaining(['--user', NETWORK_SERVICE]));
    expect(() => create(17763, ['-u', 'bob', 'img'], { networkService: true })).toThrow(UsageError);
  });

  test('--no-resolve-image without an OS constraint gets a placement note', () => {
    expect(create(17763, ['--no-resolve-image', 'img']).notes.join('\n')).toMatch(/node\.platform\.os==windows/);
    expect(create(17763, ['--no-resolve-image', '--constraint', 'node.platform.os==windows', 'img']).notes.join('\n')).not.toMatch(/node\.platform\.os==windows/);
  });
});

describe('service update planner', () => {
  const NEW = { name: 'gmsa-contoso_webapp01-22222222', sha256: '2'.repeat(64) };
  const oldService = apiService('web', [{ id: 'old', name: 'gmsa-contoso_webapp01-11111111' }], { credSpec: 'old', hostname: serviceHostnameTemplate('webapp01'), labels: { [ACCOUNT_LABEL]: 'webapp01' } });
  const current = { id: 'old', name: 'gmsa-contoso_webapp01-11111111', account: 'webapp01', sha256: '1'.repeat(64) };

  test('a changed spec: the new config goes in, nothing else changes', () => {
    const plan = planServiceUpdate({ account: 'webapp01', service: oldService, config: NEW, current, dockerArgs: ['web'], networkService: false });
    expect(plan).toEqual({ changed: true, service: 'web', notes: [], argv: ['service', 'update', '--credential-spec', `config://${NEW.name}`, 'web'] });
  });

  test('the same content (by hash or by config ID): already current, nothing to run', () => {
    expect(planServiceUpdate({ account: 'webapp01', service: oldService, config: { ...NEW, sha256: current.sha256 }, current, dockerArgs: ['web'], networkService: false })).toMatchObject({ changed: false, argv: undefined });
    expect(planServiceUpdate({ account: 'webapp01', service: oldService, config: { ...NEW, id: 'old' }, current: { id: 'old' }, dockerArgs: ['web'], networkService: false })).toMatchObject({ changed: false });
    // other options still run, without --credential-spec (the CLI would attach the config twice)
    const withOpts = planServiceUpdate({ account: 'webapp01', service: oldService, config: { ...NEW, id: 'old' }, current, dockerArgs: ['--detach', 'web'], networkService: false });
    expect(withOpts.argv).toEqual(['service', 'update', '--detach', 'web']);
  });

  test('another account: labels follow, and a pinned or templated hostname follows too', () => {
    const pinned = apiService('web', [{ id: 'old', name: 'o' }], { credSpec: 'old', hostname: 'webapp01' });
    const plan = planServiceUpdate({ account: 'webapp02', service: pinned, config: NEW, current, dockerArgs: ['web'], networkService: false });
    expect(plan.argv).toEqual(expect.arrayContaining(['--label-add', `${ACCOUNT_LABEL}=webapp02`, '--container-label-add', `${ACCOUNT_LABEL}=webapp02`, '--hostname', 'webapp02']));
    expect(plan.notes.join('\n')).toMatch(/used the gMSA webapp01; it now uses webapp02/);
    const templated = planServiceUpdate({ account: 'webapp02', service: oldService, config: NEW, current, dockerArgs: ['web'], networkService: false });
    expect(templated.argv).toEqual(expect.arrayContaining(['--hostname', serviceHostnameTemplate('webapp02')]));
  });

  test('a service without a credential spec gets one, with a hostname note', () => {
    const bare = apiService('web', [], {});
    const plan = planServiceUpdate({ account: 'webapp01', service: bare, config: NEW, dockerArgs: ['web'], networkService: false });
    expect(plan.changed).toBe(true);
    expect(plan.argv).toEqual(expect.arrayContaining(['--label-add', `${ACCOUNT_LABEL}=webapp01`]));
    expect(plan.notes.join('\n')).toMatch(/had no credential spec/);
  });

  test('usage: one SERVICE, no hand-made --credential-spec, --network-service vs --user; not a container service', () => {
    const base = { account: 'webapp01', service: oldService, config: NEW, current, networkService: false };
    expect(() => planServiceUpdate({ ...base, dockerArgs: ['web', 'api'] })).toThrow(/takes one SERVICE/);
    expect(() => planServiceUpdate({ ...base, dockerArgs: ['--credential-spec', 'config://x', 'web'] })).toThrow(/remove yours/);
    expect(() => planServiceUpdate({ ...base, networkService: true, dockerArgs: ['-u', 'bob', 'web'] })).toThrow(UsageError);
    expect(planServiceUpdate({ ...base, networkService: true, dockerArgs: ['web'] }).argv).toEqual(expect.arrayContaining(['--user', NETWORK_SERVICE]));
    expect(() => planServiceUpdate({ ...base, service: { Spec: { Name: 'p', TaskTemplate: { PluginSpec: {} } } }, dockerArgs: ['p'] })).toThrow(/not a container service/);
  });
});
