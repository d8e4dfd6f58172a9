import type { Command } from 'commander';
import { makeReport } from '../credspec/report';
import { validateSpecBytes } from '../credspec/validate';
import { applyTemplate, parseFormat } from '../util/format';
import type { Deps } from './deps';
import { readSpecArg, rootOption } from './spec-shared';

export function registerSpecInspect(spec: Command, deps: Deps): void {
  spec
    .command('inspect')
    .description('Show a credential spec, where it is, and whether it is valid')
    .argument('<spec...>', 'a name in the store, or a file')
    .option('-f, --format <format>', 'json (default) or a template such as {{.Spec.DomainJoinConfig.Sid}}')
    .addOption(rootOption())
    .addHelpText(
      'after',
      `
Examples:
  docker gmsa spec inspect contoso_webapp01
  docker gmsa spec inspect contoso_webapp01 --format '{{json .Spec}}'`,
    )
    .action(async (args: string[], o: { format?: string; root?: string }) => {
      const format = parseFormat(o.format ?? 'json');
      const items = [];
      for (const arg of args) {
        const src = await readSpecArg(arg, o.root, deps);
        const v = validateSpecBytes(src.bytes);
        items.push({ ...makeReport(src.label, v.findings, v.encoding, src.path), Spec: v.spec ?? null });
      }
      if (format.kind === 'template') deps.io.out(items.map((i) => applyTemplate(format, i) + '\n').join(''));
      else deps.io.out(JSON.stringify(items, null, 4) + '\n');
    });
}
