import type { Command } from 'commander';
import { GmsaError, PassThroughExit, UnsupportedEngineError, UsageError } from '../errors';
import type { HostProfile } from '../engine/profile';
import type { EngineSession } from '../engine/session';
import type { SpecChoice } from '../engine/run-plan';
import type { Deps } from './deps';
import { warn } from './deps';
import { addLookupOptions, lookupDirectory, type LookupFlags } from './ad-shared';
import { RUN_WORDING } from './run-spec';
import { managerSession } from './swarm-session';

interface CommonOptions extends LookupFlags {
  spec?: string;
  networkService?: boolean;
  dryRun?: boolean;
  root?: string;
}

interface CreateOptions extends CommonOptions {
  windowsBuild?: number;
  force?: boolean;
}

function parseBuild(v: string): number {
  if (!/^\d{5}$/.test(v.trim())) throw new UsageError(`invalid --windows-build "${v}"`, 'Give the Windows build number, e.g. 14393, 17763 or 20348.');
  return Number(v.trim());
}

/** The spec by the one lookup, with the swarm's gMSA configs as a source and the wording of a swarm command. */
async function serviceSpec(
  account: string,
  o: CommonOptions,
  m: { session?: EngineSession; profile?: HostProfile },
  deps: Deps,
): Promise<SpecChoice> {
  const { findSpec, offlineWanted } = require('./spec-lookup') as typeof import('./spec-lookup');
  return findSpec(
    {
      account,
      ...(o.spec !== undefined ? { spec: o.spec } : {}),
      ...(o.root !== undefined ? { root: o.root } : {}),
      ...(m.profile ? { profile: m.profile } : {}),
      ...(m.session ? { swarm: m.session.client } : { swarmMissing: 'the swarm manager did not answer' }),
      directory: lookupDirectory(o),
      offline: offlineWanted(o.offline, deps.env),
      wording: {
        ...RUN_WORDING,
        outcome: 'no config or service was changed',
        remoteHint: () => 'Give the spec file with --spec FILE (it is stored in the swarm as a config), or point --root at a Docker root whose CredentialSpecs folder holds it.',
      },
    },
    deps,
  );
}

function printCommand(deps: Deps, argv: readonly string[]): void {
  const { commandLine } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
  deps.io.out(commandLine(deps.env, deps.globals, argv, deps.platform) + '\n');
}

function registerCreate(service: Command, deps: Deps): void {
  const cmd = service
    .command('create')
    .description('Create a swarm service whose tasks run as a gMSA: the spec goes into a swarm config')
    .usage('[options] ACCOUNT [docker service create options] IMAGE [COMMAND] [ARG...]')
    .argument('<account>', 'the gMSA the tasks use')
    .argument('[docker-service-create-args...]', "docker service create's own options, IMAGE, COMMAND and ARGs")
    .option('--spec <name|file>', 'the credential spec (default: found by the lookup: the store, swarm configs, Active Directory)')
    .option('--windows-build <n>', "the Windows build of the nodes the tasks run on (default: the nodes' io.docker-gmsa.windows-build labels, else 17763+)", parseBuild)
    .option('--network-service', 'run as NT AUTHORITY\\NETWORK SERVICE, the identity that uses the gMSA')
    .option('--force', 'create it even when the build allows one container per gMSA and more could run')
    .option('--dry-run', 'print the config and the docker command instead of creating them')
    .option('--root <dir>', 'Docker root folder whose CredentialSpecs holds the spec (when the engine\'s is not on this machine)');
  addLookupOptions(cmd)
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Run it against a swarm manager. The spec is stored as a swarm config named gmsa-<netbios>_<account>-<hash>
(labels io.docker-gmsa.account, .domain and .sha256; a config with the same content is reused), then
docker service create --credential-spec config://<name> runs through your docker CLI, which attaches the
config to the service. Everything after ACCOUNT is passed to docker service create unchanged.

The spec: --spec FILE|NAME, else --root's CredentialSpecs folder, else the swarm's newest gMSA config for
ACCOUNT (label io.docker-gmsa.account), else built from Active Directory as spec create builds it
(GMSA_DOMAIN/GMSA_LDAP_URL or --domain/--server; never with --offline). No spec file is needed.

A manager cannot see a Windows node's build. docker gmsa takes it from --windows-build, else from the label
io.docker-gmsa.windows-build on the Windows nodes (docker node update --label-add
io.docker-gmsa.windows-build=17763 NODE, or an engine label), else assumes Windows Server 2019 (17763) or
later and says so. Before 17763 the tasks' hostname is the gMSA name and a second task on one gMSA is
refused (--force to override); from 17763 each task gets its own hostname, <account>-<task id>, at most
15 characters, unless you give --hostname.

Examples:
  docker gmsa service create --spec contoso_webapp01.json webapp01 --name web --replicas 3 -p 80:80 \\
    mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
  docker gmsa service create --windows-build 14393 --dry-run webapp01 --name web myapp:1`,
    )
    .action(async (account: string, dockerArgs: string[], o: CreateOptions) => {
      const { parseServiceCreateArgs, allValues } = require('../engine/docker-args') as typeof import('../engine/docker-args');
      const { runDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
      const { FREE_HOSTNAME_BUILD } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
      const { planConfig, describeConfigPlan } = require('../orchestrators/swarm-config') as typeof import('../orchestrators/swarm-config');
      const { decideWindowsBuild } = require('../orchestrators/swarm-nodes') as typeof import('../orchestrators/swarm-nodes');
      const { planServiceCreate } = require('../orchestrators/swarm-plan') as typeof import('../orchestrators/swarm-plan');
      const swarm = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');

      // Usage errors first, before anything talks to the engine.
      const parsed = parseServiceCreateArgs(dockerArgs);
      const manager = await managerSession(deps, o.dryRun);
      const client = manager.session?.client;
      const spec = await serviceSpec(account, o, manager, deps);
      const config = planConfig(spec.spec);
      const reuse = client ? await swarm.findReusable(client, config) : undefined;
      const nodes = client ? await swarm.readNodes(client) : undefined;
      const build = decideWindowsBuild({
        ...(o.windowsBuild !== undefined ? { explicit: o.windowsBuild } : {}),
        ...(nodes ? { nodes } : {}),
        constraints: allValues(parsed, 'constraint'),
      });
      const others = client && build.build < FREE_HOSTNAME_BUILD ? await swarm.servicesUsingAccount(client, account) : [];
      const configName = reuse?.name ?? config.name;
      const plan = planServiceCreate({
        account,
        configName,
        build,
        dockerArgs,
        networkService: o.networkService === true,
        force: o.force === true,
        othersWithAccount: others,
      });
      for (const n of plan.notes) deps.io.err(`${n}\n`);
      if (o.dryRun || !client) {
        deps.io.out(describeConfigPlan(config, reuse));
        printCommand(deps, plan.argv);
        return;
      }
      const ensured = await swarm.ensureConfig(client, config, reuse);
      deps.io.err(ensured.created ? `Created config ${ensured.name} (${ensured.id}).\n` : `Using config ${ensured.name} (${ensured.id}): it already holds this spec.\n`);
      const status = await runDocker(deps.env, deps.globals, plan.argv);
      if (status !== 0) {
        if (ensured.created && (await swarm.removeQuietly(client, ensured.id))) deps.io.err(`Removed config ${ensured.name} again: the service was not created.\n`);
        throw new PassThroughExit(status);
      }
    });
}

function registerUpdate(service: Command, deps: Deps): void {
  const cmd = service
    .command('update')
    .description("Rotate a service's credential spec: a new config when the spec changed, then docker service update")
    .usage('[options] ACCOUNT [docker service update options] SERVICE')
    .argument('<account>', 'the gMSA the tasks use')
    .argument('<docker-service-update-args...>', "docker service update's own options and SERVICE")
    .option('--spec <name|file>', 'the credential spec (default: found by the lookup: the store, swarm configs, Active Directory)')
    .option('--network-service', 'run as NT AUTHORITY\\NETWORK SERVICE, the identity that uses the gMSA')
    .option('--dry-run', 'print the config and the docker command instead of running them')
    .option('--root <dir>', 'Docker root folder whose CredentialSpecs holds the spec (when the engine\'s is not on this machine)');
  addLookupOptions(cmd)
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Configs cannot change, so a changed spec goes into a new config (named after its content) and the service is
updated to it; docker moves the service from the old config to the new one. A spec the service already uses
changes nothing ("already current"). The previous config stays for docker service rollback: docker gmsa
configs prune removes it once neither the service nor its rollback uses it.

Examples:
  docker gmsa service update --spec contoso_webapp01.json webapp01 web
  docker gmsa service update webapp01 --detach web`,
    )
    .action(async (account: string, dockerArgs: string[], o: CommonOptions) => {
      const { parseServiceUpdateArgs } = require('../engine/docker-args') as typeof import('../engine/docker-args');
      const { runDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
      const { planConfig, describeConfigPlan } = require('../orchestrators/swarm-config') as typeof import('../orchestrators/swarm-config');
      const { planServiceUpdate } = require('../orchestrators/swarm-plan') as typeof import('../orchestrators/swarm-plan');
      const swarm = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');

      const parsed = parseServiceUpdateArgs(dockerArgs);
      const name = parsed.target;
      const manager = await managerSession(deps, o.dryRun);
      const client = manager.session?.client;
      if (!client) {
        throw new UnsupportedEngineError('service update needs the swarm manager even with --dry-run: it reads the service', 'Point docker at a swarm manager.');
      }
      const service = await swarm.inspectServiceOrThrow(client, name);
      const spec = await serviceSpec(account, o, manager, deps);
      const config = planConfig(spec.spec);
      const reuse = await swarm.findReusable(client, config);
      const current = await swarm.currentCredentialConfig(client, service);
      const plan = planServiceUpdate({
        account,
        service,
        config: { name: reuse?.name ?? config.name, sha256: config.sha256, ...(reuse ? { id: reuse.id } : {}) },
        ...(current ? { current } : {}),
        dockerArgs,
        networkService: o.networkService === true,
      });
      for (const n of plan.notes) deps.io.err(`${n}\n`);
      const currentName = current ? current.name ?? current.id : undefined;
      if (o.dryRun) {
        if (plan.changed) deps.io.out(describeConfigPlan(config, reuse));
        else deps.io.out(`${name} already uses config ${currentName}: the credential spec is current.\n`);
        if (plan.argv) printCommand(deps, plan.argv);
        return;
      }
      if (!plan.changed) {
        if (plan.argv) {
          const status = await runDocker(deps.env, deps.globals, plan.argv);
          if (status !== 0) throw new PassThroughExit(status);
        }
        deps.io.out(`${name}: credential spec already current (config ${currentName}); nothing to rotate.\n`);
        return;
      }
      const ensured = await swarm.ensureConfig(client, config, reuse);
      if (ensured.created) deps.io.err(`Created config ${ensured.name} (${ensured.id}).\n`);
      const status = await runDocker(deps.env, deps.globals, plan.argv as string[]);
      if (status !== 0) {
        if (ensured.created && (await swarm.removeQuietly(client, ensured.id))) deps.io.err(`Removed config ${ensured.name} again: the service was not updated.\n`);
        throw new PassThroughExit(status);
      }
      const after = await client.inspectService(name);
      const problems = after ? swarm.rotationProblems(after, ensured.id, current?.id) : [];
      for (const p of problems) warn(deps, `after the update ${name}: ${p}; check docker service inspect ${name}`);
      deps.io.out(
        current
          ? `${name}: credential spec rotated from config ${currentName} to ${ensured.name}.\n`
          : `${name}: credential spec set to config ${ensured.name}.\n`,
      );
      if (current) {
        deps.io.err(`The previous config ${currentName} stays for docker service rollback; docker gmsa configs prune removes it once nothing uses it.\n`);
      }
    });
}

export function registerService(program: Command, deps: Deps): void {
  const service = program
    .command('service')
    .description('Swarm services that run as a gMSA: the spec as a swarm config (config://)')
    .addHelpText(
      'after',
      `
Talk to a swarm manager (docker --context MANAGER gmsa service ...). docker gmsa configs ls|prune lists and
cleans up the configs these commands create.`,
    );
  registerCreate(service, deps);
  registerUpdate(service, deps);
}
