import type { Command } from 'commander';
import { parseFormat, renderObject } from '../util/format';
import type { Deps } from './deps';

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
        Path: deps.self.path,
      };
      deps.io.out(
        renderObject(parseFormat(opts.format), info, () =>
          [
            `docker gmsa ${info.Version}`,
            ` Node:      ${info.Node}${info.Packaged ? ' (packaged executable)' : ''}`,
            ` Platform:  ${info.Platform}`,
            ` Path:      ${info.Path}`,
            '',
          ].join('\n'),
        ),
      );
    });
}
