import type { Command } from 'commander';
import { defaultPluginDir, installPlugin, pluginDir } from '../plugin/install';
import type { Deps } from './deps';

export function registerInstall(program: Command, deps: Deps): void {
  program
    .command('install')
    .description('Install this plugin where the docker CLI finds it (idempotent)')
    .option('--dir <dir>', 'plugin folder (default: <docker config dir>/cli-plugins)')
    .option('--force', 'replace a docker-gmsa file that another tool put there', false)
    .addHelpText(
      'after',
      `
The docker config dir is --config (before gmsa), $DOCKER_CONFIG, or ~/.docker (%USERPROFILE%\\.docker on
Windows). On Windows the plugin is this docker-gmsa.exe; on Linux and macOS it is one file that answers
the docker CLI's handshake without starting Node and runs the Node that ran install for everything else.

Examples:
  node dist/docker-gmsa.js install
  docker-gmsa install --dir /usr/local/lib/docker/cli-plugins
  docker-gmsa.exe install --dir "%ProgramFiles%\\Docker\\cli-plugins"`,
    )
    .action(async (opts: { dir?: string; force: boolean }) => {
      const dir = opts.dir !== undefined ? pluginDir(opts.dir, deps.cwd, deps.platform) : defaultPluginDir(deps.globals, deps.env, deps.homedir, deps.platform);
      const r = await installPlugin({ dir, source: deps.self, platform: deps.platform, force: opts.force });
      const verb = { installed: 'Installed', updated: 'Updated', unchanged: 'Already installed:' }[r.action];
      deps.io.out(`${verb} ${r.path}\n`);
      if (r.action !== 'unchanged') deps.io.err(`Try it: docker gmsa version\n`);
    });
}
