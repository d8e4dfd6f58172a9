/**
 * One class and one exit code per kind of refusal: a gMSA rule of the Windows build is refused with
 * BuildRuleError (exit 1) by every planner that checks it (run, compose, stack deploy, service create);
 * wrong command lines stay UsageError (exit 2).
 */
import { readProject } from '../../src/compose/project';
import { hideConfigSpecs, planStack } from '../../src/compose/stack';
import { parseComposeText } from '../../src/compose/yaml-doc';
import { buildCredentialSpec } from '../../src/credspec/model';
import { planRun } from '../../src/engine/run-plan';
import { BuildRuleError, exitCodeFor, UsageError } from '../../src/errors';
import { decideWindowsBuild } from '../../src/orchestrators/swarm-nodes';
import { planServiceCreate } from '../../src/orchestrators/swarm-plan';
import { profile, project, rewrite } from './compose/helpers';

const spec = buildCredentialSpec(
  { dnsName: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1-2-3', domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694' },
  ['webapp01'],
);

/** One rule broken: the build, and how each command asks for what the rule forbids. */
interface Case {
  rule: string;
  build: number;
  run: string[];
  runExtra?: { networkService?: boolean; othersWithAccount?: string[] };
  service: string[];
  serviceExtra?: { networkService?: boolean; othersWithAccount?: string[] };
  /** The service's body in a compose file (after image:). */
  compose: string;
}

const CASES: Case[] = [
  { rule: 'no gMSA before 2016', build: 10586, run: ['img'], service: ['img'], compose: '    x-gmsa: webapp01\n' },
  { rule: 'Hyper-V isolation on 1803', build: 17134, run: ['--isolation', 'hyperv', 'img'], service: ['--isolation', 'hyperv', 'img'], compose: '    x-gmsa: webapp01\n    isolation: hyperv\n' },
  {
    rule: 'Network Service before 1709',
    build: 14393,
    run: ['img'],
    runExtra: { networkService: true },
    service: ['img'],
    serviceExtra: { networkService: true },
    compose: '    x-gmsa: {account: webapp01, network-service: true}\n',
  },
  { rule: 'the hostname must be the gMSA name before 2019', build: 14393, run: ['--hostname', 'web', 'img'], service: ['--hostname', 'web', 'img'], compose: '    x-gmsa: webapp01\n    hostname: web\n' },
  {
    rule: 'one container per gMSA before 2019',
    build: 14393,
    run: ['img'],
    runExtra: { othersWithAccount: ['other-1'] },
    service: ['--replicas', '2', 'img'],
    compose: '    x-gmsa: webapp01\n    deploy: {replicas: 2}\n',
  },
];

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
}

function expectBuildRule(err: unknown, rule: string): void {
  expect({ rule, cls: (err as Error).constructor.name }).toEqual({ rule, cls: 'BuildRuleError' });
  expect(err).toBeInstanceOf(BuildRuleError);
  expect(exitCodeFor(err)).toBe(1);
}

describe.each(CASES)('$rule', (c) => {
  test('run', () => {
    const err = refusal(() =>
      planRun({
        account: 'webapp01',
        spec: { storeName: 'contoso_webapp01.json', spec },
        profile: profile(c.build, { apiVersion: '1.41' }),
        dockerArgs: c.run,
        specMode: 'auto',
        networkService: c.runExtra?.networkService ?? false,
        force: false,
        othersWithAccount: c.runExtra?.othersWithAccount ?? [],
        uniqueHostname: () => 'webapp01-ab12',
      }),
    );
    expectBuildRule(err, c.rule);
  });

  test('service create', () => {
    const err = refusal(() =>
      planServiceCreate({
        account: 'webapp01',
        configName: 'gmsa-contoso_webapp01-1a2b3c4d',
        build: { build: c.build, source: 'option', windowsNodes: [], note: '' },
        dockerArgs: c.service,
        networkService: c.serviceExtra?.networkService ?? false,
        force: false,
        othersWithAccount: c.serviceExtra?.othersWithAccount ?? [],
      }),
    );
    expectBuildRule(err, c.rule);
  });

  test('compose', async () => {
    const dir = project({ 'compose.yaml': `services:\n  web:\n    image: contoso/web:1\n${c.compose}` });
    const err = await rewrite(dir, [], { build: c.build }).then(
      () => new Error('expected a refusal'),
      (e: unknown) => e,
    );
    expectBuildRule(err, c.rule);
  });

  test('stack deploy', () => {
    const doc = parseComposeText('/base/compose.yaml', 'compose.yaml', `services:\n  web:\n    image: contoso/web:1\n${c.compose}`);
    const hidden = hideConfigSpecs([doc]);
    const proj = readProject([doc], () => undefined);
    const err = refusal(() =>
      planStack({
        project: proj,
        stack: 'st',
        lookup: () => undefined,
        specs: new Map([['web', { account: 'webapp01', configName: 'gmsa-contoso_webapp01-11111111' }]]),
        kept: hidden.services,
        buildFor: (constraints) => decideWindowsBuild({ explicit: c.build, constraints }),
        force: false,
        othersOnSwarm: new Map(),
      }),
    );
    expectBuildRule(err, c.rule);
  });
});

test('usage errors stay exit 2', () => {
  expect(exitCodeFor(new UsageError('x'))).toBe(2);
  expect(exitCodeFor(new BuildRuleError('x'))).toBe(1);
});
