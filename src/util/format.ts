/**
 * Output formats shared by every listing, inspect and report, in docker's manner:
 * `--format table` (default, aligned columns), `--format json` (one JSON object per line for listings,
 * one JSON document for reports), or a Go-template-like string with `{{.Field}}`, `{{json .}}`,
 * `{{json .Field}}` and a leading `table ` for a header row.
 */
import { UsageError } from '../errors';

export type FormatKind = { kind: 'table' } | { kind: 'json' } | { kind: 'template'; template: string; table: boolean };

export function parseFormat(value: string | undefined): FormatKind {
  if (value === undefined || value === '' || value === 'table') return { kind: 'table' };
  if (value === 'json') return { kind: 'json' };
  if (!value.includes('{{')) {
    throw new UsageError(
      `unknown format "${value}"`,
      `Use --format table, --format json, or a template such as --format '{{.Name}}'.`,
    );
  }
  const table = value.startsWith('table ');
  return { kind: 'template', template: table ? value.slice('table '.length) : value, table };
}

/** Docker-style columns: each padded to its widest cell, three spaces apart, no trailing spaces. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function lookup(value: unknown, path: string): unknown {
  if (path === '') return value;
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const ACTION = /\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}/g;

/** Expands `{{.A.B}}` and `{{json .A}}`; `\t` and `\n` escapes as docker accepts them. */
export function applyTemplate(template: string, value: unknown): string {
  const expanded = template.replace(ACTION, (_m, json: string | undefined, path: string) => {
    const v = lookup(value, path);
    return json ? JSON.stringify(v ?? null) : show(v);
  });
  const rest = expanded.match(/\{\{[^}]*\}\}/);
  if (rest) {
    throw new UsageError(
      `template action ${rest[0]} is not supported`,
      'Use {{.Field}}, {{.Field.Sub}} or {{json .Field}}.',
    );
  }
  return expanded.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** Header cells for a `table ...` template: the field names, upper-case like docker's. */
function templateHeader(template: string): string {
  return template.replace(ACTION, (_m, _json, path: string) => (path.split('.').pop() ?? '').toUpperCase());
}

/**
 * Renders a listing. `columns` maps a header to how the cell is taken from an item; `json` is the
 * item as the machine-readable object.
 */
export function renderListing<T>(
  format: FormatKind,
  items: readonly T[],
  columns: readonly [string, (item: T) => string][],
  toJson: (item: T) => unknown,
): string {
  switch (format.kind) {
    case 'json':
      return items.map((i) => JSON.stringify(toJson(i)) + '\n').join('');
    case 'template': {
      const lines = items.map((i) => applyTemplate(format.template, toJson(i)));
      if (format.table) {
        const header = applyTemplate(templateHeader(format.template), {});
        const split = (l: string): string[] => l.split('\t');
        return renderTable(split(header), lines.map(split));
      }
      return lines.map((l) => l + '\n').join('');
    }
    default:
      return renderTable(
        columns.map(([h]) => h),
        items.map((i) => columns.map(([, get]) => get(i))),
      );
  }
}

/** Renders one report or inspect object: JSON document, template, or the given human text. */
export function renderObject(format: FormatKind, value: unknown, human: () => string): string {
  switch (format.kind) {
    case 'json':
      return JSON.stringify(value, null, 2) + '\n';
    case 'template':
      return applyTemplate(format.template, value) + '\n';
    default:
      return human();
  }
}
