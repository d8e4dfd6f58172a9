import type { Command } from 'commander';
import { basename } from 'node:path';
import { makeReport, renderReport } from '../credspec/report';
import { checkSpecName, defaultSpecFileName } from '../credspec/naming';
import { validateSpecBytes } from '../credspec/validate';
import { SpecInvalidError, UsageError } from '../errors';
import type { Deps } from './deps';
import { openStore, readSpecArg, rootOption } from './spec-shared';

export function registerSpecInstall(spec: Command, deps: Deps): void {
  spec
    .command('install')
    .description('Validate a spec file and copy it into the store (atomically)')
    .argument('<file>', 'the spec file, or - for standard input')
    .option('--name <name>', 'name in the store (default: the file name, or <netbios>_<account>.json)')
    .option('--force', 'replace a spec of the same name with different content', false)
    .addOption(rootOption())
    .addHelpText(
      'after',
      `
Examples:
  docker gmsa spec install ./contoso_webapp01.json
  cat spec.json | docker gmsa spec install - --name contoso_webapp01 --root /mnt/docker`,
    )
    .action(async (file: string, o: { name?: string; force: boolean; root?: string }) => {
      if (file !== '-' && !/[\\/]/.test(file)) file = `./${file}`; // a FILE argument is always a file here
      const src = await readSpecArg(file, undefined, deps);
      const v = validateSpecBytes(src.bytes);
      const report = makeReport(src.label, v.findings, v.encoding);
      if (!report.Valid) {
        deps.io.err(renderReport(report));
        throw new SpecInvalidError(`${src.label} is not a valid credential spec; nothing was installed`, 'Fix the errors listed above, then install again.');
      }
      if (report.Warnings) deps.io.err(renderReport(report));
      let name = o.name;
      if (name === undefined && src.path) name = basename(src.path);
      if (name === undefined && v.spec) {
        name = defaultSpecFileName(v.spec.DomainJoinConfig.NetBiosName, v.spec.DomainJoinConfig.MachineAccountName);
      }
      if (name === undefined) throw new UsageError('cannot tell which name to install under', 'Pass --name NAME.');
      const finalName = checkSpecName(name);
      const { store } = await openStore(o.root, deps);
      const r = await store.install(finalName, src.bytes, { force: o.force });
      deps.io.out(`${r.path}\n`);
      if (r.unchanged) deps.io.err('Already installed with the same content; nothing changed.\n');
      else if (r.replaced) deps.io.err('Replaced the previous spec of that name.\n');
    });
}
