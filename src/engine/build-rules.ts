/**
 * The gMSA rules of a Windows build as data: each check returns a refusal (rule, message, hint) or
 * nothing, and the caller adds its own location (a compose file line, a flag) and throws it as a
 * BuildRuleError with {@link refusalError}. Pure. The build table itself is windows-builds.ts.
 */
import { BuildRuleError } from '../errors';
import { FREE_HOSTNAME_BUILD, HYPERV_GMSA_BROKEN_BUILDS, NETWORK_SERVICE_BUILD, releaseName } from './windows-builds';

export const NETWORK_SERVICE = 'NT AUTHORITY\\NETWORK SERVICE';
export const LOCAL_SYSTEM = 'NT AUTHORITY\\SYSTEM';
/** NetBIOS, and so the name the domain sees, keeps at most 15 characters of a hostname. */
export const MAX_NETBIOS_HOSTNAME = 15;

export type BuildRule = 'isolation' | 'user' | 'hostname' | 'single-use' | 'shared-hostname';

export interface BuildRefusal {
  rule: BuildRule;
  message: string;
  hint: string;
}

function release(build: number): string {
  return releaseName(build) ?? `build ${build}`;
}

/** The refusal as the error every command throws, prefixed with where it was asked for (if given). */
export function refusalError(r: BuildRefusal, where?: string): BuildRuleError {
  return new BuildRuleError(where ? `${where}: ${r.message}` : r.message, r.hint);
}

export function isHyperV(isolation: string | undefined): boolean {
  return (isolation ?? '').toLowerCase() === 'hyperv';
}

/** Hyper-V isolation with a gMSA hangs or fails on 1703, 1709 and 1803. */
export function isolationRefusal(build: number, isolation: string | undefined, o: { engineDefault?: boolean; fix?: string } = {}): BuildRefusal | undefined {
  if (!HYPERV_GMSA_BROKEN_BUILDS.includes(build) || !isHyperV(isolation)) return undefined;
  return {
    rule: 'isolation',
    message: `Hyper-V isolation with a gMSA hangs or fails on ${release(build)}${o.engineDefault ? " (it is this engine's default isolation)" : ''}`,
    hint: o.fix ?? 'Run it with process isolation: add --isolation process after the account.',
  };
}

/** Network Service or Local System can use the gMSA only from 1709 (16299) on. */
export function userRefusal(build: number, user: string | undefined, o: { tasks?: boolean; fix?: string } = {}): BuildRefusal | undefined {
  if (!user || ![NETWORK_SERVICE, LOCAL_SYSTEM].some((u) => u.toLowerCase() === user.toLowerCase()) || build >= NETWORK_SERVICE_BUILD) return undefined;
  return {
    rule: 'user',
    message: `running as ${user} inside a container needs Windows 1709 (16299) or later; ${o.tasks ? 'the tasks run on' : 'this engine is'} ${release(build)}`,
    hint: o.fix ?? 'Run the app as ContainerAdministrator (the default) on this host, or move to Windows Server 2019.',
  };
}

/** Before 17763 the hostname must be the gMSA name. */
export function hostnameRefusal(build: number, account: string, given: string | undefined, fix?: string, what = 'container'): BuildRefusal | undefined {
  if (build >= FREE_HOSTNAME_BUILD || given === undefined || given.toLowerCase() === account.toLowerCase()) return undefined;
  return {
    rule: 'hostname',
    message: `on ${release(build)} the ${what} hostname must be the gMSA name (${account}), not ${given}: with another name inbound NTLM and name/SID translation fail`,
    hint: fix ?? `Drop --hostname (docker gmsa sets it to ${account}), or move to Windows Server 2019 (17763) where the hostname is free.`,
  };
}

/** Before 17763 one running container per gMSA (--force accepts the risk). */
export function singleUseRefusal(build: number, account: string, others: readonly string[], force: boolean): BuildRefusal | undefined {
  if (build >= FREE_HOSTNAME_BUILD || others.length === 0 || force) return undefined;
  return {
    rule: 'single-use',
    message: `${others.join(', ')} already use${others.length === 1 ? 's' : ''} the gMSA ${account}; on ${release(build)} two containers with one gMSA race at the domain controller and lose their trust`,
    hint: 'Stop the other container first, use another gMSA for this one, or pass --force if you accept intermittent failures.',
  };
}

/**
 * From 17763 on every container of one gMSA needs its own hostname: an explicit hostname that running
 * containers of the same gMSA already have (or, `planned`, other containers of the same request would
 * get: replicas, tasks, services of one file) is refused (--force accepts the risk).
 */
export function sharedHostnameRefusal(
  build: number,
  account: string,
  hostname: string | undefined,
  sameHostname: readonly string[],
  force: boolean,
  o: { fix?: string; planned?: boolean } = {},
): BuildRefusal | undefined {
  if (build < FREE_HOSTNAME_BUILD || hostname === undefined || sameHostname.length === 0 || force) return undefined;
  const verb = o.planned ? 'would run' : `already run${sameHostname.length === 1 ? 's' : ''}`;
  return {
    rule: 'shared-hostname',
    message: `${sameHostname.join(', ')} ${verb} with the gMSA ${account} and the hostname ${hostname}; two containers sharing one gMSA and one hostname lose their trust`,
    hint: o.fix ?? 'Leave out --hostname (docker gmsa gives each container its own), pick another hostname, or pass --force if you accept intermittent failures.',
  };
}

/** The NetBIOS length warning, or nothing. */
export function netbiosNote(hostname: string): string | undefined {
  return hostname.length > MAX_NETBIOS_HOSTNAME
    ? `Warning: hostname ${hostname} is longer than ${MAX_NETBIOS_HOSTNAME} characters; NetBIOS sees only the first ${MAX_NETBIOS_HOSTNAME}.`
    : undefined;
}
