import type { Command } from 'commander';
import { defaultPluginDir, pluginDir, uninstallPlugin } from '../plugin/install';
import type { Deps } from './deps';

export function registerUninstall(program: Command, deps: Deps): void {
  program
    .command('uninstall')
    .description('Remove the plugin that install put in place (never a file another tool owns)')
    .option('--dir <dir>', 'plugin folder (default: <docker config dir>/cli-plugins)')
    .addHelpText('after', '\nExample:\n  docker gmsa uninstall')
    .action(async (opts: { dir?: string }) => {
      const dir = opts.dir !== undefined ? pluginDir(opts.dir, deps.cwd, deps.platform) : defaultPluginDir(deps.globals, deps.env, deps.homedir, deps.platform);
      const r = await uninstallPlugin({ dir, platform: deps.platform });
      deps.io.out(r.action === 'removed' ? `Removed ${r.path}\n` : `Not installed: ${r.path}\n`);
      if (r.movedAside) deps.io.err(`It was running, so Windows kept the file: it is now ${r.movedAside}, removed by the next install or uninstall.\n`);
    });
}
