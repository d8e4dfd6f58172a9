/**
 * `nltest /sc_verify` and `klist get krbtgt` inside a running container, through the user's docker CLI,
 * read by windows/verify-checks.ts: what `verify` reports and doctor's container-verify check uses.
 * From 1709 on both run as Network Service (the identity that uses the gMSA); before, there is no Network
 * Service in containers, so only nltest runs, as the default user.
 */
import type { Check } from '../windows/verify-checks';
import { captureDocker } from './docker-cli';
import type { DockerGlobals } from './globals';
import { NETWORK_SERVICE } from './build-rules';
import { NETWORK_SERVICE_BUILD } from './windows-builds';

export interface ContainerVerifyInput {
  env: NodeJS.ProcessEnv;
  globals: DockerGlobals;
  container: string;
  domain: string;
  account?: string;
  windowsBuild?: number;
  hostname?: string;
}

export interface ContainerVerifyResult {
  checks: Check[];
  /** Whether the tools ran as Network Service (false before 1709: only nltest ran). */
  networkService: boolean;
}

export async function verifyInContainer(i: ContainerVerifyInput): Promise<ContainerVerifyResult> {
  const { KLIST_COMMAND, nltestCommand, verifyChecks } = require('../windows/verify-checks') as typeof import('../windows/verify-checks');
  const asNs = i.windowsBuild === undefined || i.windowsBuild >= NETWORK_SERVICE_BUILD;
  const exec = (cmd: readonly string[]) => captureDocker(i.env, i.globals, ['exec', ...(asNs ? ['--user', NETWORK_SERVICE] : []), i.container, ...cmd]);
  const [nl, kl] = await Promise.all([exec(nltestCommand(i.domain)), asNs ? exec(KLIST_COMMAND) : Promise.resolve(undefined)]);
  const checks = verifyChecks({
    domain: i.domain,
    ...(i.account ? { expectedAccount: i.account } : {}),
    nltest: { output: nl.stdout + nl.stderr, exitCode: nl.code },
    ...(kl ? { klist: { output: kl.stdout + kl.stderr, exitCode: kl.code } } : {}),
    ...(i.windowsBuild !== undefined ? { windowsBuild: i.windowsBuild } : {}),
    ...(i.hostname ? { hostname: i.hostname } : {}),
  });
  return { checks, networkService: asNs };
}
