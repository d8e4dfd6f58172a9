import type { Command } from 'commander';
import { parseFormat, renderListing } from '../util/format';
import type { Deps } from './deps';
import { openStore, rootOption } from './spec-shared';

export function registerSpecLs(spec: Command, deps: Deps): void {
  spec
    .command('ls')
    .alias('list')
    .description('List the credential specs in the store')
    .option('-q, --quiet', 'only names', false)
    .option('--format <format>', 'table (default), json, or a template such as {{.Name}}')
    .addOption(rootOption())
    .addHelpText(
      'after',
      `
Examples:
  docker gmsa spec ls
  docker gmsa spec ls --root /mnt/windows-host/docker --format json`,
    )
    .action(async (o: { quiet: boolean; format?: string; root?: string }) => {
      const { store, location } = await openStore(o.root, deps);
      const entries = await store.list();
      if (o.quiet) {
        deps.io.out(entries.map((e) => `${e.name}\n`).join(''));
        return;
      }
      const format = parseFormat(o.format);
      if (format.kind === 'table' && entries.length === 0) deps.io.err(`No credential specs in ${location.dir}\n`);
      deps.io.out(
        renderListing(
          format,
          entries,
          [
            ['NAME', (e) => e.name],
            ['ACCOUNT', (e) => e.account ?? '-'],
            ['DOMAIN', (e) => e.domain ?? '-'],
            ['VALID', (e) => (e.valid ? (e.warnings ? `yes (${e.warnings} warnings)` : 'yes') : `no (${e.errors} errors)`)],
          ],
          (e) => ({
            Name: e.name,
            Account: e.account ?? null,
            Domain: e.domain ?? null,
            Valid: e.valid,
            Errors: e.errors,
            Warnings: e.warnings,
            Path: e.path,
          }),
        ),
      );
    });
}
