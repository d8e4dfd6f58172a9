/**
 * Human and JSON forms of validation results, shared by `spec validate`, `spec install` and `spec inspect`.
 * One shape for the spec family: every key is always there (null when it does not apply), so a template
 * such as {{.Encoding}} works on every spec.
 */
import type { Finding } from './validate';

/** A finding as it appears in JSON output: docker-style capitalised keys. */
export interface FindingJson {
  Path: string;
  Severity: 'error' | 'warning';
  Code: string;
  Message: string;
  Fix: string;
  /** Where in the file, for JSON syntax errors; null otherwise. */
  Line: number | null;
  Column: number | null;
}

export interface SpecReport {
  /** The spec as the user named it: a store name, a path as given, or - for standard input. */
  Name: string;
  /** The file read, when there is one. */
  Path: string | null;
  /** UTF-8, UTF-8 with BOM, UTF-16LE... (null when the bytes could not be decoded). */
  Encoding: string | null;
  Valid: boolean;
  Errors: number;
  Warnings: number;
  Findings: FindingJson[];
}

export function findingJson(f: Finding): FindingJson {
  return {
    Path: f.path,
    Severity: f.severity,
    Code: f.code,
    Message: f.message,
    Fix: f.fix,
    Line: f.line ?? null,
    Column: f.line !== undefined ? (f.column ?? 1) : null,
  };
}

export function makeReport(name: string, findings: Finding[], encoding?: string, path?: string): SpecReport {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    Name: name,
    Path: path ?? null,
    Encoding: encoding ?? null,
    Valid: errors === 0,
    Errors: errors,
    Warnings: findings.length - errors,
    Findings: findings.map(findingJson),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderReport(r: SpecReport): string {
  const head = r.Valid
    ? `${r.Name}: valid${r.Warnings ? ` (${plural(r.Warnings, 'warning')})` : ''}`
    : `${r.Name}: invalid (${plural(r.Errors, 'error')}${r.Warnings ? `, ${plural(r.Warnings, 'warning')}` : ''})`;
  const lines = [head];
  for (const f of r.Findings) {
    const at = f.Line !== null ? ` (line ${f.Line}, column ${f.Column ?? 1})` : '';
    lines.push(`  ${f.Severity.padEnd(7)} ${f.Path}${at}: ${f.Message}`);
    lines.push(`          fix: ${f.Fix}`);
  }
  return lines.join('\n') + '\n';
}
