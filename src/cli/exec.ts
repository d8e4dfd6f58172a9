import type { Command } from 'commander';
import { PassThroughExit, UsageError } from '../errors';
import type { Deps } from './deps';

interface ExecOptions {
  networkService?: boolean;
  system?: boolean;
  dryRun?: boolean;
}

export function registerExec(program: Command, deps: Deps): void {
  program
    .command('exec')
    .description('Run a command in a gMSA container as Network Service or SYSTEM (the identities that use the gMSA)')
    .usage('[--network-service|--system] [--dry-run] [docker exec options] CONTAINER COMMAND [ARG...]')
    .argument('<docker-exec-args...>', "docker exec's own options, CONTAINER, COMMAND and ARGs")
    .option('--network-service', 'run as NT AUTHORITY\\NETWORK SERVICE (the default)')
    .option('--system', 'run as NT AUTHORITY\\SYSTEM')
    .option('--dry-run', 'print the docker command instead of running it')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
whoami inside never shows the gMSA: the container's computer account uses it when Network Service or SYSTEM
talk to the network. Both need Windows 1709 or later.

Examples:
  docker gmsa exec webapp01-1 powershell -Command "dir \\\\\\\\contoso.com\\\\SYSVOL"
  docker gmsa exec --system -it webapp01-1 cmd`,
    )
    .action(async (args: string[], o: ExecOptions) => {
      const { parseExecArgs, lastValue } = require('../engine/docker-args') as typeof import('../engine/docker-args');
      const { NETWORK_SERVICE, LOCAL_SYSTEM } = require('../engine/run-plan') as typeof import('../engine/run-plan');
      const { commandLine, runDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
      const { NETWORK_SERVICE_BUILD, releaseName } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
      if (o.networkService && o.system) throw new UsageError('--network-service and --system exclude each other', 'Pick one.');
      const parsed = parseExecArgs(args);
      if (parsed.rest.length === 0) throw new UsageError('missing COMMAND', 'Usage: docker gmsa exec [options] CONTAINER COMMAND [ARG...]');
      const user = lastValue(parsed, 'user');
      if (user !== undefined) throw new UsageError(`--user ${user} conflicts with the identity docker gmsa sets`, 'Drop --user, or use docker exec directly.');
      const identity = o.system ? LOCAL_SYSTEM : NETWORK_SERVICE;
      const argv = ['exec', '--user', identity, ...args];
      if (o.dryRun) {
        deps.io.out(commandLine(deps.env, deps.globals, argv, deps.platform) + '\n');
        return;
      }
      const profile = await (await deps.engine()).profile();
      if (profile.osType === 'windows' && profile.windowsBuild !== undefined && profile.windowsBuild < NETWORK_SERVICE_BUILD) {
        throw new UsageError(
          `running as ${identity} inside a container needs Windows 1709 (16299) or later; this engine is ${releaseName(profile.windowsBuild) ?? profile.windowsBuild}`,
          'On this host, use docker exec directly (as ContainerAdministrator).',
        );
      }
      const status = await runDocker(deps.env, deps.globals, argv);
      if (status !== 0) throw new PassThroughExit(status);
    });
}
