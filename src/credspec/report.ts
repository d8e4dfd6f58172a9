/** Human and JSON forms of validation results, shared by `spec validate`, `spec install` and `spec inspect`. */
import type { Finding } from './validate';

export interface SpecReport {
  File: string;
  Valid: boolean;
  Errors: number;
  Warnings: number;
  Encoding?: string;
  Findings: Finding[];
}

export function makeReport(file: string, findings: Finding[], encoding?: string): SpecReport {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    File: file,
    Valid: errors === 0,
    Errors: errors,
    Warnings: findings.length - errors,
    ...(encoding ? { Encoding: encoding } : {}),
    Findings: findings,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderReport(r: SpecReport): string {
  const head = r.Valid
    ? `${r.File}: valid${r.Warnings ? ` (${plural(r.Warnings, 'warning')})` : ''}`
    : `${r.File}: invalid (${plural(r.Errors, 'error')}${r.Warnings ? `, ${plural(r.Warnings, 'warning')}` : ''})`;
  const lines = [head];
  for (const f of r.Findings) {
    const at = f.line !== undefined ? ` (line ${f.line}, column ${f.column ?? 1})` : '';
    lines.push(`  ${f.severity.padEnd(7)} ${f.path}${at}: ${f.message}`);
    lines.push(`          fix: ${f.fix}`);
  }
  return lines.join('\n') + '\n';
}
