/**
 * Windows builds and the gMSA rules that depend on them. Pure data and functions: the engine profile
 * feeds in the build number, the default isolation and the API version it found.
 */

export type RuleSeverity = 'info' | 'warning' | 'blocker';

export interface Rule {
  /** Stable identifier (tests, --format json, documentation anchors). */
  id: string;
  severity: RuleSeverity;
  text: string;
}

export interface WindowsRelease {
  build: number;
  /** The release/version label: 1607, 1809, 21H2... */
  version: string;
  /** The Windows Server release on this build, if there is one. */
  server?: string;
  /** The Windows client release on this build, if there is one. */
  client?: string;
  /** A long-term-servicing Windows Server release. */
  ltsc?: boolean;
}

/** Known builds, oldest first. */
export const WINDOWS_BUILDS: readonly WindowsRelease[] = [
  { build: 14393, version: '1607', server: 'Windows Server 2016', client: 'Windows 10 1607', ltsc: true },
  { build: 15063, version: '1703', client: 'Windows 10 1703' },
  { build: 16299, version: '1709', server: 'Windows Server 1709', client: 'Windows 10 1709' },
  { build: 17134, version: '1803', server: 'Windows Server 1803', client: 'Windows 10 1803' },
  { build: 17763, version: '1809', server: 'Windows Server 2019', client: 'Windows 10 1809', ltsc: true },
  { build: 18362, version: '1903', server: 'Windows Server 1903', client: 'Windows 10 1903' },
  { build: 18363, version: '1909', server: 'Windows Server 1909', client: 'Windows 10 1909' },
  { build: 19041, version: '2004', server: 'Windows Server 2004', client: 'Windows 10 2004' },
  { build: 19042, version: '20H2', server: 'Windows Server 20H2', client: 'Windows 10 20H2' },
  { build: 19043, version: '21H1', client: 'Windows 10 21H1' },
  { build: 19044, version: '21H2', client: 'Windows 10 21H2' },
  { build: 19045, version: '22H2', client: 'Windows 10 22H2' },
  { build: 20348, version: '21H2', server: 'Windows Server 2022', ltsc: true },
  { build: 22000, version: '21H2', client: 'Windows 11 21H2' },
  { build: 22621, version: '22H2', client: 'Windows 11 22H2' },
  { build: 22631, version: '23H2', client: 'Windows 11 23H2' },
  { build: 25398, version: '23H2', server: 'Windows Server 23H2' },
  { build: 26100, version: '24H2', server: 'Windows Server 2025', client: 'Windows 11 24H2', ltsc: true },
];

/** The first build whose containers can use a gMSA (Windows Server 2016). */
export const FIRST_GMSA_BUILD = 14393;
/** From this build (1709) on, Network Service and Local System inside a container can use the gMSA. */
export const NETWORK_SERVICE_BUILD = 16299;
/** From this build (Server 2019 / 1809) on, the container hostname need not be the gMSA name. */
export const FREE_HOSTNAME_BUILD = 17763;
/** Builds on which Hyper-V isolation combined with a gMSA hangs or fails. */
export const HYPERV_GMSA_BROKEN_BUILDS: readonly number[] = [15063, 16299, 17134];
/** raw:// credential specs (and config:// with Runtime configs) need this API version (engine 19.03). */
export const RAW_SPEC_API = '1.40';

export function windowsRelease(build: number): WindowsRelease | undefined {
  return WINDOWS_BUILDS.find((r) => r.build === build);
}

/**
 * A human name for a build: "Windows Server 2019 (1809)", "Windows 10 22H2", "Windows build 17800
 * (after 1809)". `edition` picks the server or client name when the build had both.
 */
export function releaseName(build: number, edition?: 'server' | 'client'): string {
  const exact = windowsRelease(build);
  if (exact) {
    const name = (edition === 'client' ? exact.client ?? exact.server : exact.server ?? exact.client) ?? `Windows ${exact.version}`;
    return name.endsWith(exact.version) ? name : `${name} (${exact.version})`;
  }
  if (build < FIRST_GMSA_BUILD) return `Windows build ${build} (older than Windows Server 2016)`;
  let before: WindowsRelease | undefined;
  for (const r of WINDOWS_BUILDS) if (r.build < build) before = r;
  return `Windows build ${build} (after ${before ? before.version : '1607'})`;
}

/** Compares dotted API versions ("1.40" vs "1.9"): negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface BuildRuleOptions {
  /** The engine's default isolation ('process' or 'hyperv'), when known. */
  isolation?: string;
  /** The engine's API version, when known. */
  apiVersion?: string;
  /** Server or client Windows, when known (only changes how the release is named). */
  edition?: 'server' | 'client';
}

/** The gMSA rules for containers on a Windows host of this build. */
export function rulesForBuild(build: number, opts: BuildRuleOptions = {}): Rule[] {
  const rules: Rule[] = [];
  const name = releaseName(build, opts.edition);

  if (build < FIRST_GMSA_BUILD) {
    rules.push({
      id: 'unsupported-build',
      severity: 'blocker',
      text: `${name} cannot give containers a gMSA: that needs Windows Server 2016 (build ${FIRST_GMSA_BUILD}) or later.`,
    });
    return rules;
  }

  if (build < FREE_HOSTNAME_BUILD) {
    rules.push({
      id: 'hostname-must-match',
      severity: 'warning',
      text:
        'The container hostname must be the gMSA account name (--hostname NAME, without the $): with any other ' +
        'hostname inbound NTLM and name/SID translation fail (Kerberos alone still works).',
    });
    rules.push({
      id: 'one-container-per-gmsa',
      severity: 'warning',
      text:
        'Run one container per gMSA at a time: containers sharing a gMSA on this build race at the domain ' +
        'controller and lose their trust relationship intermittently.',
    });
  } else {
    rules.push({
      id: 'hostname-free',
      severity: 'info',
      text: 'The container hostname may differ from the gMSA name: on the network the container still uses the gMSA identity.',
    });
    rules.push({
      id: 'unique-hostname',
      severity: 'warning',
      text:
        'Containers that share a gMSA must not share a hostname (they lose trust with the domain): give each ' +
        'one a unique hostname of at most 15 characters.',
    });
  }

  if (HYPERV_GMSA_BROKEN_BUILDS.includes(build)) {
    const hypervDefault = opts.isolation === 'hyperv';
    rules.push({
      id: 'hyperv-gmsa-broken',
      severity: hypervDefault ? 'blocker' : 'warning',
      text: hypervDefault
        ? `Hyper-V isolation with a gMSA hangs or fails on ${name}, and Hyper-V is this engine's default: run gMSA containers with --isolation process.`
        : `Hyper-V isolation with a gMSA hangs or fails on ${name}: keep gMSA containers on process isolation (no --isolation hyperv).`,
    });
  }

  if (build < NETWORK_SERVICE_BUILD) {
    rules.push({
      id: 'network-service-needs-1709',
      severity: 'warning',
      text:
        `Running the app as Network Service or Local System inside a gMSA container is supported from 1709 ` +
        `(build ${NETWORK_SERVICE_BUILD}) on, not on ${name}.`,
    });
  } else {
    rules.push({
      id: 'run-as-network-service',
      severity: 'info',
      text: 'Run the app as Network Service or Local System inside the container: that is how it uses the gMSA.',
    });
  }

  if (opts.apiVersion !== undefined && opts.apiVersion !== '') {
    if (compareApiVersions(opts.apiVersion, RAW_SPEC_API) < 0) {
      rules.push({
        id: 'raw-spec-unsupported',
        severity: 'warning',
        text:
          `This engine speaks API ${opts.apiVersion}: inline specs (credentialspec=raw://) and swarm config specs ` +
          `(config://) need API ${RAW_SPEC_API} (engine 19.03) or later; install specs as files in the CredentialSpecs folder.`,
      });
    } else {
      rules.push({
        id: 'raw-spec-supported',
        severity: 'info',
        text: `Specs can also be passed inline (credentialspec=raw://) on this engine (API ${opts.apiVersion}).`,
      });
    }
  } else {
    rules.push({
      id: 'raw-spec-api-unknown',
      severity: 'info',
      text: `Inline specs (credentialspec=raw://) need API ${RAW_SPEC_API} (engine 19.03) or later; this engine's API version is unknown.`,
    });
  }
  return rules;
}
