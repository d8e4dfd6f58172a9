import {
  WINDOWS_BUILDS,
  compareApiVersions,
  releaseName,
  rulesForBuild,
  windowsRelease,
  type Rule,
} from '../../../src/engine/windows-builds';

function ids(rules: Rule[]): string[] {
  return rules.map((r) => r.id);
}

function rule(rules: Rule[], id: string): Rule {
  const r = rules.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id} in ${ids(rules).join(', ')}`);
  return r;
}

describe('build table', () => {
  test('is sorted and covers the builds gMSA rules depend on', () => {
    const builds = WINDOWS_BUILDS.map((r) => r.build);
    expect([...builds].sort((a, b) => a - b)).toEqual(builds);
    for (const b of [14393, 15063, 16299, 17134, 17763, 18362, 18363, 19041, 19042, 20348, 26100]) {
      expect(windowsRelease(b)).toBeDefined();
    }
  });

  test.each([
    [14393, undefined, 'Windows Server 2016 (1607)'],
    [14393, 'client', 'Windows 10 1607'],
    [15063, undefined, 'Windows 10 1703'],
    [16299, undefined, 'Windows Server 1709'],
    [17134, undefined, 'Windows Server 1803'],
    [17763, undefined, 'Windows Server 2019 (1809)'],
    [17763, 'client', 'Windows 10 1809'],
    [18362, undefined, 'Windows Server 1903'],
    [18363, undefined, 'Windows Server 1909'],
    [19041, undefined, 'Windows Server 2004'],
    [19042, undefined, 'Windows Server 20H2'],
    [19045, undefined, 'Windows 10 22H2'],
    [20348, undefined, 'Windows Server 2022 (21H2)'],
    [20348, 'client', 'Windows Server 2022 (21H2)'],
    [26100, undefined, 'Windows Server 2025 (24H2)'],
    [26100, 'client', 'Windows 11 24H2'],
    [17800, undefined, 'Windows build 17800 (after 1809)'],
    [10586, undefined, 'Windows build 10586 (older than Windows Server 2016)'],
  ] as const)('releaseName(%s, %s) = %s', (build, edition, name) => {
    expect(releaseName(build, edition)).toBe(name);
  });

  test('compareApiVersions compares numerically', () => {
    expect(compareApiVersions('1.40', '1.9')).toBeGreaterThan(0);
    expect(compareApiVersions('1.39', '1.40')).toBeLessThan(0);
    expect(compareApiVersions('1.40', '1.40')).toBe(0);
    expect(compareApiVersions('1.4', '1.40')).toBeLessThan(0);
  });
});

describe('rulesForBuild', () => {
  test('older than 14393: no gMSA for containers at all', () => {
    const rules = rulesForBuild(10586, { apiVersion: '1.24' });
    expect(rules).toHaveLength(1);
    expect(rule(rules, 'unsupported-build').severity).toBe('blocker');
  });

  test('14393 (Server 2016): hostname = gMSA name, one container per gMSA, no Network Service', () => {
    const rules = rulesForBuild(14393, { isolation: 'process', apiVersion: '1.30' });
    expect(ids(rules)).toEqual(
      expect.arrayContaining(['hostname-must-match', 'one-container-per-gmsa', 'network-service-needs-1709', 'raw-spec-unsupported']),
    );
    expect(ids(rules)).not.toContain('hyperv-gmsa-broken');
    expect(ids(rules)).not.toContain('unique-hostname');
    expect(rule(rules, 'hostname-must-match').text).toMatch(/NTLM/);
    expect(rule(rules, 'one-container-per-gmsa').text).toMatch(/domain controller/);
    expect(rule(rules, 'raw-spec-unsupported').severity).toBe('warning');
  });

  test('15063 (1703): Hyper-V isolation with a gMSA is broken; a blocker when Hyper-V is the default', () => {
    const proc = rulesForBuild(15063, { isolation: 'process' });
    expect(rule(proc, 'hyperv-gmsa-broken').severity).toBe('warning');
    expect(ids(proc)).toContain('network-service-needs-1709');
    expect(ids(proc)).toContain('hostname-must-match');
    const hv = rulesForBuild(15063, { isolation: 'hyperv' });
    expect(rule(hv, 'hyperv-gmsa-broken').severity).toBe('blocker');
    expect(rule(hv, 'hyperv-gmsa-broken').text).toContain('--isolation process');
    expect(rule(rulesForBuild(15063), 'hyperv-gmsa-broken').severity).toBe('warning');
  });

  test.each([16299, 17134])('%s: hostname rules, Hyper-V broken, Network Service fine', (build) => {
    const rules = rulesForBuild(build, { isolation: 'hyperv', apiVersion: '1.39' });
    expect(ids(rules)).toEqual(expect.arrayContaining(['hostname-must-match', 'one-container-per-gmsa', 'hyperv-gmsa-broken', 'run-as-network-service']));
    expect(ids(rules)).not.toContain('network-service-needs-1709');
    expect(rule(rules, 'hyperv-gmsa-broken').severity).toBe('blocker');
  });

  test.each([17763, 20348, 26100])('%s: hostname free but unique per container, no Hyper-V problem', (build) => {
    const rules = rulesForBuild(build, { isolation: 'process', apiVersion: '1.41' });
    expect(ids(rules)).toEqual(['hostname-free', 'unique-hostname', 'run-as-network-service', 'raw-spec-supported']);
    expect(rule(rules, 'unique-hostname').text).toMatch(/15 characters/);
    expect(rule(rules, 'unique-hostname').severity).toBe('warning');
    expect(rules.some((r) => r.severity === 'blocker')).toBe(false);
    // Hyper-V is fine from 1809 on
    expect(ids(rulesForBuild(build, { isolation: 'hyperv' }))).not.toContain('hyperv-gmsa-broken');
  });

  test('raw:// needs API 1.40', () => {
    expect(ids(rulesForBuild(17763, { apiVersion: '1.39' }))).toContain('raw-spec-unsupported');
    expect(ids(rulesForBuild(17763, { apiVersion: '1.40' }))).toContain('raw-spec-supported');
    expect(ids(rulesForBuild(17763, {}))).toContain('raw-spec-api-unknown');
  });

  test('every rule has text and a known severity; ids are unique per build', () => {
    for (const b of [10586, 14393, 15063, 16299, 17134, 17763, 19045, 20348, 26100]) {
      const rules = rulesForBuild(b, { isolation: 'hyperv', apiVersion: '1.41' });
      expect(new Set(ids(rules)).size).toBe(rules.length);
      for (const r of rules) {
        expect(['info', 'warning', 'blocker']).toContain(r.severity);
        expect(r.text.length).toBeGreaterThan(20);
      }
    }
  });
});
