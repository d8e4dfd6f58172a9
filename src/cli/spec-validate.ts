import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { makeReport, renderReport, type SpecReport } from '../credspec/report';
import { validateSpecBytes, type ValidateBytesResult } from '../credspec/validate';
import { GmsaError, SpecInvalidError } from '../errors';
import { parseFormat, renderObject } from '../util/format';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';
import { readSpecArg, rootOption } from './spec-shared';

interface ValidateOptions extends DirectoryFlags {
  format?: string;
  root?: string;
  againstAd?: boolean;
}

export function registerSpecValidate(spec: Command, deps: Deps): void {
  const cmd = spec
    .command('validate')
    .description('Check credential specs and say what is wrong and how to fix it')
    .argument('<spec...>', 'a file (path, or - for standard input) or a name in the store')
    .option('--format <format>', 'table (default), json, or a template such as {{.Valid}}')
    .option('--against-ad', "also check every field against Active Directory (domain SID, GUID, names, accounts, scopes)")
    .addOption(rootOption());
  addDirectoryOptions(cmd).addHelpText(
    'after',
    `
Exit status 1 when any spec has an error (warnings alone pass). With --against-ad the domain facts and
the accounts are read from Active Directory over one connection.
${DIRECTORY_HELP}

Examples:
  docker gmsa spec validate ./contoso_webapp01.json
  docker gmsa spec validate contoso_webapp01 --root /mnt/docker --format json
  docker gmsa spec validate ./contoso_webapp01.json --against-ad --server ldaps://dc01.contoso.com`,
  );
  cmd.action(async (args: string[], o: ValidateOptions) => {
    const format = parseFormat(o.format);
    const check = async (validate: (bytes: Buffer) => Promise<ValidateBytesResult> | ValidateBytesResult): Promise<{ reports: SpecReport[]; failed: number }> => {
      const reports: SpecReport[] = [];
      let failed = 0;
      for (const arg of args) {
        try {
          const src = await readSpecArg(arg, o.root, deps);
          const v = await validate(src.bytes);
          reports.push(makeReport(src.label, v.findings, v.encoding, src.path));
        } catch (err) {
          if (!(err instanceof GmsaError) || args.length === 1) throw err;
          // Keep going with the other arguments, like docker does for several names.
          deps.io.err(`Error: ${err.message}\n`);
          failed += 1;
        }
      }
      return { reports, failed };
    };
    const { reports, failed } = o.againstAd
      ? await withDirectory(o, deps, async (dir) => {
          const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
          const { validateSpecAgainstDirectory } = require('../ad/spec-facts') as typeof import('../ad/spec-facts');
          const domain = await readDomain(dir);
          return check((bytes) => validateSpecAgainstDirectory(bytes, dir, domain));
        })
      : await check((bytes) => validateSpecBytes(bytes));
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
