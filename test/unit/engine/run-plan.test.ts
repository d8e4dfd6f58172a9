import { buildCredentialSpec } from '../../../src/credspec/model';
import type { HostProfile } from '../../../src/engine/profile';
import { ACCOUNT_LABEL, checkExecEngine, LOCAL_SYSTEM, makeUniqueHostname, NETWORK_SERVICE, planExec, planRun, REDACTED, type RunRequest } from '../../../src/engine/run-plan';
import { BuildRuleError, exitCodeFor, InvalidInputError, UsageError } from '../../../src/errors';

const spec = buildCredentialSpec(
  { dnsName: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1-2-3', domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694' },
  ['webapp01'],
);

function profile(build: number, extra: Partial<HostProfile> = {}): HostProfile {
  return {
    osType: 'windows',
    windowsBuild: build,
    isolation: 'process',
    isolationAssumed: false,
    apiVersion: '1.41',
    rootDirLocal: true,
    credentialSpecsDir: 'C:\\ProgramData\\docker\\CredentialSpecs',
    swarm: { state: 'inactive', role: 'none' },
    rules: [],
    ...extra,
  };
}

function req(build: number, dockerArgs: string[], extra: Partial<RunRequest> = {}): RunRequest {
  return {
    account: 'webapp01',
    spec: { storeName: 'contoso_webapp01.json', spec },
    profile: profile(build),
    dockerArgs,
    specMode: 'auto',
    networkService: false,
    force: false,
    othersWithAccount: [],
    uniqueHostname: () => 'webapp01-ab12',
    ...extra,
  };
}

describe('run planner: the Windows build rules', () => {
  test('14393: hostname is the gMSA name, file:// from the store, labelled', () => {
    const plan = planRun(req(14393, ['-d', 'img']));
    expect(plan.argv).toEqual(['run', '--security-opt', 'credentialspec=file://contoso_webapp01.json', '--label', `${ACCOUNT_LABEL}=webapp01`, '--hostname', 'webapp01', '-d', 'img']);
  });

  test('before 17763 another hostname is refused, and a second container unless --force', () => {
    expect(() => planRun(req(17134, ['--hostname', 'other', 'img']))).toThrow(BuildRuleError);
    expect(() => planRun(req(17134, ['--hostname', 'other', 'img']))).toThrow(/must be the gMSA name/);
    expect(planRun(req(17134, ['-h', 'WEBAPP01', 'img'])).hostname).toBe('WEBAPP01');
    expect(() => planRun(req(16299, ['img'], { othersWithAccount: ['web-1'] }))).toThrow(BuildRuleError);
    const forced = planRun(req(16299, ['img'], { othersWithAccount: ['web-1'], force: true }));
    expect(forced.notes.join('\n')).toMatch(/intermittent trust failures/);
  });

  test('Hyper-V isolation is refused on 1703/1709/1803, asked or by default; fine on 2019', () => {
    for (const b of [15063, 16299, 17134]) {
      expect(() => planRun(req(b, ['--isolation', 'hyperv', 'img']))).toThrow(BuildRuleError);
      expect(() => planRun(req(b, ['img'], { profile: profile(b, { isolation: 'hyperv' }) }))).toThrow(/engine's default isolation/);
      expect(planRun(req(b, ['--isolation=process', 'img'], { profile: profile(b, { isolation: 'hyperv' }) })).argv).toContain('--isolation=process');
    }
    expect(planRun(req(17763, ['--isolation', 'hyperv', 'img'])).argv).toContain('hyperv');
  });

  test('17763+: a user hostname is kept; without one each container gets a unique ≤15-character name', () => {
    expect(planRun(req(20348, ['--hostname', 'web', 'img'])).argv).not.toContain('webapp01-ab12');
    const plan = planRun(req(17763, ['img']));
    expect(plan.argv).toEqual(expect.arrayContaining(['--hostname', 'webapp01-ab12']));
    expect(makeUniqueHostname('averyverylongname', () => 'Z9y8x7')).toBe('averyveryl-z9y8');
    expect(makeUniqueHostname('averyverylongname', () => 'Z9').length).toBeLessThanOrEqual(15);
  });

  test('delivery: raw:// when the spec is not in the store (API 1.40+), refused below; --spec-mode forces', () => {
    const noStore = { spec: { spec } };
    expect(planRun(req(20348, ['img'], noStore)).securityOpt).toBe(`credentialspec=raw://${JSON.stringify(spec)}`);
    expect(() => planRun(req(14393, ['img'], { ...noStore, profile: profile(14393, { apiVersion: '1.30' }) }))).toThrow(/API 1\.30/);
    expect(planRun(req(20348, ['img'], { specMode: 'raw' })).securityOpt).toMatch(/^credentialspec=raw:\/\//);
    expect(() => planRun(req(20348, ['img'], { ...noStore, specMode: 'file' }))).toThrow(/--spec-mode file/);
  });

  describe('a spec with a HostAccountConfig (its PluginInput is a secret)', () => {
    const SECRET = 'ObjectId=0f1e2d3c-aaaa-bbbb-cccc-000000000001;SecretUri=https://vault.vault.azure.net/secrets/ccg-s3cr3t';
    const withHost = buildCredentialSpec(
      { dnsName: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1-2-3', domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694' },
      ['webapp01'],
      { hostAccount: { PortableCcgVersion: '1', PluginGUID: 'azure-keyvault', PluginInput: SECRET } },
    );

    test('outside the store it is refused in auto mode, naming spec install and --spec-mode raw', () => {
      let err: unknown;
      try {
        planRun(req(20348, ['img'], { spec: { spec: withHost } }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).message).toMatch(/HostAccountConfig .*command line, which every user of this machine can read \(ps\)/);
      expect((err as InvalidInputError).message).not.toContain(SECRET);
      expect((err as InvalidInputError).hint).toMatch(/docker gmsa spec install FILE.*--spec NAME.*--spec-mode raw/);
    });

    test('--spec-mode raw sends it with a warning; the shown command has the PluginInput redacted', () => {
      const plan = planRun(req(20348, ['img'], { spec: { spec: withHost }, specMode: 'raw' }));
      expect(plan.argv.join(' ')).toContain(SECRET);
      expect(plan.notes.join('\n')).toMatch(/^Warning: --spec-mode raw puts the spec's HostAccountConfig \(PluginInput included\) on the docker run command line/m);
      expect(plan.shownArgv.join(' ')).not.toContain(SECRET);
      const shown = plan.shownArgv[2] as string;
      expect(shown.startsWith('credentialspec=raw://')).toBe(true);
      const parsed = JSON.parse(shown.slice('credentialspec=raw://'.length)) as typeof withHost;
      expect(parsed.ActiveDirectoryConfig.HostAccountConfig).toEqual({ ...withHost.ActiveDirectoryConfig.HostAccountConfig, PluginInput: REDACTED });
      expect(plan.shownArgv.filter((a, i) => a !== plan.argv[i])).toHaveLength(1);
    });

    test('from the store it goes as file://, nothing to redact', () => {
      const plan = planRun(req(20348, ['img'], { spec: { storeName: 'contoso_webapp01.json', spec: withHost } }));
      expect(plan.securityOpt).toBe('credentialspec=file://contoso_webapp01.json');
      expect(plan.shownArgv).toEqual(plan.argv);
    });

    test('a spec without one still goes inline in auto mode, shown as it is', () => {
      const plan = planRun(req(20348, ['img'], { spec: { spec } }));
      expect(plan.securityOpt).toMatch(/^credentialspec=raw:\/\//);
      expect(plan.shownArgv).toEqual(plan.argv);
    });
  });

  test('--network-service sets the user, needs 1709, and conflicts with --user', () => {
    expect(planRun(req(17763, ['img'], { networkService: true })).argv).toEqual(expect.arrayContaining(['--user', NETWORK_SERVICE]));
    expect(() => planRun(req(14393, ['img'], { networkService: true }))).toThrow(/1709/);
    expect(() => planRun(req(17763, ['-u', 'x', 'img'], { networkService: true }))).toThrow(UsageError);
  });

  test('a Linux engine, a pre-2016 build and a hand-made credentialspec option are refused', () => {
    expect(() => planRun(req(17763, ['img'], { profile: { ...profile(17763), osType: 'linux' } }))).toThrow(/need a Windows engine/);
    expect(() => planRun(req(10586, ['img']))).toThrow(/predates gMSA support/);
    expect(() => planRun(req(17763, ['--security-opt', 'credentialspec=file://x.json', 'img']))).toThrow(/remove yours/);
  });
});

describe('exec planner', () => {
  test('the identity goes first, the user\'s docker exec arguments follow unchanged, ours taken out', () => {
    expect(planExec(['-it', '--system', '-e', 'A=1', 'c1', 'cmd', '--system'], {})).toEqual({
      help: false,
      dryRun: false,
      identity: LOCAL_SYSTEM,
      argv: ['exec', '--user', LOCAL_SYSTEM, '-it', '-e', 'A=1', 'c1', 'cmd', '--system'],
    });
    expect(planExec(['-d', '--dry-run', 'c1', 'cmd'], {})).toMatchObject({ dryRun: true, identity: NETWORK_SERVICE });
    expect(planExec(['c1', 'cmd'], { system: true, dryRun: true })).toMatchObject({ dryRun: true, identity: LOCAL_SYSTEM });
    expect(planExec(['-it', '--help'], {}).help).toBe(true);
  });

  test('usage errors: both identities, --user, no COMMAND', () => {
    expect(() => planExec(['-it', '--network-service', 'c1', 'cmd'], { system: true })).toThrow(/exclude each other/);
    expect(() => planExec(['-itu', 'admin', 'c1', 'cmd'], {})).toThrow(/--user admin conflicts/);
    expect(() => planExec(['-it', 'c1'], {})).toThrow(/missing COMMAND/);
  });

  test('Network Service or SYSTEM before 1709 is refused the same way (class, exit code) in run and exec', () => {
    const execErr = (() => {
      try {
        checkExecEngine(planExec(['c1', 'cmd'], {}), profile(14393));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    const runErr = (() => {
      try {
        planRun(req(14393, ['img'], { networkService: true }));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(execErr).toBeInstanceOf(BuildRuleError);
    expect(runErr).toBeInstanceOf(BuildRuleError);
    expect(exitCodeFor(execErr)).toBe(1);
    expect(exitCodeFor(runErr)).toBe(1);
    expect((execErr as Error).message).toBe((runErr as Error).message);
    expect(() => checkExecEngine(planExec(['c1', 'cmd'], { system: true }), profile(16299))).not.toThrow();
  });
});
