/**
 * Output formats shared by every listing, inspect and report, in docker's manner:
 * `--format table` (default, columns aligned by docker's tabwriter), `--format json` (one JSON object per
 * line for listings, one JSON document for reports), or a Go template (util/template.ts) evaluated on
 * the same object `--format json` prints. Listings take docker's `table` directive (a header row from
 * the field names) and its `\t`/`\n` escapes, as `docker ps --format` does; a report's template is used
 * as written, as `docker inspect --format` does.
 */
import { InvalidInputError, UsageError } from '../errors';
import { executeTemplate, parseTemplate, tabwrite, TemplateError, type Template } from './template';

export type FormatKind =
  | { kind: 'table' }
  | { kind: 'json' }
  | {
      kind: 'template';
      /** What the user gave. */
      source: string;
      /** A `table` template: a header row and aligned columns (listings only). */
      table: boolean;
      /** The template as a listing runs it: `table` cut, spaces trimmed, `\t` and `\n` replaced. */
      listing: Template | UsageError;
      /** The template as a report runs it: as given (a UsageError for a `table` template). */
      object: Template | UsageError;
    };

const TEMPLATE_HINT = 'Use Go template syntax as docker does: {{.Field}}, {{json .}}, {{range .List}}...{{end}}; every {{ needs its }}.';

function parseOrError(source: string, text: string): Template | UsageError {
  try {
    return parseTemplate(text);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const fn = /function "([^"]*)" not defined/.exec(err.message);
    return new UsageError(
      `invalid --format template '${source}': ${err.message}`,
      fn
        ? `There is no function "${fn[1]}". Functions: json, join, split, lower, upper, title, pad, truncate, printf, print, println, len, index, slice, eq, ne, lt, le, gt, ge, and, or, not.`
        : TEMPLATE_HINT,
    );
  }
}

/** docker's formatter: `table` cut, spaces trimmed, the two-character escapes `\t` and `\n` replaced. */
function listingText(value: string): string {
  const body = value.startsWith('table') ? value.slice('table'.length) : value;
  return body.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

export function parseFormat(value: string | undefined): FormatKind {
  if (value === undefined || value === '' || value === 'table') return { kind: 'table' };
  if (value === 'json') return { kind: 'json' };
  if (!value.includes('{{')) {
    throw new UsageError(
      `unknown format "${value}"`,
      `Use --format table, --format json, or a template such as --format '{{.Name}}'.`,
    );
  }
  const table = value.startsWith('table');
  // Listings and reports read the text differently (docker's formatter replaces \t and \n, inspect does
  // not); the template is refused here only when neither can read it, else when a command uses it.
  const listing = parseOrError(value, listingText(value));
  const object = table
    ? new UsageError(
        'a table format applies to listings, and this command prints a single object',
        `Leave out "table", e.g. --format '{{json .}}', or use --format json.`,
      )
    : parseOrError(value, value);
  if (listing instanceof UsageError && (table || object instanceof UsageError)) throw listing;
  return { kind: 'template', source: value, table, listing, object };
}

/** The data exactly as `--format json` shows it: plain objects, no undefined, no class instances. */
function plain(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

function run(source: string, tmpl: Template | UsageError, value: unknown): string {
  if (tmpl instanceof UsageError) throw tmpl;
  try {
    return executeTemplate(tmpl, value);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    throw new InvalidInputError(
      `cannot apply --format template '${source}': ${err.message}`,
      err.fields
        ? err.fields.length
          ? `The fields there are: ${err.fields.join(', ')} (see --format json).`
          : 'That object has no fields (see --format json).'
        : 'Compare the template with the output of --format json, which shows every field.',
    );
  }
}

/** Applies a template to one object, as a report or `docker inspect --format` does (no newline added). */
export function applyTemplate(format: Extract<FormatKind, { kind: 'template' }>, value: unknown): string {
  return run(format.source, format.object, plain(value));
}

/** Docker-style columns: tab-separated cells aligned by docker's tabwriter (each at least 10 wide, 3 apart). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return tabwrite([header, ...rows].map((r) => `${r.join('\t')}\n`).join(''));
}

/**
 * Renders a listing. `columns` maps a header to how the cell is taken from an item; `toJson` is the
 * item as the machine-readable object (the one `--format json` prints and templates see).
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
      const tmpl = format.listing;
      const rows = items.map((i) => run(format.source, tmpl, plain(toJson(i))) + '\n').join('');
      if (!format.table || tmpl instanceof UsageError) return rows;
      // As docker: the header is the template run with every field standing for its column name.
      const header = executeTemplate(tmpl, null, { header: true });
      return tabwrite(`${header}\n${rows}`);
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
      return applyTemplate(format, value) + '\n';
    default:
      return human();
  }
}
