import { FREE_HOSTNAME_BUILD } from '../../../src/engine/windows-builds';
import { decideWindowsBuild, matchesConstraints, nodeBuild, nodeFromApi, parseBuildLabel, WINDOWS_BUILD_LABEL } from '../../../src/orchestrators/swarm-nodes';
import { apiNode } from './swarm-helpers';

const L = WINDOWS_BUILD_LABEL;

describe('node build labels', () => {
  test('a build number or a Windows version', () => {
    expect(parseBuildLabel('17763')).toBe(17763);
    expect(parseBuildLabel(' 10.0.20348 ')).toBe(20348);
    expect(parseBuildLabel('10.0.14393.1234')).toBe(14393);
    expect(parseBuildLabel('2019')).toBeUndefined();
    expect(parseBuildLabel('ltsc2022')).toBeUndefined();
    expect(parseBuildLabel(undefined)).toBeUndefined();
  });

  test('node label before engine label', () => {
    const n = nodeFromApi(apiNode('w1', 'windows', { labels: { [L]: '14393' }, engineLabels: { [L]: '17763' } }));
    expect(nodeBuild(n)).toEqual({ build: 14393, from: 'node label' });
    expect(nodeBuild(nodeFromApi(apiNode('w2', 'windows', { engineLabels: { [L]: '20348' } })))).toEqual({ build: 20348, from: 'engine label' });
  });
});

describe('placement constraints', () => {
  const n = nodeFromApi(apiNode('Win-1', 'Windows', { labels: { tier: 'web' }, engineLabels: { zone: 'a' } }));
  test('==, != on ids, hostnames, platform, node and engine labels (no case)', () => {
    expect(n.os).toBe('windows');
    expect(matchesConstraints(n, ['node.platform.os==windows', 'node.hostname==win-1', 'node.labels.tier==WEB', 'engine.labels.zone!=b'])).toBe(true);
    expect(matchesConstraints(n, ['node.platform.os!=windows'])).toBe(false);
    expect(matchesConstraints(n, ['node.labels.missing==x'])).toBe(false);
    expect(matchesConstraints(n, ['node.labels.missing!=x'])).toBe(true);
    expect(matchesConstraints(n, ['node.role==manager'])).toBe(false);
  });
  test('keys this planner does not know never exclude a node', () => {
    expect(matchesConstraints(n, ['node.ip==10.0.0.1', 'garbage'])).toBe(true);
  });
});

describe('which build the rules follow', () => {
  const linux = apiNode('mgr', 'linux', { role: 'manager', labels: { [L]: '14393' } });
  test('--windows-build wins', () => {
    const d = decideWindowsBuild({ explicit: 14393, nodes: [nodeFromApi(apiNode('w', 'windows', { labels: { [L]: '20348' } }))], constraints: [] });
    expect(d).toMatchObject({ build: 14393, source: 'option' });
    expect(d.note).toMatch(/from --windows-build/);
  });

  test('the lowest labelled build among the Windows nodes the service may use; Linux and drained nodes do not count', () => {
    const nodes = [
      linux,
      apiNode('w16', 'windows', { labels: { [L]: '14393' }, availability: 'drain' }),
      apiNode('w19', 'windows', { labels: { [L]: '17763' } }),
      apiNode('w22', 'windows', { engineLabels: { [L]: '20348' } }),
    ].map(nodeFromApi);
    const d = decideWindowsBuild({ nodes, constraints: [] });
    expect(d).toMatchObject({ build: 17763, source: 'nodes', windowsNodes: ['w19', 'w22'] });
    expect(d.note).toMatch(/node label io\.docker-gmsa\.windows-build on w19/);
    expect(decideWindowsBuild({ nodes, constraints: ['node.hostname==w22'] })).toMatchObject({ build: 20348, windowsNodes: ['w22'] });
  });

  test('unlabelled Windows nodes: 17763+ assumed, and the note says how to label them', () => {
    const d = decideWindowsBuild({ nodes: [nodeFromApi(apiNode('w1', 'windows'))], constraints: [] });
    expect(d).toMatchObject({ build: FREE_HOSTNAME_BUILD, source: 'assumed' });
    expect(d.note).toMatch(/w1 does not say its build/);
    expect(d.note).toMatch(/docker node update --label-add io\.docker-gmsa\.windows-build=17763 NODE/);
    const mixed = decideWindowsBuild({ nodes: [apiNode('w1', 'windows'), apiNode('w2', 'windows', { labels: { [L]: '20348' } })].map(nodeFromApi), constraints: [] });
    expect(mixed).toMatchObject({ build: 20348, source: 'nodes' });
    expect(mixed.note).toMatch(/w1 does not say its build/);
  });

  test('no Windows node, or nodes unknown: 17763+ assumed, and said', () => {
    const none = decideWindowsBuild({ nodes: [nodeFromApi(linux)], constraints: [] });
    expect(none).toMatchObject({ build: FREE_HOSTNAME_BUILD, source: 'assumed', windowsNodes: [] });
    expect(none.note).toMatch(/no Windows node .*stay pending/);
    expect(decideWindowsBuild({ constraints: [] }).note).toMatch(/could not be read/);
  });
});
