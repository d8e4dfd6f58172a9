/**
 * A small, strict JSON (RFC 8259) parser written for credential spec files.
 *
 * Why not JSON.parse: a spec checker has to say *where* a file is broken (line and column, in words a
 * person understands), has to notice duplicate keys (JSON.parse silently keeps the last one), and has to
 * know where every value sits so that findings can point at it. This parser does all three and never
 * throws: any string in gives a result object out, including for absurdly deep nesting (capped).
 *
 * Strictness: no comments, no trailing commas, no single quotes, no unquoted keys, no NaN/Infinity, no
 * leading zeros, no unescaped control characters in strings, no byte order mark (the caller decodes
 * bytes and strips the BOM before calling this). Duplicate keys are accepted (the last value wins, as with
 * JSON.parse) and reported in `duplicateKeys`.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A place in the text: 1-based line and column (column counted in UTF-16 code units), 0-based offset. */
export interface JsonPosition {
  line: number;
  column: number;
  offset: number;
}

export interface JsonDuplicateKey {
  /** JSON path of the member whose key repeats, e.g. `$.DomainJoinConfig.Sid`. */
  path: string;
  key: string;
  /** Where the repeated (later) occurrence of the key starts. */
  line: number;
  column: number;
}

/** Where a node is: the start of its value and, for object members, the start of its key. */
export interface JsonNodeLocation {
  value: JsonPosition;
  key?: JsonPosition;
}

export interface JsonParseSuccess {
  ok: true;
  value: JsonValue;
  duplicateKeys: JsonDuplicateKey[];
  /** Location of every node, keyed by JSON path (`$`, `$.a`, `$.a[0]`, `$["odd key"]`). */
  locations: Map<string, JsonNodeLocation>;
}

export interface JsonParseFailure {
  ok: false;
  /** What is wrong, in plain words, e.g. "expected ',' or '}' after a property value, found '\"'". */
  message: string;
  /** What to do about it, when the parser can tell (e.g. "remove the comma"). */
  hint?: string;
  line: number;
  column: number;
  offset: number;
}

export type JsonParseResult = JsonParseSuccess | JsonParseFailure;

/** Objects and arrays nested deeper than this are refused (reported as a syntax error). */
export const MAX_JSON_DEPTH = 512;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of member `key` of the object at `parent`: `$.Name` or `$["two words"]`. */
export function childPath(parent: string, key: string): string {
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** The path of element `index` of the array at `parent`: `$.list[3]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

class Failure {
  constructor(
    readonly offset: number,
    readonly message: string,
    readonly hint?: string,
  ) {}
}

/** Line starts (offsets) for converting offsets into line/column. \r\n, \n and \r each end a line. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Converts an offset into a 1-based line and column using precomputed line starts. */
export function positionAt(lineStarts: readonly number[], offset: number): JsonPosition {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1, offset };
}

/** Converts an offset in `text` into a 1-based line and column. */
export function positionInText(text: string, offset: number): JsonPosition {
  return positionAt(lineStartsOf(text), offset);
}

function describeChar(text: string, pos: number): string {
  const c = text.codePointAt(pos);
  if (c === undefined) return 'the end of input';
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  if (c === 0x20) return 'a space';
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex}`;
}

const WORD = /[A-Za-z0-9_$+\-.]/;

class Parser {
  private pos = 0;
  readonly duplicateKeys: { path: string; key: string; offset: number }[] = [];
  readonly locations = new Map<string, { value: number; key?: number }>();

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    if (this.pos >= this.text.length) {
      throw new Failure(
        this.pos,
        this.text.length === 0 ? 'unexpected end of input: the document is empty' : 'unexpected end of input: the document contains only white space',
        'A credential spec is a JSON object starting with "{".',
      );
    }
    const value = this.parseValue(0, '$', 'a JSON value');
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      throw this.unexpected('the end of the document after the top-level value', 'unexpected content after the JSON value');
    }
    return value;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  /** Builds the error for an unexpected character (or end of input) where `expected` was wanted. */
  private unexpected(expected: string, lead?: string): Failure {
    const t = this.text;
    const p = this.pos;
    if (p >= t.length) return new Failure(p, `unexpected end of input: expected ${expected}`, 'The file looks cut short; complete it or restore it.');
    const c = t.charCodeAt(p);
    const next = t.charCodeAt(p + 1);
    if (c === 0x2f && (next === 0x2f || next === 0x2a)) {
      return new Failure(p, 'comments are not allowed in JSON', 'Remove the comment.');
    }
    if (c === 0xfeff) return new Failure(p, 'unexpected byte order mark (U+FEFF)', 'Remove the stray byte order mark.');
    if (c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0x0b || c === 0x0c) {
      return new Failure(p, `${describeChar(t, p)} is not JSON white space`, 'Replace it with an ordinary space or line break.');
    }
    const found = describeChar(t, p);
    return new Failure(p, lead ? `${lead}: expected ${expected}, found ${found}` : `expected ${expected}, found ${found}`);
  }

  private parseValue(depth: number, path: string, expected: string): JsonValue {
    this.skipWhitespace();
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) throw this.unexpected(expected);
    const c = t.charCodeAt(start);
    let value: JsonValue;
    switch (c) {
      case 0x7b /* { */:
        value = this.parseObject(depth + 1, path);
        break;
      case 0x5b /* [ */:
        value = this.parseArray(depth + 1, path);
        break;
      case 0x22 /* " */:
        value = this.parseString();
        break;
      case 0x27 /* ' */:
        throw new Failure(start, 'single-quoted strings are not allowed in JSON', 'Use double quotes (") around strings.');
      case 0x2b /* + */:
        throw new Failure(start, "a number cannot start with '+'", "Remove the '+'.");
      case 0x2e /* . */:
        throw new Failure(start, "a number cannot start with '.'", "Write a leading zero, e.g. 0.5.");
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          value = this.parseNumber();
        } else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) {
          value = this.parseLiteral();
        } else {
          throw this.unexpected(expected);
        }
    }
    const loc = this.locations.get(path);
    if (loc) loc.value = start;
    else this.locations.set(path, { value: start });
    return value;
  }

  private parseLiteral(): JsonValue {
    const t = this.text;
    const start = this.pos;
    let end = start;
    while (end < t.length && WORD.test(t.charAt(end)) && end - start < 40) end++;
    const word = t.slice(start, end);
    if (word === 'true') {
      this.pos = end;
      return true;
    }
    if (word === 'false') {
      this.pos = end;
      return false;
    }
    if (word === 'null') {
      this.pos = end;
      return null;
    }
    const lower = word.toLowerCase();
    if (lower === 'true' || lower === 'false' || lower === 'null') {
      throw new Failure(start, `unexpected word "${word}": JSON literals are written in lower case`, `Write ${lower}.`);
    }
    if (word === 'NaN' || word === 'Infinity' || word === 'undefined') {
      throw new Failure(start, `${word} is not a JSON value`, 'Use a number, a string or null.');
    }
    throw new Failure(start, `unexpected word "${word}": strings must be in double quotes`, 'Put the text in double quotes (").');
  }

  private parseNumber(): number {
    const t = this.text;
    const start = this.pos;
    let p = start;
    const digit = (i: number): boolean => {
      const c = t.charCodeAt(i);
      return c >= 0x30 && c <= 0x39;
    };
    if (t.charCodeAt(p) === 0x2d) p++;
    if (t.charCodeAt(p) === 0x30) {
      p++;
      if (digit(p)) throw new Failure(start, 'leading zeros are not allowed in numbers', 'Remove the leading zeros (or quote the value if it is text).');
    } else if (digit(p)) {
      while (digit(p)) p++;
    } else {
      this.pos = p;
      throw this.unexpected("a digit after '-'");
    }
    if (t.charCodeAt(p) === 0x2e) {
      p++;
      if (!digit(p)) {
        this.pos = p;
        throw this.unexpected('a digit after the decimal point');
      }
      while (digit(p)) p++;
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      p++;
      const s = t.charCodeAt(p);
      if (s === 0x2b || s === 0x2d) p++;
      if (!digit(p)) {
        this.pos = p;
        throw this.unexpected('a digit in the exponent');
      }
      while (digit(p)) p++;
    }
    this.pos = p;
    return Number(t.slice(start, p));
  }

  private parseString(): string {
    const t = this.text;
    const open = this.pos;
    let p = open + 1;
    let out = '';
    let segment = p;
    for (;;) {
      if (p >= t.length) {
        throw new Failure(open, 'unterminated string: no closing \'"\' before the end of input', 'Add the closing double quote.');
      }
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        out += t.slice(segment, p);
        this.pos = p + 1;
        return out;
      }
      if (c === 0x5c) {
        out += t.slice(segment, p);
        const e = t.charCodeAt(p + 1);
        switch (e) {
          case 0x22:
            out += '"';
            break;
          case 0x5c:
            out += '\\';
            break;
          case 0x2f:
            out += '/';
            break;
          case 0x62:
            out += '\b';
            break;
          case 0x66:
            out += '\f';
            break;
          case 0x6e:
            out += '\n';
            break;
          case 0x72:
            out += '\r';
            break;
          case 0x74:
            out += '\t';
            break;
          case 0x75: {
            const hex = t.slice(p + 2, p + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
              throw new Failure(p, 'invalid \\u escape in string: expected 4 hexadecimal digits', 'Write \\u followed by exactly four hex digits, e.g. \\u00e9.');
            }
            out += String.fromCharCode(parseInt(hex, 16));
            p += 4;
            break;
          }
          default: {
            if (Number.isNaN(e)) {
              throw new Failure(open, 'unterminated string: no closing \'"\' before the end of input', 'Add the closing double quote.');
            }
            const shown = describeChar(t, p + 1);
            throw new Failure(
              p,
              `invalid escape sequence in string: a backslash followed by ${shown}`,
              'Inside JSON strings a backslash must be doubled (write \\\\, e.g. "CONTOSO\\\\webapp01").',
            );
          }
        }
        p += 2;
        segment = p;
        continue;
      }
      if (c < 0x20) {
        if (c === 0x0a || c === 0x0d) {
          throw new Failure(open, 'unterminated string: the line ends before the closing \'"\'', 'Add the closing double quote (a line break inside a string is written \\n).');
        }
        throw new Failure(p, `control character ${describeChar(t, p)} must be escaped inside a string`, 'Remove it or write it as a \\u escape.');
      }
      p++;
    }
  }

  private parseObject(depth: number, path: string): JsonObject {
    const t = this.text;
    const open = this.pos;
    if (depth > this.maxDepth) {
      throw new Failure(open, `nesting is deeper than ${this.maxDepth} levels`, 'A credential spec is only a few levels deep; this is not one.');
    }
    this.pos++;
    const obj: JsonObject = {};
    const seen = new Set<string>();
    this.skipWhitespace();
    if (t.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipWhitespace();
      const keyStart = this.pos;
      const c = t.charCodeAt(keyStart);
      if (c !== 0x22) {
        if (c === 0x7d && seen.size > 0) {
          throw new Failure(keyStart, "trailing comma before '}'", 'Remove the comma after the last property.');
        }
        if (c === 0x27) {
          throw new Failure(keyStart, 'property names must be in double quotes, not single quotes', 'Use double quotes (") around the name.');
        }
        if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) {
          throw new Failure(keyStart, 'property names must be in double quotes', 'Put the name in double quotes (").');
        }
        throw this.unexpected(seen.size === 0 ? "a property name in double quotes or '}'" : 'a property name in double quotes');
      }
      const key = this.parseString();
      const memberPath = childPath(path, key);
      this.skipWhitespace();
      if (t.charCodeAt(this.pos) !== 0x3a) {
        throw this.unexpected(`':' after the property name ${JSON.stringify(key)}`);
      }
      this.pos++;
      const isDuplicate = seen.has(key);
      seen.add(key);
      // The later value wins; its locations overwrite the earlier ones as it is parsed.
      if (isDuplicate) this.duplicateKeys.push({ path: memberPath, key, offset: keyStart });
      this.locations.set(memberPath, { value: keyStart, key: keyStart });
      const value = this.parseValue(depth, memberPath, `a value for ${JSON.stringify(key)}`);
      // defineProperty, not assignment: a key named "__proto__" must become an ordinary own property.
      Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
      this.skipWhitespace();
      const sep = t.charCodeAt(this.pos);
      if (sep === 0x2c) {
        this.pos++;
        continue;
      }
      if (sep === 0x7d) {
        this.pos++;
        return obj;
      }
      if (sep === 0x22) {
        throw new Failure(this.pos, "expected ',' or '}' after a property value, found '\"'", 'A comma is probably missing between two properties.');
      }
      if (this.pos >= t.length) {
        throw new Failure(this.pos, "unexpected end of input: expected ',' or '}' after a property value", `The object opened at ${this.where(open)} is never closed; add '}'.`);
      }
      throw this.unexpected("',' or '}' after a property value");
    }
  }

  private parseArray(depth: number, path: string): JsonValue[] {
    const t = this.text;
    const open = this.pos;
    if (depth > this.maxDepth) {
      throw new Failure(open, `nesting is deeper than ${this.maxDepth} levels`, 'A credential spec is only a few levels deep; this is not one.');
    }
    this.pos++;
    const arr: JsonValue[] = [];
    this.skipWhitespace();
    if (t.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return arr;
    }
    for (;;) {
      this.skipWhitespace();
      if (t.charCodeAt(this.pos) === 0x5d && arr.length > 0) {
        throw new Failure(this.pos, "trailing comma before ']'", 'Remove the comma after the last element.');
      }
      if (t.charCodeAt(this.pos) === 0x2c) {
        throw new Failure(this.pos, 'expected an array element, found another comma', 'Remove the extra comma.');
      }
      arr.push(this.parseValue(depth, indexPath(path, arr.length), arr.length === 0 ? "an array element or ']'" : 'an array element'));
      this.skipWhitespace();
      const sep = t.charCodeAt(this.pos);
      if (sep === 0x2c) {
        this.pos++;
        continue;
      }
      if (sep === 0x5d) {
        this.pos++;
        return arr;
      }
      if (this.pos >= t.length) {
        throw new Failure(this.pos, "unexpected end of input: expected ',' or ']' after an array element", `The array opened at ${this.where(open)} is never closed; add ']'.`);
      }
      throw this.unexpected("',' or ']' after an array element");
    }
  }

  private where(offset: number): string {
    const p = positionInText(this.text, offset);
    return `line ${p.line}, column ${p.column}`;
  }
}

/**
 * Parses `text` as strict JSON. Never throws: returns `{ ok: false, message, line, column, offset }` for
 * anything that is not a single valid JSON document.
 */
export function parseJson(text: string, opts?: { maxDepth?: number }): JsonParseResult {
  if (typeof text !== 'string') {
    return { ok: false, message: 'input is not text', line: 1, column: 1, offset: 0 };
  }
  const maxDepth = opts?.maxDepth ?? MAX_JSON_DEPTH;
  const parser = new Parser(text, maxDepth);
  try {
    const value = parser.parseDocument();
    const starts = lineStartsOf(text);
    const locations = new Map<string, JsonNodeLocation>();
    for (const [path, loc] of parser.locations) {
      const entry: JsonNodeLocation = { value: positionAt(starts, loc.value) };
      if (loc.key !== undefined) entry.key = positionAt(starts, loc.key);
      locations.set(path, entry);
    }
    const duplicateKeys = parser.duplicateKeys.map((d) => {
      const p = positionAt(starts, d.offset);
      return { path: d.path, key: d.key, line: p.line, column: p.column };
    });
    return { ok: true, value, duplicateKeys, locations };
  } catch (err) {
    if (err instanceof Failure) {
      const p = positionInText(text, Math.min(Math.max(err.offset, 0), text.length));
      const failure: JsonParseFailure = { ok: false, message: err.message, line: p.line, column: p.column, offset: p.offset };
      if (err.hint !== undefined) failure.hint = err.hint;
      return failure;
    }
    // Not expected (the depth cap prevents stack exhaustion), but this function promises not to throw.
    const message = err instanceof RangeError ? 'the document is nested too deeply to read' : `the document could not be read: ${String(err)}`;
    return { ok: false, message, line: 1, column: 1, offset: 0 };
  }
}
