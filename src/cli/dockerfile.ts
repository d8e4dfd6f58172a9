import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import type { Deps } from './deps';

interface DockerfileOptions {
  iis?: boolean;
  appPool?: string;
  service?: string;
  console?: boolean;
  shell: 'cmd' | 'powershell';
}

export function registerDockerfile(program: Command, deps: Deps): void {
  program
    .command('dockerfile')
    .description('Print the Dockerfile lines that make the app run as Network Service (the gMSA identity)')
    .option('--iis', 'an IIS site: its application pool runs as Network Service')
    .option('--app-pool <name>', 'the application pool (with --iis; default DefaultAppPool)')
    .option('--service <name>', 'a Windows service: it runs as Network Service')
    .option('--console', 'a console app: the container user is Network Service')
    .addOption(new Option('--shell <shell>', "the image's shell for RUN lines").choices(['cmd', 'powershell']).default('cmd'))
    .addHelpText(
      'after',
      `
Apps in a gMSA container use the gMSA only when they run as Network Service or Local System; the
default users (ContainerAdministrator, ContainerUser) do not. Give exactly one of --iis, --service, --console.

Examples:
  docker gmsa dockerfile --iis >> Dockerfile
  docker gmsa dockerfile --service MyService --shell powershell
  docker gmsa dockerfile --console`,
    )
    .action((o: DockerfileOptions) => {
      const modes = [o.iis ? '--iis' : undefined, o.service !== undefined ? '--service' : undefined, o.console ? '--console' : undefined].filter(Boolean);
      if (modes.length !== 1) {
        throw new UsageError(modes.length === 0 ? 'say what the app is' : `${modes.join(' and ')} cannot be used together`, 'Give exactly one of --iis, --service NAME, --console.');
      }
      if (o.appPool !== undefined && !o.iis) throw new UsageError('--app-pool goes with --iis', 'Add --iis, or leave out --app-pool.');
      const { dockerfileLines } = require('../windows/dockerfile') as typeof import('../windows/dockerfile');
      deps.io.out(
        dockerfileLines(
          o.iis
            ? { kind: 'iis', shell: o.shell, ...(o.appPool !== undefined ? { appPool: o.appPool } : {}) }
            : o.service !== undefined
              ? { kind: 'service', service: o.service, shell: o.shell }
              : { kind: 'console', shell: o.shell },
        ),
      );
    });
}
