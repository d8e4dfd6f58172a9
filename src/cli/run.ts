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


/** The running containers of the gMSA on the engine, with their hostnames (engine/container-gmsa.ts). */
async function gmsaPeers(deps: Deps, account: string, profile: HostProfile, root: string | undefined): Promise<import('../engine/container-gmsa').GmsaPeer[]> {
  const { runningWithGmsa, specReader } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
  const { localStore } = require('./run-spec') as typeof import('./run-spec');
  const session = await deps.engine();
  return runningWithGmsa(session.client, account, { read: specReader(localStore(root, profile, deps.cwd)) });
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
      const { lastValue, parseRunArgs } = require('../engine/docker-args') as typeof import('../engine/docker-args');
      const givenHostname = lastValue(parseRunArgs(dockerArgs), 'hostname');
      // Before 2019 every other container of the gMSA counts; from 2019 those with the hostname given.
      const askPeers = profile.osType === 'windows' && !o.dryRun && !engineFailure && (build < FREE_HOSTNAME_BUILD || givenHostname !== undefined);
      const peers = askPeers ? await gmsaPeers(deps, account, profile, o.root) : [];
      const { sameHostname } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
      const others = build < FREE_HOSTNAME_BUILD ? peers.map((p) => p.name) : [];
      const same = build >= FREE_HOSTNAME_BUILD && givenHostname !== undefined ? sameHostname(peers, givenHostname) : [];
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
