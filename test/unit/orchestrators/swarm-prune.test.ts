import { configReferences, describeUsers, gmsaConfigs, planPrune } from '../../../src/orchestrators/swarm-prune';
import { apiService, gmsaConfig } from './swarm-helpers';

const H = (c: string) => c.repeat(64);

describe('configs prune planner', () => {
  const configs = [
    gmsaConfig('a', 'gmsa-contoso_webapp01-aaaaaaaa', 'webapp01', H('a')),
    gmsaConfig('b', 'gmsa-contoso_webapp01-bbbbbbbb', 'webapp01', H('b')),
    gmsaConfig('c', 'gmsa-contoso_webapp02-cccccccc', 'webapp02', H('c')),
    gmsaConfig('d', 'gmsa-contoso_webapp01-dddddddd', 'webapp01', H('d')),
    gmsaConfig('e', 'gmsa-contoso_webapp01-eeeeeeee', 'webapp01', H('e')),
    { id: 'plain', name: 'nginx.conf', labels: {} },
    { id: 'half', name: 'half', labels: { 'io.docker-gmsa.account': 'webapp01' } },
  ];
  const services = [
    apiService('web', [{ id: 'a', name: 'gmsa-contoso_webapp01-aaaaaaaa' }], { credSpec: 'a', previous: ['b'] }),
    apiService('files', [{ id: 'x', name: 'nginx.conf', runtime: false }, { id: 'zzz', name: 'gmsa-contoso_webapp01-dddddddd', runtime: false }]),
    { ID: 'plugin', Spec: { Name: 'plugin', TaskTemplate: { PluginSpec: {} } } },
  ];

  test('keeps configs a spec or a rollback uses (by ID or by name); removes only unused gMSA configs', () => {
    const plan = planPrune(configs, services);
    expect(plan.remove.map((e) => e.config.id)).toEqual(['e', 'c']); // by name
    expect(plan.keep.map((e) => [e.config.id, describeUsers(e.users)])).toEqual([
      ['a', 'web'],
      ['b', 'rollback: web'],
      ['d', 'files'],
    ]);
  });

  test('configs without both of our labels are never candidates', () => {
    const ids = gmsaConfigs(configs, []).map((e) => e.config.id);
    expect(ids).not.toContain('plain');
    expect(ids).not.toContain('half');
    expect(planPrune(configs, []).remove.map((e) => e.config.id)).toEqual(['a', 'b', 'd', 'e', 'c']);
  });

  test('--account narrows to one gMSA (no case)', () => {
    expect(planPrune(configs, services, 'WEBAPP02').remove.map((e) => e.config.id)).toEqual(['c']);
    expect(planPrune(configs, services, 'webapp01').remove.map((e) => e.config.id)).toEqual(['e']);
  });

  test('references: credential spec config and the Configs list, current and previous', () => {
    const refs = configReferences(services);
    expect(refs.get('a')).toEqual({ services: ['web'], rollback: [] });
    expect(refs.get('b')).toEqual({ services: [], rollback: ['web'] });
    expect(refs.get('nginx.conf')).toEqual({ services: ['files'], rollback: [] });
  });
});
