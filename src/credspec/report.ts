/** Human and JSON forms of validation results, shared by `spec validate`, `spec install` and `spec inspect`. */
import type { Finding } from './validate';

/** A finding as it appears in JSON output: docker-style capitalised keys. */
export interface FindingJson {
  Path: string;
  Severity: 'error' | 'warning';
  Code: string;
  Message: string;
  Fix: string;
  Line?: number;
  Column?: number;
}

export interface SpecReport {
  File: string;
  Valid: boolean;
  Errors: number;
  Warnings: number;
  Encoding?: string;
  Findings: FindingJson[];
}

export function findingJson(f: Finding): FindingJson {
  return {
    Path: f.path,
    Severity: f.severity,
    Code: f.code,
    Message: f.message,
    Fix: f.fix,
    ...(f.line !== undefined ? { Line: f.line, Column: f.column ?? 1 } : {}),
  };
}

export function makeReport(file: string, findings: Finding[], encoding?: string): SpecReport {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    File: file,
    Valid: errors === 0,
    Errors: errors,
    Warnings: findings.length - errors,
    ...(encoding ? { Encoding: encoding } : {}),
    Findings: findings.map(findingJson),
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
    const at = f.Line !== undefined ? ` (line ${f.Line}, column ${f.Column ?? 1})` : '';
    lines.push(`  ${f.Severity.padEnd(7)} ${f.Path}${at}: ${f.Message}`);
    lines.push(`          fix: ${f.Fix}`);
  }
  return lines.join('\n') + '\n';
}
