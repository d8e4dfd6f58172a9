/**
 * Compose's variables: the `.env` file format and `${VAR}` interpolation, as compose (compose-go) reads
 * them. Used to resolve the values docker gmsa decides on (x-gmsa, credential_spec, hostname, user,
 * isolation, replicas...); the rewritten files keep every other interpolation as written. Pure.
 */
import { InvalidInputError } from '../errors';

export type Lookup = (name: string) => string | undefined;

/** A value written into a compose file that interpolation must leave as it is: every `$` doubled. */
export function escapeInterpolation(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

const NAME = /^[_A-Za-z][_A-Za-z0-9]*/;

export interface InterpolationResult {
  value: string;
  /** Variables that were used but not set (compose warns and uses an empty string). */
  unset: string[];
}

/** Thrown for `${VAR?message}` on an unset variable and for malformed templates. */
export class InterpolationError extends Error {}

/** The index of the `}` closing the `${` whose body starts at `start`, minding nested `${...}`. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '$' && text[i + 1] === '$') {
      i += 1;
    } else if (c === '$' && text[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (c === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alternative}`, `${VAR+alternative}` (defaults may themselves contain variables) and `$$`.
 */
export function interpolate(text: string, lookup: Lookup): InterpolationResult {
  const unset: string[] = [];
  const run = (t: string): string => {
    let out = '';
    let i = 0;
    while (i < t.length) {
      const c = t[i] as string;
      if (c !== '$') {
        out += c;
        i += 1;
        continue;
      }
      const next = t[i + 1];
      if (next === '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (next === '{') {
        const end = closingBrace(t, i + 2);
        if (end < 0) throw new InterpolationError(`invalid interpolation format: ${JSON.stringify(t)} (no closing brace)`);
        const body = t.slice(i + 2, end);
        out += braced(body, t);
        i = end + 1;
        continue;
      }
      const m = NAME.exec(t.slice(i + 1));
      if (!m) throw new InterpolationError(`invalid interpolation format: ${JSON.stringify(t)}; a $ that is not a variable must be written $$`);
      const v = lookup(m[0]);
      if (v === undefined) unset.push(m[0]);
      out += v ?? '';
      i += 1 + m[0].length;
    }
    return out;
  };
  const braced = (body: string, whole: string): string => {
    const m = NAME.exec(body);
    if (!m) throw new InterpolationError(`invalid interpolation format: ${JSON.stringify(whole)}`);
    const name = m[0];
    const rest = body.slice(name.length);
    const v = lookup(name);
    if (rest === '') {
      if (v === undefined) unset.push(name);
      return v ?? '';
    }
    const op = /^(:?[-?+])/.exec(rest);
    if (!op) throw new InterpolationError(`invalid interpolation format: ${JSON.stringify(whole)}`);
    const arg = rest.slice((op[1] as string).length);
    const emptyCounts = (op[1] as string).startsWith(':');
    const missing = v === undefined || (emptyCounts && v === '');
    switch ((op[1] as string).slice(-1)) {
      case '-':
        return missing ? run(arg) : (v as string);
      case '?':
        if (missing) throw new InterpolationError(`required variable ${name} is missing a value${arg ? `: ${run(arg)}` : ''}`);
        return v as string;
      default:
        return missing ? '' : run(arg);
    }
  };
  return { value: run(text), unset };
}

function unescapeDouble(s: string): string {
  return s.replace(/\\([\\"nrt$])/g, (_m, ch: string) => ({ n: '\n', r: '\r', t: '\t' })[ch] ?? ch);
}

/**
 * Reads a `.env` file: `KEY=VALUE` lines (optionally `export KEY=VALUE`), `#` comments, single-quoted
 * values taken literally, double-quoted values with escapes, unquoted values trimmed up to a ` #`
 * comment; `${VAR}` in unquoted and double-quoted values is expanded from `outer` (the environment), then
 * from earlier keys.
 * Returns the variables in file order. `file` names the file in errors.
 */
export function parseDotEnv(text: string, outer: Lookup, file: string): Map<string, string> {
  const vars = new Map<string, string>();
  // As compose-go: the environment first, then the keys read so far.
  const lookup: Lookup = (n) => outer(n) ?? vars.get(n);
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  const expand = (v: string): string => {
    try {
      return interpolate(v, lookup).value;
    } catch {
      return v;
    }
  };
  while (i < src.length) {
    // Skip blank space and comment lines.
    const nl = src.indexOf('\n', i);
    const lineEnd = nl < 0 ? src.length : nl;
    const raw = src.slice(i, lineEnd);
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i = lineEnd + 1;
      line += 1;
      continue;
    }
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/.exec(raw);
    if (!m) {
      throw new InvalidInputError(`${file}:${line}: unexpected ${JSON.stringify(trimmed)}: a .env line is KEY=VALUE`, `Fix ${file}; compose reads it the same way.`);
    }
    const key = m[1] as string;
    let j = i + m[0].length;
    const q = src[j];
    let value: string;
    if (q === "'" || q === '"') {
      let k = j + 1;
      while (k < src.length && src[k] !== q) k += q === '"' && src[k] === '\\' ? 2 : 1;
      if (k >= src.length) throw new InvalidInputError(`${file}:${line}: the value of ${key} has no closing ${q}`, `Close the quote in ${file}.`);
      const body = src.slice(j + 1, k);
      value = q === "'" ? body : expand(unescapeDouble(body));
      line += (body.match(/\n/g) ?? []).length;
      const after = src.indexOf('\n', k);
      j = after < 0 ? src.length : after;
    } else {
      let v = src.slice(j, lineEnd);
      const comment = /\s#/.exec(v);
      if (comment) v = v.slice(0, comment.index);
      value = expand(v.trim());
      j = lineEnd;
    }
    vars.set(key, value);
    i = j + 1;
    line += 1;
  }
  return vars;
}
