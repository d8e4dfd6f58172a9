/**
 * The gMSA rules of each Windows build (src/engine/build-rules.ts), one table per build, applied by the
 * commands that call them: run (planRun), servicefabric (planServiceFabric), service create, compose and
 * stack deploy. Refusals are
 * BuildRuleError everywhere.
 */
import { buildCredentialSpec } from '../../../src/credspec/model';
import { hostnameRefusal, isolationRefusal, netbiosNote, NETWORK_SERVICE, sharedHostnameRefusal, singleUseRefusal, userRefusal } from '../../../src/engine/build-rules';
import type { HostProfile } from '../../../src/engine/profile';
import { planRun, type RunRequest } from '../../../src/engine/run-plan';
import { BuildRuleError } from '../../../src/errors';
import { planServiceFabric } from '../../../src/orchestrators/servicefabric';
import { readProject } from '../../../src/compose/project';
import { hideConfigSpecs, planStack } from '../../../src/compose/stack';
import { parseComposeText } from '../../../src/compose/yaml-doc';
import { decideWindowsBuild } from '../../../src/orchestrators/swarm-nodes';
import { planServiceCreate } from '../../../src/orchestrators/swarm-plan';
import { project, rewrite } from '../compose/helpers';

/** What a command does with one ask on one build: 'refused' (BuildRuleError) or 'ok'. */
type Outcome = 'refused' | 'ok';
async function outcome(f: () => unknown): Promise<Outcome> {
  try {
    await f();
    return 'ok';
  } catch (err) {
    if (err instanceof BuildRuleError) return 'refused';
    throw err;
  }
}

/** The asks, as each swarm/compose command spells them. */
const ASKS = {
  hyperv: { service: ['--isolation', 'hyperv', 'img'], compose: '    isolation: hyperv\n', networkService: false },
  hostname: { service: ['--hostname', 'web', 'img'], compose: '    hostname: web\n', networkService: false },
  networkService: { service: ['img'], compose: '', networkService: true },
} as const;

async function otherCommands(build: number, ask: keyof typeof ASKS): Promise<Record<string, Outcome>> {
  const a = ASKS[ask];
  const xgmsa = a.networkService ? '    x-gmsa: {account: webapp01, network-service: true}\n' : '    x-gmsa: webapp01\n';
  const body = `services:\n  web:\n    image: contoso/web:1\n${xgmsa}${a.compose}`;
  const doc = parseComposeText('/base/compose.yaml', 'compose.yaml', body);
  const hidden = hideConfigSpecs([doc]);
  const proj = readProject([doc], () => undefined);
  return {
    'service create': await outcome(() =>
      planServiceCreate({
        account: 'webapp01',
        configName: 'gmsa-contoso_webapp01-1a2b3c4d',
        build: { build, source: 'option', windowsNodes: [], note: '' },
        dockerArgs: a.service,
        networkService: a.networkService,
        force: false,
        othersWithAccount: [],
      }),
    ),
    compose: await outcome(() => rewrite(project({ 'compose.yaml': body }), [], { build })),
    'stack deploy': await outcome(() =>
      planStack({
        project: proj,
        stack: 'st',
        lookup: () => undefined,
        specs: new Map([['web', { account: 'webapp01', configName: 'gmsa-contoso_webapp01-11111111' }]]),
        kept: hidden.services,
        buildFor: (constraints) => decideWindowsBuild({ explicit: build, constraints }),
        force: false,
        othersOnSwarm: new Map(),
      }),
    ),
  };
}

const spec = buildCredentialSpec({ dnsName: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1-2-3', domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694' }, ['webapp01']);

function profile(build: number): HostProfile {
  return { osType: 'windows', windowsBuild: build, isolation: 'process', isolationAssumed: false, apiVersion: '1.41', rootDirLocal: true, credentialSpecsDir: 'C:\\ProgramData\\docker\\CredentialSpecs', swarm: { state: 'inactive', role: 'none' }, rules: [] };
}

function run(build: number, dockerArgs: string[], extra: Partial<RunRequest> = {}): () => ReturnType<typeof planRun> {
  return () =>
    planRun({ account: 'webapp01', spec: { storeName: 'contoso_webapp01.json', spec }, profile: profile(build), dockerArgs, specMode: 'auto', networkService: false, force: false, othersWithAccount: [], uniqueHostname: () => 'webapp01-ab12', ...extra });
}

interface Row {
  build: number;
  hypervRefused: boolean;
  networkServiceRefused: boolean;
  /** The hostname must be the gMSA name, and one container per gMSA. */
  pinnedHostname: boolean;
}

const TABLE: Row[] = [
  { build: 14393, hypervRefused: false, networkServiceRefused: true, pinnedHostname: true },
  { build: 15063, hypervRefused: true, networkServiceRefused: true, pinnedHostname: true },
  { build: 16299, hypervRefused: true, networkServiceRefused: false, pinnedHostname: true },
  { build: 17134, hypervRefused: true, networkServiceRefused: false, pinnedHostname: true },
  { build: 17763, hypervRefused: false, networkServiceRefused: false, pinnedHostname: false },
  { build: 20348, hypervRefused: false, networkServiceRefused: false, pinnedHostname: false },
  { build: 26100, hypervRefused: false, networkServiceRefused: false, pinnedHostname: false },
];

describe.each(TABLE)('Windows build $build', (row) => {
  const { build } = row;

  test('isolation: Hyper-V with a gMSA', () => {
    expect(isolationRefusal(build, 'hyperv')?.rule).toBe(row.hypervRefused ? 'isolation' : undefined);
    expect(isolationRefusal(build, 'process')).toBeUndefined();
    const r = run(build, ['--isolation', 'hyperv', 'img']);
    const sf = () => planServiceFabric({ account: 'webapp01', specFileName: 'contoso_webapp01.json', isolation: 'hyperv', build });
    if (row.hypervRefused) {
      expect(r).toThrow(BuildRuleError);
      expect(r).toThrow(/Hyper-V isolation with a gMSA hangs or fails/);
      expect(sf).toThrow(BuildRuleError);
      expect(sf).toThrow(/Hyper-V isolation with a gMSA hangs or fails/);
    } else {
      expect(r().argv).toContain('--isolation');
      expect(sf().xml).toContain('Isolation="hyperv"');
      expect(sf().notes.join('\n')).not.toMatch(/Hyper-V/);
    }
  });

  test('user: Network Service', () => {
    expect(userRefusal(build, NETWORK_SERVICE)?.rule).toBe(row.networkServiceRefused ? 'user' : undefined);
    const r = run(build, ['img'], { networkService: true });
    if (row.networkServiceRefused) expect(r).toThrow(BuildRuleError);
    else expect(r().argv).toContain(NETWORK_SERVICE);
  });

  test('hostname: the gMSA name before 2019, free (and unique) from 2019', () => {
    expect(hostnameRefusal(build, 'webapp01', 'web')?.rule).toBe(row.pinnedHostname ? 'hostname' : undefined);
    const given = run(build, ['--hostname', 'web', 'img']);
    const sf = () => planServiceFabric({ account: 'webapp01', specFileName: 'contoso_webapp01.json', hostname: 'web', build });
    if (row.pinnedHostname) {
      expect(given).toThrow(BuildRuleError);
      expect(given).toThrow(/must be the gMSA name/);
      expect(sf).toThrow(BuildRuleError);
      expect(sf).toThrow(/must be the gMSA name/);
      expect(run(build, ['img'])().hostname).toBe('webapp01');
    } else {
      expect(given().hostname).toBe('web');
      // No pre-2019 hostname warning on 2019 and later.
      expect(sf().notes.join('\n')).not.toMatch(/before Windows Server 2019/);
      expect(run(build, ['img'])().hostname).toBe('webapp01-ab12');
    }
  });

  test('single use before 2019, shared explicit hostname from 2019 (--force accepts both)', async () => {
    expect(singleUseRefusal(build, 'webapp01', ['c1'], false)?.rule).toBe(row.pinnedHostname ? 'single-use' : undefined);
    expect(singleUseRefusal(build, 'webapp01', ['c1'], true)).toBeUndefined();
    expect(sharedHostnameRefusal(build, 'webapp01', 'web', ['c1'], false)?.rule).toBe(row.pinnedHostname ? undefined : 'shared-hostname');
    expect(sharedHostnameRefusal(build, 'webapp01', 'web', ['c1'], true)).toBeUndefined();
    if (row.pinnedHostname) {
      expect(run(build, ['img'], { othersWithAccount: ['c1'] })).toThrow(BuildRuleError);
      expect(run(build, ['img'], { othersWithAccount: ['c1'], force: true })().notes.join('\n')).toMatch(/intermittent trust failures/);
    } else {
      const shared = run(build, ['--hostname', 'web', 'img'], { sameHostname: ['c1'] });
      expect(shared).toThrow(BuildRuleError);
      expect(shared).toThrow(/c1 already runs with the gMSA webapp01 and the hostname web/);
      expect(run(build, ['--hostname', 'web', 'img'], { sameHostname: ['c1'], force: true })().notes.join('\n')).toMatch(/intermittent trust failures/);
      expect(run(build, ['--hostname', 'other', 'img'], { sameHostname: [] })().hostname).toBe('other');
    }
    // service create: a fixed hostname on several tasks.
    const svc = (force: boolean) => () =>
      planServiceCreate({ account: 'webapp01', configName: 'gmsa-contoso_webapp01-1a2b3c4d', build: { build, source: 'option', windowsNodes: [], note: '' }, dockerArgs: ['--hostname', 'webapp01', '--replicas', '2', 'img'], networkService: false, force, othersWithAccount: [] });
    if (row.pinnedHostname) expect(svc(false)).toThrow(/only one container per gMSA/);
    else {
      expect(svc(false)).toThrow(/all the tasks \(--replicas 2\) would run with the gMSA webapp01 and the hostname webapp01/);
      expect(svc(true)().notes.join('\n')).toMatch(/every task gets the hostname webapp01/);
    }
    // stack deploy: a fixed hostname on several replicas.
    const stackBody = `services:\n  web:\n    image: img\n    x-gmsa: webapp01\n    hostname: webapp01\n    deploy:\n      replicas: 2\n`;
    const stackPlan = (force: boolean) => () => {
      const doc = parseComposeText('/base/compose.yaml', 'compose.yaml', stackBody);
      const hidden = hideConfigSpecs([doc]);
      return planStack({
        project: readProject([doc], () => undefined),
        stack: 'st',
        lookup: () => undefined,
        specs: new Map([['web', { account: 'webapp01', configName: 'gmsa-contoso_webapp01-11111111' }]]),
        kept: hidden.services,
        buildFor: (constraints) => decideWindowsBuild({ explicit: build, constraints }),
        force,
        othersOnSwarm: new Map(),
      });
    };
    if (row.pinnedHostname) expect(stackPlan(false)).toThrow(/only one container per gMSA|one task per gMSA|at a time/);
    else {
      expect(stackPlan(false)).toThrow(/all the tasks \(replicas: 2\) would run with the gMSA webapp01 and the hostname webapp01/);
      expect(stackPlan(true)().notes.join('\n')).toMatch(/every task gets the hostname webapp01.*\(--force\)/);
    }
    // compose: two services of one gMSA with one hostname, or two replicas with a hostname.
    const twoServices = `services:\n  web:\n    image: img\n    x-gmsa: webapp01\n    hostname: webapp01\n  jobs:\n    image: img\n    x-gmsa: webapp01\n    hostname: webapp01\n`;
    const replicas = `services:\n  web:\n    image: img\n    x-gmsa: webapp01\n    hostname: webapp01\n    scale: 2\n`;
    for (const body of [twoServices, replicas]) {
      const refused = rewrite(project({ 'compose.yaml': body }), [], { build });
      await expect(refused).rejects.toThrow(BuildRuleError);
      if (row.pinnedHostname) {
        await expect(refused).rejects.toThrow(/would run with the gMSA webapp01 at the same time/);
      } else {
        await expect(refused).rejects.toThrow(/would run with the gMSA webapp01 and the hostname webapp01; two containers sharing one gMSA and one hostname lose their trust/);
        const forced = await rewrite(project({ 'compose.yaml': body }), ['--force'], { build });
        expect(forced.notes.join('\n')).toMatch(/the gMSA webapp01 and the hostname webapp01 are shared with .* \(--force\): expect intermittent trust failures/);
        // Commands that start nothing (ps, logs, down) are not refused.
        expect((await rewrite(project({ 'compose.yaml': body }), ['down'], { build })).changed).toEqual([true]);
      }
    }
  });

  test('service create, compose and stack deploy apply the same rules', async () => {
    const all = (o: Outcome): Record<string, Outcome> => ({ 'service create': o, compose: o, 'stack deploy': o });
    expect(await otherCommands(build, 'hyperv')).toEqual(all(row.hypervRefused ? 'refused' : 'ok'));
    expect(await otherCommands(build, 'hostname')).toEqual(all(row.pinnedHostname ? 'refused' : 'ok'));
    expect(await otherCommands(build, 'networkService')).toEqual(all(row.networkServiceRefused ? 'refused' : 'ok'));
  });

  test('NetBIOS length: a warning over 15 characters', () => {
    expect(netbiosNote('a-very-long-hostname')).toMatch(/longer than 15 characters/);
    expect(netbiosNote('webapp01')).toBeUndefined();
    if (!row.pinnedHostname) expect(run(build, ['--hostname', 'a-very-long-hostname', 'img'])().notes.join('\n')).toMatch(/longer than 15 characters/);
  });
});
