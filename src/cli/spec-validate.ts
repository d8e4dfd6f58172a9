import type { Command } from 'commander';
import { makeReport, renderReport, type SpecReport } from '../credspec/report';
import { validateSpecBytes } from '../credspec/validate';
import { GmsaError, SpecInvalidError } from '../errors';
import { parseFormat, renderObject } from '../util/format';
import type { Deps } from './deps';
import { readSpecArg, rootOption } from './spec-shared';

export function registerSpecValidate(spec: Command, deps: Deps): void {
  spec
    .command('validate')
    .description('Check credential specs and say what is wrong and how to fix it')
    .argument('<spec...>', 'a file (path, or - for standard input) or a name in the store')
    .option('--format <format>', 'table (default), json, or a template such as {{.Valid}}')
    .addOption(rootOption())
    .addHelpText(
      'after',
      `
Exit status 1 when any spec has an error (warnings alone pass).

Examples:
  docker gmsa spec validate ./contoso_webapp01.json
  docker gmsa spec validate contoso_webapp01 --root /mnt/docker --format json`,
    )
    .action(async (args: string[], o: { format?: string; root?: string }) => {
      const format = parseFormat(o.format);
      const reports: SpecReport[] = [];
      let failed = 0;
      for (const arg of args) {
        try {
          const src = await readSpecArg(arg, o.root, deps);
          const v = validateSpecBytes(src.bytes);
          reports.push(makeReport(src.label, v.findings, v.encoding, src.path));
        } catch (err) {
          if (!(err instanceof GmsaError) || args.length === 1) throw err;
          // Keep going with the other arguments, like docker does for several names.
          deps.io.err(`Error: ${err.message}\n`);
          failed += 1;
        }
      }
      if (format.kind === 'json') deps.io.out(JSON.stringify(reports, null, 2) + '\n');
      else deps.io.out(reports.map((r) => renderObject(format, r, () => renderReport(r))).join(''));
      const invalid = reports.filter((r) => !r.Valid).length;
      if (invalid > 0 || failed > 0) {
        throw new SpecInvalidError(
          `${invalid + failed} of ${args.length} spec${args.length === 1 ? '' : 's'} did not pass validation`,
          'Fix the errors listed above (each has a fix line) and validate again.',
        );
      }
    });
}
