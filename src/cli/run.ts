import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { GmsaError, NotFoundError, PassThroughExit, UnsupportedEngineError, UsageError } from '../errors';
import { assumedWindowsProfile, type HostProfile } from '../engine/profile';
import type { Deps } from './deps';
import { warn } from './deps';
import { addLookupOptions, lookupDirectory, type LookupFlags } from './ad-shared';

interface RunOptions extends LookupFlags {
  spec?: string;
  networkService?: boolean;
  specMode: string;
  force?: boolean;
  dryRun?: boolean;
  root?: string;
}


/** Running containers that use the gMSA: labelled by us, or with its name as hostname. */
async function othersWithAccount(deps: Deps, account: string): Promise<string[]> {
  const { ACCOUNT_LABEL } = require('../engine/run-plan') as typeof import('../engine/run-plan');
  const session = await deps.engine();
  const running = await session.client.listContainers(false);
  const names: string[] = [];
  for (const c of running) {
    const name = String(c.Names?.[0] ?? c.Id).replace(/^\//, '');
    if (String(c.Labels?.[ACCOUNT_LABEL] ?? '').toLowerCase() === account.toLowerCase()) {
      names.push(name);
      continue;
    }
    const full = await session.client.inspectContainer(c.Id);
    if (String(full?.Config?.Hostname ?? '').toLowerCase() === account.toLowerCase()) names.push(name);
  }
  return names;
}

/**
 * Running containers of the gMSA (our label, or a raw:// spec naming it) whose hostname is `hostname`:
 * the engine's container list, then inspect for the hostname and security options.
 */
async function sameHostname(deps: Deps, account: string, hostname: string): Promise<string[]> {
  const { ACCOUNT_LABEL } = require('../engine/run-plan') as typeof import('../engine/run-plan');
  const session = await deps.engine();
  const names: string[] = [];
  for (const c of await session.client.listContainers(false)) {
    const full = await session.client.inspectContainer(c.Id);
    if (String(full?.Config?.Hostname ?? '').toLowerCase() !== hostname.toLowerCase()) continue;
    const labelled = String(c.Labels?.[ACCOUNT_LABEL] ?? '').toLowerCase() === account.toLowerCase();
    const opts: string[] = Array.isArray(full?.HostConfig?.SecurityOpt) ? full.HostConfig.SecurityOpt : [];
    const inline = opts.some((o) => /^credentialspec=raw:\/\//i.test(o) && new RegExp(`"MachineAccountName"\\s*:\\s*"${account.replace(/[^A-Za-z0-9-]/g, '')}"`, 'i').test(o));
    if (labelled || inline) names.push(String(c.Names?.[0] ?? c.Id).replace(/^\//, ''));
  }
  return names;
}

export function registerRun(program: Command, deps: Deps): void {
  const cmd = program
    .command('run')
    .description('Run a container as a gMSA: the spec, hostname and isolation rules of the engine\'s Windows build')
    .usage('[options] ACCOUNT [docker run options] IMAGE [COMMAND] [ARG...]')
    .argument('<account>', 'the gMSA the container uses')
    .argument('[docker-run-args...]', "docker run's own options, IMAGE, COMMAND and ARGs")
    .option('--spec <name|file>', 'the credential spec (default: found by the lookup: the store, swarm configs, Active Directory)')
    .option('--network-service', 'run as NT AUTHORITY\\NETWORK SERVICE, the identity that uses the gMSA')
    .option('--spec-mode <mode>', 'auto (file:// when the spec is in the engine store, else raw:// unless it has a HostAccountConfig), file or raw', 'auto')
    .option('--force', 'start even when the build allows one container per gMSA and another one runs, or (2019+) another container of the gMSA has the --hostname given')
    .option('--dry-run', 'print the docker command instead of running it')
    .option('--root <dir>', "Docker root folder whose CredentialSpecs holds the spec (when the engine's is not on this machine)");
  addLookupOptions(cmd)
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Everything after ACCOUNT is passed to docker run unchanged. docker gmsa adds the credential spec and, as the
engine's Windows build requires: the hostname (the gMSA name before Windows Server 2019; a unique name of
at most 15 characters from 2019 on unless you give --hostname), and refuses Hyper-V isolation on 1703-1803
and a second container of one gMSA before 2019, and from 2019 on a --hostname that a running container of
the same gMSA already has (--force to override those two). A spec with a
HostAccountConfig (a secret PluginInput) goes inline only with --spec-mode raw: docker run's command line
is visible to every user of the machine.

The spec: --spec FILE|NAME, else the engine's CredentialSpecs folder when this machine reads it (or
--root), else built from Active Directory as spec create builds it (GMSA_DOMAIN/GMSA_LDAP_URL or
--domain/--server; never with --offline). The line "spec for ACCOUNT: ..." on standard error says which.
A spec in the engine's folder goes as file://, any other inline as raw:// (engine API 1.40+).

Examples:
  docker gmsa run webapp01 -d -p 80:80 mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
  docker gmsa run --network-service webapp01 -it mcr.microsoft.com/windows/servercore:ltsc2022 powershell
  docker --context win2016 gmsa run --dry-run webapp01 -d myapp:1`,
    )
    .action(async (account: string, dockerArgs: string[], o: RunOptions) => {
      if (!['auto', 'file', 'raw'].includes(o.specMode)) throw new UsageError(`invalid --spec-mode "${o.specMode}"`, 'Use auto, file or raw.');
      const { planRun, makeUniqueHostname, engineRefusal, REDACTED } = require('../engine/run-plan') as typeof import('../engine/run-plan');
      const { commandLine, runDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
      const { findSpec, offlineWanted } = require('./spec-lookup') as typeof import('./spec-lookup');
      const { FREE_HOSTNAME_BUILD } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');

      // --dry-run shows the command for an assumed engine when the real one cannot run it or does not
      // answer, as long as the spec can be found without that engine; otherwise the engine's own failure
      // is the error (it is the cause, not the missing store).
      let profile: HostProfile;
      let engineFailure: GmsaError | undefined;
      try {
        profile = await (await deps.engine()).profile();
      } catch (err) {
        if (!o.dryRun || !(err instanceof GmsaError)) throw err;
        engineFailure = err;
        profile = assumedWindowsProfile();
      }
      if (!o.dryRun) {
        const refused = engineRefusal(profile);
        if (refused) throw refused;
      } else if (!engineFailure && profile.osType !== 'windows') {
        engineFailure = engineRefusal(profile);
      }
      const lookup = {
        account,
        ...(o.spec !== undefined ? { spec: o.spec } : {}),
        ...(o.root !== undefined ? { root: o.root } : {}),
        ...(engineFailure ? {} : { profile }),
        directory: lookupDirectory(o),
        offline: offlineWanted(o.offline, deps.env),
      };
      let spec: import('./spec-lookup').FoundSpecChoice;
      if (engineFailure) {
        // Without the engine, --dry-run shows the command when the spec is found some other way; otherwise
        // the engine's own failure is the error (it is the cause, not the missing spec).
        const failure = engineFailure;
        spec = await findSpec(lookup, deps).catch((err: unknown) => {
          if (!(err instanceof NotFoundError) && !(err instanceof UnsupportedEngineError)) throw err;
          if (profile.osType === 'windows') throw failure;
          // The refusal's own hint suggests --dry-run, which is what failed here.
          throw new UnsupportedEngineError(failure.message, 'Point docker at a Windows engine, or give the spec with --spec FILE (or --root DIR, or a directory) to see the command without one.');
        });
        warn(deps, `${failure.message}; showing the command for a Windows Server 2019 engine`);
        profile = assumedWindowsProfile();
      } else {
        spec = await findSpec(lookup, deps);
      }
      const build = profile.windowsBuild ?? FREE_HOSTNAME_BUILD;
      const others = profile.osType === 'windows' && build < FREE_HOSTNAME_BUILD && !o.dryRun ? await othersWithAccount(deps, account) : [];
      const { lastValue, parseRunArgs } = require('../engine/docker-args') as typeof import('../engine/docker-args');
      const givenHostname = lastValue(parseRunArgs(dockerArgs), 'hostname');
      const same =
        profile.osType === 'windows' && build >= FREE_HOSTNAME_BUILD && givenHostname !== undefined && !o.dryRun && !engineFailure
          ? await sameHostname(deps, account, givenHostname)
          : [];
      const plan = planRun({
        sameHostname: same,
        account,
        spec,
        profile,
        dockerArgs,
        specMode: o.specMode as 'auto' | 'file' | 'raw',
        networkService: o.networkService === true,
        force: o.force === true,
        othersWithAccount: others,
        uniqueHostname: (a) => makeUniqueHostname(a, () => randomBytes(3).toString('hex')),
      });
      if (o.dryRun) {
        if (plan.shownArgv.some((a, i) => a !== plan.argv[i])) warn(deps, `the spec's PluginInput is shown as ${REDACTED}; the command runs with the real one`);
        deps.io.out(commandLine(deps.env, deps.globals, plan.shownArgv, deps.platform) + '\n');
        return;
      }
      for (const n of plan.notes) deps.io.err(`${n}\n`);
      const status = await runDocker(deps.env, deps.globals, plan.argv);
      if (status !== 0) throw new PassThroughExit(status);
    });
}
