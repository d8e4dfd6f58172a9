import type { Command } from 'commander';
import { pluginForm } from '../plugin/install';
import { parseFormat, renderObject } from '../util/format';
import type { Deps } from './deps';

const FORM_TEXT = {
  executable: 'docker-gmsa.exe (Node single executable)',
  launcher: 'sh launcher + bundle (the handshake starts no Node)',
  bundle: 'bundle',
} as const;

export function registerVersion(program: Command, deps: Deps): void {
  program
    .command('version')
    .description('Show the docker gmsa version (never contacts the engine)')
    .option('--format <format>', 'table (default), json, or a template such as {{.Version}}')
    .action((opts: { format?: string }) => {
      const info = {
        Version: deps.version,
        Node: process.versions.node,
        Platform: `${deps.platform}/${process.arch}`,
        Packaged: deps.self.packaged,
        Form: pluginForm(deps.self),
        Path: deps.self.path,
      };
      deps.io.out(
        renderObject(parseFormat(opts.format), info, () =>
          [
            `docker gmsa ${info.Version}`,
            ` Node:      ${info.Node}${info.Packaged ? ' (packaged executable)' : ''}`,
            ` Platform:  ${info.Platform}`,
            ` Form:      ${FORM_TEXT[info.Form]}`,
            ` Path:      ${info.Path}`,
            '',
          ].join('\n'),
        ),
      );
    });
}
