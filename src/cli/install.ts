import type { Command } from 'commander';
import { defaultPluginDir, installPlugin } from '../plugin/install';
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
The docker config dir is --config (before gmsa), $DOCKER_CONFIG, or ~/.docker.

Examples:
  node dist/docker-gmsa.js install
  docker-gmsa install --dir /usr/local/lib/docker/cli-plugins`,
    )
    .action(async (opts: { dir?: string; force: boolean }) => {
      const dir = opts.dir ?? defaultPluginDir(deps.globals, deps.env, deps.homedir);
      const r = await installPlugin({ dir, source: deps.self, platform: deps.platform, force: opts.force });
      const verb = { installed: 'Installed', updated: 'Updated', unchanged: 'Already installed:' }[r.action];
      deps.io.out(`${verb} ${r.path}\n`);
      if (r.action !== 'unchanged') deps.io.err(`Try it: docker gmsa version\n`);
    });
}
