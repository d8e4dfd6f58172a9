import type { Command } from 'commander';
import { PassThroughExit } from '../errors';
import type { ExecFlags } from '../engine/run-plan';
import type { Deps } from './deps';

export function registerExec(program: Command, deps: Deps): void {
  const cmd = program
    .command('exec')
    .description('Run a command in a gMSA container as Network Service or SYSTEM (the identities that use the gMSA)')
    .usage('[--network-service|--system] [--dry-run] [docker exec options] CONTAINER COMMAND [ARG...]')
    .argument('[docker-exec-args...]', "docker exec's own options, CONTAINER, COMMAND and ARGs")
    .option('--network-service', 'run as NT AUTHORITY\\NETWORK SERVICE (the default)')
    .option('--system', 'run as NT AUTHORITY\\SYSTEM')
    .option('--dry-run', 'print the docker command instead of running it')
    // Our flags may stand among docker exec's (-it, -e X=1, -w DIR...) before CONTAINER, and nothing
    // after CONTAINER is ours: the arguments are read by planExec, with docker exec's grammar.
    .helpOption(false)
    .option('-h, --help', 'display help for command')
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Every docker exec option (-d, --detach-keys, -e, --env-file, -i, --privileged, -t, -w) is passed on
unchanged; --user is what docker gmsa sets. whoami inside never shows the gMSA: the container's computer
account uses it when Network Service or SYSTEM talk to the network. Both need Windows 1709 or later.

CONTAINER is a container name or ID (give docker gmsa run a --name).

Examples:
  docker gmsa exec web1 cmd /c 'dir \\\\contoso.com\\SYSVOL'
  docker gmsa exec --system -it web1 cmd
  docker gmsa exec -e TRACE=1 -w 'C:\\inetpub' web1 cmd /c 'nltest /sc_verify:contoso.com'`,
    )
    .action(async (args: string[], o: ExecFlags) => {
      const { planExec, checkExecEngine } = require('../engine/run-plan') as typeof import('../engine/run-plan');
      const { commandLine, runDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
      const plan = planExec(args, o);
      if (plan.help) {
        cmd.outputHelp();
        return;
      }
      if (plan.dryRun) {
        deps.io.out(commandLine(deps.env, deps.globals, plan.argv, deps.platform) + '\n');
        return;
      }
      checkExecEngine(plan, await (await deps.engine()).profile());
      const status = await runDocker(deps.env, deps.globals, plan.argv);
      if (status !== 0) throw new PassThroughExit(status);
    });
}
