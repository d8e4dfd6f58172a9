import { buildHostProfile, parseWindowsBuild, windowsEdition, type HostProfile } from '../../../src/engine/profile';
import type { ResolvedEndpoint } from '../../../src/engine/endpoint';
import { listFixtures, loadFixture } from '../../support/windows-engine';

const npipe: Pick<ResolvedEndpoint, 'protocol'> = { protocol: 'npipe' };
const unix: Pick<ResolvedEndpoint, 'protocol'> = { protocol: 'unix' };
const tcp: Pick<ResolvedEndpoint, 'protocol'> = { protocol: 'tcp' };

function profileOf(name: string, over: { info?: object; version?: object } = {}, ctx: Partial<Parameters<typeof buildHostProfile>[2]> = {}): HostProfile {
  const f = loadFixture(name);
  return buildHostProfile({ ...f.info, ...over.info }, { ...f.version, ...over.version }, {
    endpoint: npipe,
    platform: 'win32',
    pathExists: () => true,
    ...ctx,
  });
}

describe('fixtures', () => {
  test('all expected engines are recorded', () => {
    expect(listFixtures()).toEqual(
      expect.arrayContaining([
        'windows-14393-engine-17.06',
        'windows-17134-engine-18.09',
        'windows-17763-engine-19.03',
        'windows-17763-engine-20.10',
        'windows-20348-engine-24.0',
        'windows-26100-engine-27.5',
        'windows10-19045-desktop-24.0',
        'linux-engine-20.10-swarm-manager',
      ]),
    );
  });

  test.each(listFixtures())('%s has the usual /info and /version keys', (name) => {
    const f = loadFixture(name);
    for (const k of ['ID', 'Containers', 'Images', 'Driver', 'KernelVersion', 'OperatingSystem', 'OSType', 'Architecture', 'NCPU', 'MemTotal', 'DockerRootDir', 'Name', 'ServerVersion', 'Swarm']) {
      expect(f.info).toHaveProperty(k);
    }
    for (const k of ['ApiVersion', 'MinAPIVersion', 'Version', 'Os', 'KernelVersion']) expect(f.version).toHaveProperty(k);
    expect(f.info.Swarm).toHaveProperty('LocalNodeState');
    expect(f.info.Swarm).toHaveProperty('ControlAvailable');
    if (f.info.OSType === 'windows') expect(f.info.Driver).toBe('windowsfilter');
  });
});

describe('Windows build parsing for every fixture', () => {
  const expected: Array<[string, Partial<HostProfile>]> = [
    ['windows-14393-engine-17.06', { windowsBuild: 14393, windowsRevision: 2248, release: 'Windows Server 2016 (1607)', isolation: 'process', isolationAssumed: true, engineVersion: '17.06.2-ee-16', apiVersion: '1.30' }],
    ['windows-17134-engine-18.09', { windowsBuild: 17134, windowsRevision: 1130, release: 'Windows Server 1803', isolation: 'process', isolationAssumed: false, apiVersion: '1.39' }],
    ['windows-17763-engine-19.03', { windowsBuild: 17763, windowsRevision: 1158, release: 'Windows Server 2019 (1809)', isolation: 'process', apiVersion: '1.40' }],
    ['windows-17763-engine-20.10', { windowsBuild: 17763, windowsRevision: 2928, release: 'Windows Server 2019 (1809)', isolation: 'process', apiVersion: '1.41' }],
    ['windows-20348-engine-24.0', { windowsBuild: 20348, windowsRevision: 2113, release: 'Windows Server 2022 (21H2)', isolation: 'process', engineVersion: '24.0.7', apiVersion: '1.43' }],
    ['windows-26100-engine-27.5', { windowsBuild: 26100, windowsRevision: 3194, release: 'Windows Server 2025 (24H2)', isolation: 'process', engineVersion: '27.5.1', apiVersion: '1.47' }],
    ['windows10-19045-desktop-24.0', { windowsBuild: 19045, windowsRevision: 3803, release: 'Windows 10 22H2', isolation: 'hyperv', isolationAssumed: false }],
  ];
  test.each(expected)('%s', (name, want) => {
    const p = profileOf(name);
    expect(p.osType).toBe('windows');
    expect(p).toMatchObject(want);
  });

  test.each([
    [{ OSVersion: '10.0.17763.1234' }, { build: 17763, revision: 1234 }],
    [{ OSVersion: '10.0.20348' }, { build: 20348 }],
    [{ OSVersion: '10.0.20348', OperatingSystem: 'Microsoft Windows Server Version 21H2 (OS Build 20348.707)' }, { build: 20348, revision: 707 }],
    [{ OperatingSystem: 'Windows Server 2019 Datacenter Version 1809 (OS Build 17763.1234)' }, { build: 17763, revision: 1234 }],
    [{ OperatingSystem: 'Microsoft Windows Server 2022 Datacenter (Build 20348)' }, { build: 20348 }],
    [{ OperatingSystem: 'Windows Server 2016 Datacenter', KernelVersion: '10.0 14393 (14393.2248.amd64fre.rs1_release.180427-1804)' }, { build: 14393, revision: 2248 }],
    [{ KernelVersion: '10.0 17763 (17763.1.amd64fre.rs5_release.180914-1434)' }, { build: 17763 }],
    [{ KernelVersion: '10.0 19045 (19041.1.amd64fre.vb_release.191206-1406)' }, { build: 19045 }],
    [{ KernelVersion: '10.0.17763.1' }, { build: 17763, revision: 1 }],
    [{ OperatingSystem: 'Windows Server 2016 Datacenter' }, {}],
    [{}, {}],
  ])('parseWindowsBuild(%j)', (info, want) => {
    expect(parseWindowsBuild(info)).toEqual(want);
  });

  test('the edition comes from OperatingSystem', () => {
    expect(windowsEdition('Windows Server 2016 Datacenter')).toBe('server');
    expect(windowsEdition('Microsoft Windows Server Version 21H2 (OS Build 20348.707)')).toBe('server');
    expect(windowsEdition('Microsoft Windows Version 22H2 (OS Build 19045.3803)')).toBe('client');
    expect(windowsEdition('Windows 10 Enterprise Version 1809 (OS Build 17763.1)')).toBe('client');
    expect(windowsEdition(undefined)).toBeUndefined();
    expect(windowsEdition('Something')).toBeUndefined();
  });
});

describe('isolation', () => {
  test('reported isolation wins', () => {
    expect(profileOf('windows-20348-engine-24.0', { info: { Isolation: 'hyperv' } })).toMatchObject({ isolation: 'hyperv', isolationAssumed: false });
  });

  test('missing on a Server edition: process, assumed', () => {
    const info = { ...loadFixture('windows-20348-engine-24.0').info };
    delete info.Isolation;
    const p = buildHostProfile(info, loadFixture('windows-20348-engine-24.0').version, { endpoint: npipe, platform: 'win32', pathExists: () => true });
    expect(p).toMatchObject({ isolation: 'process', isolationAssumed: true });
  });

  test('missing on a client edition: hyperv, assumed', () => {
    const f = loadFixture('windows10-19045-desktop-24.0');
    const info = { ...f.info };
    delete info.Isolation;
    expect(buildHostProfile(info, f.version, { endpoint: npipe, platform: 'win32', pathExists: () => true })).toMatchObject({
      isolation: 'hyperv',
      isolationAssumed: true,
    });
  });

  test('missing and no edition to go by: unknown', () => {
    const p = profileOf('windows-20348-engine-24.0', { info: { Isolation: '', OperatingSystem: '' } });
    expect(p.isolation).toBeUndefined();
    expect(p.isolationAssumed).toBe(false);
    expect(p.windowsBuild).toBe(20348);
  });
});

describe('store location and rootDirLocal', () => {
  test('credentialSpecsDir uses the engine OS separator', () => {
    expect(profileOf('windows-20348-engine-24.0').credentialSpecsDir).toBe('C:\\ProgramData\\docker\\CredentialSpecs');
    expect(profileOf('windows10-19045-desktop-24.0').credentialSpecsDir).toBe('C:\\ProgramData\\Docker\\CredentialSpecs');
    expect(profileOf('linux-engine-20.10-swarm-manager', {}, { platform: 'linux', endpoint: unix }).credentialSpecsDir).toBe('/var/lib/docker/CredentialSpecs');
  });

  test('local pipe, Windows here, folder present: local', () => {
    const seen: string[] = [];
    const p = profileOf('windows-17763-engine-20.10', {}, { pathExists: (x) => (seen.push(x), true) });
    expect(p.rootDirLocal).toBe(true);
    expect(seen).toEqual(['C:\\ProgramData\\docker']);
  });

  test('not local: tcp endpoint, other OS here, or folder missing', () => {
    expect(profileOf('windows-17763-engine-20.10', {}, { endpoint: tcp }).rootDirLocal).toBe(false);
    expect(profileOf('windows-17763-engine-20.10', {}, { platform: 'linux', endpoint: unix }).rootDirLocal).toBe(false);
    expect(profileOf('windows-17763-engine-20.10', {}, { pathExists: () => false }).rootDirLocal).toBe(false);
  });

  test('a Linux engine on a local socket on Linux is local', () => {
    expect(profileOf('linux-engine-20.10-swarm-manager', {}, { platform: 'linux', endpoint: unix }).rootDirLocal).toBe(true);
    expect(profileOf('linux-engine-20.10-swarm-manager', {}, { platform: 'win32', endpoint: npipe }).rootDirLocal).toBe(false);
  });
});

describe('swarm and rules', () => {
  test('swarm role from /info', () => {
    expect(profileOf('windows-20348-engine-24.0').swarm).toEqual({ state: 'inactive', role: 'none' });
    expect(profileOf('windows-17763-engine-20.10').swarm).toEqual({ state: 'active', role: 'worker' });
    expect(profileOf('linux-engine-20.10-swarm-manager').swarm).toEqual({ state: 'active', role: 'manager' });
    expect(profileOf('windows-20348-engine-24.0', { info: { Swarm: { LocalNodeState: 'locked', ControlAvailable: false } } }).swarm).toEqual({ state: 'locked', role: 'none' });
    expect(profileOf('windows-20348-engine-24.0', { info: { Swarm: undefined } }).swarm).toEqual({ state: 'inactive', role: 'none' });
  });

  test('Windows fixtures get the rules of their build', () => {
    const ids = (name: string) => profileOf(name).rules.map((r) => r.id);
    expect(ids('windows-14393-engine-17.06')).toEqual(expect.arrayContaining(['hostname-must-match', 'network-service-needs-1709', 'raw-spec-unsupported']));
    expect(ids('windows-17134-engine-18.09')).toEqual(expect.arrayContaining(['hostname-must-match', 'hyperv-gmsa-broken', 'raw-spec-unsupported']));
    expect(ids('windows-17763-engine-19.03')).toEqual(expect.arrayContaining(['unique-hostname', 'raw-spec-supported']));
    expect(ids('windows-20348-engine-24.0')).toEqual(['hostname-free', 'unique-hostname', 'run-as-network-service', 'raw-spec-supported']);
    expect(ids('windows-26100-engine-27.5')).toEqual(['hostname-free', 'unique-hostname', 'run-as-network-service', 'raw-spec-supported']);
    expect(profileOf('windows10-19045-desktop-24.0').rules.some((r) => r.severity === 'blocker')).toBe(false);
  });

  test('1803 with Hyper-V as the default isolation is blocked', () => {
    const p = profileOf('windows-17134-engine-18.09', { info: { Isolation: 'hyperv' } });
    expect(p.rules.find((r) => r.id === 'hyperv-gmsa-broken')?.severity).toBe('blocker');
  });

  test('an unknown build gets a warning instead of build rules', () => {
    const p = profileOf('windows-20348-engine-24.0', { info: { KernelVersion: '', OperatingSystem: 'Windows', OSVersion: '' }, version: { KernelVersion: '' } });
    expect(p.windowsBuild).toBeUndefined();
    expect(p.rules.map((r) => r.id)).toEqual(['unknown-build']);
  });

  test('Linux swarm manager: needs a Windows engine, but can still deploy services', () => {
    const p = profileOf('linux-engine-20.10-swarm-manager', {}, { platform: 'linux', endpoint: unix });
    expect(p).toMatchObject({ osType: 'linux', engineVersion: '20.10.24+dfsg1', apiVersion: '1.41', dockerRootDir: '/var/lib/docker', kernelVersion: '6.1.0-18-amd64' });
    expect(p.windowsBuild).toBeUndefined();
    expect(p.isolation).toBeUndefined();
    expect(p.rules.map((r) => [r.id, r.severity])).toEqual([
      ['needs-windows-engine', 'blocker'],
      ['swarm-manager-can-deploy', 'info'],
    ]);
    expect(p.rules[1]?.text).toMatch(/swarm configs/);
  });

  test('Linux swarm worker and standalone Linux engine', () => {
    const worker = profileOf('linux-engine-20.10-swarm-manager', { info: { Swarm: { LocalNodeState: 'active', ControlAvailable: false } } });
    expect(worker.rules.map((r) => r.id)).toEqual(['needs-windows-engine', 'swarm-worker-nothing']);
    const alone = profileOf('linux-engine-20.10-swarm-manager', { info: { Swarm: { LocalNodeState: 'inactive', ControlAvailable: false } } });
    expect(alone.rules.map((r) => r.id)).toEqual(['needs-windows-engine', 'no-swarm']);
  });

  test('garbage in: no crash', () => {
    const p = buildHostProfile(null, undefined, { endpoint: unix, platform: 'linux', pathExists: () => true });
    expect(p).toMatchObject({ osType: 'unknown', rootDirLocal: false, swarm: { state: 'inactive', role: 'none' } });
    expect(p.rules[0]?.severity).toBe('blocker');
  });
});
