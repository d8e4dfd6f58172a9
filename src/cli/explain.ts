import type { Command } from 'commander';
import { parseFormat, renderObject } from '../util/format';
import type { Deps } from './deps';

export function registerExplain(program: Command, deps: Deps): void {
  program
    .command('explain')
    .description('Say what an error code, event or message means for gMSA, and what to do next')
    .argument('<code-or-message...>', 'a number (decimal, hex, 0x..., negative), a name, a pasted line, or - for standard input')
    .option('--format <format>', 'table (default), json, or a template such as {{json .Matches}}')
    .addHelpText(
      'after',
      `
Reads Win32 errors (nltest's "Status = 1789 0x6fd"), NTSTATUS and HRESULT codes (an HRESULT that wraps an
NT status is unwrapped), Kerberos errors, and event ids of the CCG, Azure Key Vault plugin, Hyper-V
Compute and Netlogon logs. Exit status 1 when nothing in the input is known.

Examples:
  docker gmsa explain 3489792023
  docker gmsa explain 'hcsshim::CreateComputeSystem 4ef2: ... winapi error #3489792023'
  docker gmsa explain 'Trust Verification Status = 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE'
  docker gmsa explain event 8 Microsoft-Windows-Containers-CCG/Admin
  docker gmsa explain -1073741790 --format json`,
    )
    .action(async (words: string[], o: { format?: string }) => {
      const format = parseFormat(o.format);
      const { explainReport, renderExplainReport } = require('../windows/explain-report') as typeof import('../windows/explain-report');
      const input = words.length === 1 && words[0] === '-' ? (await deps.io.readStdin()).toString('utf8') : words.join(' ');
      const report = explainReport(input);
      deps.io.out(renderObject(format, report, () => renderExplainReport(report)));
    });
}
