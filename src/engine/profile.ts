/**
 * What the engine is, as far as gMSA is concerned: OS, Windows build, default isolation, where its
 * credential spec store is, whether that store is on this machine, its swarm role, and the rules that
 * follow. Pure: built from the /info and /version bodies plus a little about this machine.
 */
import * as nodePath from 'path';
import { isLocalEndpoint, type ResolvedEndpoint } from './endpoint';
import { releaseName, rulesForBuild, type Rule } from './windows-builds';

export type { Rule } from './windows-builds';

export type SwarmRole = 'manager' | 'worker' | 'none';

export interface HostProfile {
  /** The engine's OSType: 'windows', 'linux', or whatever else it reports. */
  osType: 'windows' | 'linux' | (string & {});
  windowsBuild?: number;
  /** The update build revision (UBR), e.g. 1234 in 17763.1234, when the engine reports it. */
  windowsRevision?: number;
  /** "Windows Server 2019 (1809)". */
  release?: string;
  kernelVersion?: string;
  operatingSystem?: string;
  /** The engine's default isolation (Windows only). */
  isolation: 'process' | 'hyperv' | undefined;
  /** True when the engine did not report its isolation and it was derived from the edition. */
  isolationAssumed: boolean;
  dockerRootDir?: string;
  /** `<DockerRootDir>\CredentialSpecs` (joined with the engine OS's separator). */
  credentialSpecsDir?: string;
  engineVersion?: string;
  apiVersion?: string;
  /** The engine's host name (/info Name). */
  name?: string;
  architecture?: string;
  swarm: { state: string; role: SwarmRole };
  /** The Docker root is reachable from here: local endpoint, and its absolute path exists on this machine. */
  rootDirLocal: boolean;
  rules: Rule[];
}

export interface ProfileContext {
  endpoint: Pick<ResolvedEndpoint, 'protocol'>;
  /** This machine's platform (process.platform). */
  platform: NodeJS.Platform;
  pathExists: (p: string) => boolean;
}

export interface WindowsBuildInfo {
  build?: number;
  revision?: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function int(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The Windows build (and revision, when reported) from the /info fields engines have used over the
 * years:
 * - OSVersion (engine 19.03+): `10.0.20348`, sometimes `10.0.17763.1234`;
 * - OperatingSystem: `Microsoft Windows Server Version 21H2 (OS Build 20348.707)` (engine 23+),
 *   `Windows Server 2019 Datacenter Version 1809 (OS Build 17763.1234)` (18.09 - 20.10),
 *   `Microsoft Windows Server 2022 Datacenter (Build 20348)` (newer WMI-based engines), or a bare
 *   product name `Windows Server 2016 Datacenter` (17.x);
 * - KernelVersion: `10.0 17763 (17763.1.amd64fre.rs5_release.180914-1434)`. The build is the second
 *   field; the parenthesised BuildLabEx can name another build (19041 for 19045) and after 1607 keeps
 *   the RTM revision ".1", so its revision is only used when it names the same build and is not 1.
 * The build is taken from the first field that has one; the revision from the first that has one for
 * that build.
 */
export function parseWindowsBuild(info: { OSVersion?: unknown; OperatingSystem?: unknown; KernelVersion?: unknown }): WindowsBuildInfo {
  const candidates: Array<{ build: number; revision?: number }> = [];

  const osVersion = str(info.OSVersion);
  if (osVersion) {
    const m = /^10\.0[. ](\d{4,6})(?:\.(\d+))?(?:\s|$)/.exec(osVersion);
    if (m) candidates.push({ build: Number(m[1]), revision: int(m[2]) });
  }

  const operatingSystem = str(info.OperatingSystem);
  if (operatingSystem) {
    const m = /\((?:OS )?Build (\d{4,6})(?:\.(\d+))?\)/i.exec(operatingSystem);
    if (m) candidates.push({ build: Number(m[1]), revision: int(m[2]) });
  }

  const kernel = str(info.KernelVersion);
  if (kernel) {
    const m = /^\d+\.\d+ (\d{4,6})(?: \((\d+)\.(\d+)\.)?/.exec(kernel);
    if (m) {
      const build = Number(m[1]);
      const labBuild = int(m[2]);
      const labRev = int(m[3]);
      candidates.push({ build, revision: labBuild === build && labRev !== undefined && labRev !== 1 ? labRev : undefined });
    } else {
      const m2 = /^10\.0\.(\d{4,6})(?:\.(\d+))?/.exec(kernel);
      if (m2) candidates.push({ build: Number(m2[1]), revision: int(m2[2]) });
    }
  }

  const first = candidates[0];
  if (!first) return {};
  const result: WindowsBuildInfo = { build: first.build };
  const rev = candidates.find((c) => c.build === first.build && c.revision !== undefined)?.revision;
  if (rev !== undefined) result.revision = rev;
  return result;
}

/** 'server' or 'client' from the OperatingSystem text, when it tells. */
export function windowsEdition(operatingSystem: string | undefined): 'server' | 'client' | undefined {
  if (!operatingSystem) return undefined;
  if (/\bServer\b/i.test(operatingSystem)) return 'server';
  if (/\bWindows (10|11)\b/i.test(operatingSystem) || /^Microsoft Windows Version\b/i.test(operatingSystem)) return 'client';
  if (/^Microsoft Windows \(OS Build/i.test(operatingSystem)) return 'client';
  return undefined;
}

function swarmOf(info: any): { state: string; role: SwarmRole } {
  const s = info && typeof info.Swarm === 'object' && info.Swarm !== null ? info.Swarm : {};
  const state = str(s.LocalNodeState) ?? 'inactive';
  const role: SwarmRole = state === 'active' ? (s.ControlAvailable === true ? 'manager' : 'worker') : 'none';
  return { state, role };
}

function linuxRules(osType: string, swarm: { state: string; role: SwarmRole }): Rule[] {
  const rules: Rule[] = [
    {
      id: 'needs-windows-engine',
      severity: 'blocker',
      text:
        `${osType === 'linux' ? 'This is a Linux engine' : `This engine reports OSType "${osType}"`}: containers with a gMSA ` +
        'need a Windows engine (others refuse credentialspec security options). Point docker at a Windows engine with --context or -H.',
    },
  ];
  if (swarm.role === 'manager') {
    rules.push({
      id: 'swarm-manager-can-deploy',
      severity: 'info',
      text:
        'It is a swarm manager: from here you can still store credential specs as swarm configs and create ' +
        'services (config://) whose tasks run on the swarm\'s Windows workers.',
    });
  } else if (swarm.role === 'worker') {
    rules.push({
      id: 'swarm-worker-nothing',
      severity: 'warning',
      text: 'It is a swarm worker: no gMSA work can be done through it. Talk to a swarm manager or a Windows engine instead.',
    });
  } else {
    rules.push({
      id: 'no-swarm',
      severity: 'info',
      text: 'It is not in a swarm (or not as an active node), so it cannot deploy gMSA services to Windows workers either.',
    });
  }
  return rules;
}

function normaliseIsolation(v: unknown): 'process' | 'hyperv' | undefined {
  const s = str(v)?.toLowerCase();
  if (s === 'process') return 'process';
  if (s === 'hyperv') return 'hyperv';
  return undefined;
}

/** Builds the profile from the engine's /info and /version answers. */
export function buildHostProfile(info: any, version: any, ctx: ProfileContext): HostProfile {
  const i = info && typeof info === 'object' ? info : {};
  const v = version && typeof version === 'object' ? version : {};
  const osType = (str(i.OSType) ?? str(v.Os) ?? 'unknown').toLowerCase();
  const windows = osType === 'windows';
  const kernelVersion = str(i.KernelVersion) ?? str(v.KernelVersion);
  const operatingSystem = str(i.OperatingSystem);
  const dockerRootDir = str(i.DockerRootDir);
  const apiVersion = str(v.ApiVersion);
  const swarm = swarmOf(i);

  const profile: HostProfile = {
    osType,
    isolation: undefined,
    isolationAssumed: false,
    swarm,
    rootDirLocal: false,
    rules: [],
  };
  if (kernelVersion !== undefined) profile.kernelVersion = kernelVersion;
  if (operatingSystem !== undefined) profile.operatingSystem = operatingSystem;
  if (dockerRootDir !== undefined) {
    profile.dockerRootDir = dockerRootDir;
    // Join in the path's own style: a Windows engine reports C:\ProgramData\docker, a stand-in or a Linux
    // engine a POSIX path.
    const windowsStyle = /^[A-Za-z]:|\\/.test(dockerRootDir);
    profile.credentialSpecsDir = (windowsStyle ? nodePath.win32 : nodePath.posix).join(dockerRootDir, 'CredentialSpecs');
  }
  const engineVersion = str(v.Version) ?? str(i.ServerVersion);
  if (engineVersion !== undefined) profile.engineVersion = engineVersion;
  if (apiVersion !== undefined) profile.apiVersion = apiVersion;
  const name = str(i.Name);
  if (name !== undefined) profile.name = name;
  const arch = str(i.Architecture) ?? str(v.Arch);
  if (arch !== undefined) profile.architecture = arch;

  // The Docker root is usable from here only if the engine is on this machine (a local socket or pipe) and
  // its root is an absolute path that exists here. A remote Windows engine's C:\ProgramData\docker is not
  // absolute on Linux, and does not exist on another Windows machine's view unless it is really there.
  const fullyQualified = (p: string): boolean => (ctx.platform === 'win32' ? /^([A-Za-z]:[\\/]|\\\\)/.test(p) : p.startsWith('/'));
  profile.rootDirLocal = isLocalEndpoint(ctx.endpoint) && dockerRootDir !== undefined && fullyQualified(dockerRootDir) && ctx.pathExists(dockerRootDir);

  if (!windows) {
    profile.rules = linuxRules(osType, swarm);
    return profile;
  }

  const { build, revision } = parseWindowsBuild({
    OSVersion: i.OSVersion,
    OperatingSystem: i.OperatingSystem,
    KernelVersion: kernelVersion,
  });
  const edition = windowsEdition(operatingSystem);
  if (build !== undefined) {
    profile.windowsBuild = build;
    profile.release = releaseName(build, edition);
  }
  if (revision !== undefined) profile.windowsRevision = revision;

  const reported = normaliseIsolation(i.Isolation);
  if (reported) {
    profile.isolation = reported;
  } else if (edition) {
    // What the engine itself defaults to: process isolation on Server, Hyper-V on client editions.
    profile.isolation = edition === 'server' ? 'process' : 'hyperv';
    profile.isolationAssumed = true;
  }

  const ruleOpts: { isolation?: string; apiVersion?: string; edition?: 'server' | 'client' } = {};
  if (profile.isolation) ruleOpts.isolation = profile.isolation;
  if (apiVersion) ruleOpts.apiVersion = apiVersion;
  if (edition) ruleOpts.edition = edition;
  if (build !== undefined) {
    profile.rules = rulesForBuild(build, ruleOpts);
  } else {
    profile.rules = [
      {
        id: 'unknown-build',
        severity: 'warning',
        text: 'The engine does not say which Windows build it runs, so the build-specific gMSA rules were not checked.',
      },
    ];
  }
  return profile;
}

/** What --dry-run and convert plan for when no Windows engine can be asked: Windows Server 2019. */
export function assumedWindowsProfile(): HostProfile {
  return {
    osType: 'windows',
    windowsBuild: 17763,
    release: 'Windows Server 2019 (1809)',
    isolation: 'process',
    isolationAssumed: true,
    apiVersion: '1.41',
    rootDirLocal: false,
    swarm: { state: 'inactive', role: 'none' },
    rules: [],
  };
}
