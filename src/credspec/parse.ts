/**
 * Bytes to text to JSON for credential spec files.
 *
 * Spec files come from several writers: the PowerShell module writes ASCII, `Set-Content`/`Out-File` in
 * Windows PowerShell 5.1 write UTF-16LE with a byte order mark, editors write UTF-8 with or without a BOM.
 * All of those are accepted. Anything that cannot be decoded is reported with the byte offset (and the
 * line/column of the text that decoded fine before it), never by crashing.
 */
import { InvalidInputError } from '../errors';
import { JsonNodeLocation, JsonDuplicateKey, JsonValue, parseJson, positionInText } from './json';
import { firstLoneSurrogate } from '../util/text';

export type SpecEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le-bom' | 'utf-16be-bom';

export type DecodeErrorCode = 'encoding-invalid-utf8' | 'encoding-invalid-utf16' | 'encoding-utf16-no-bom' | 'encoding-unsupported';

/** The bytes are not text in an encoding a credential spec may use. */
export class SpecDecodeError extends InvalidInputError {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    hint: string,
    /** Byte offset of the first bad byte, when there is one. */
    readonly offset?: number,
    /** 1-based line/column of that place in the text decoded before it. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message, hint);
  }
}

const SAVE_AS_UTF8 = 'Save the file as UTF-8 (or UTF-16 with a byte order mark), e.g. Get-Content x.json | Set-Content -Encoding utf8 y.json.';

/** Offset of the first byte that breaks UTF-8 (overlong forms, surrogates and values above U+10FFFF included), or -1. */
export function firstInvalidUtf8(buf: Uint8Array, start = 0): number {
  let i = start;
  const n = buf.length;
  while (i < n) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function hexByte(b: number | undefined): string {
  return `0x${(b ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Code units of an even-length UTF-16 body, without any validation. */
function decodeUtf16Units(body: Buffer, encoding: 'utf-16le-bom' | 'utf-16be-bom'): string {
  if (encoding === 'utf-16le-bom') return body.toString('utf16le');
  const le = Buffer.from(body); // copy: never modify the caller's buffer
  le.swap16();
  return le.toString('utf16le');
}

function decodeUtf16(body: Buffer, encoding: 'utf-16le-bom' | 'utf-16be-bom', bomLength: number): string {
  if (body.length % 2 !== 0) {
    const before = decodeUtf16Units(body.subarray(0, body.length - 1), encoding);
    const pos = positionInText(before, before.length);
    throw new SpecDecodeError(
      'encoding-invalid-utf16',
      `the file has a UTF-16 byte order mark but an odd number of bytes after it (${body.length}); it is truncated or not UTF-16`,
      SAVE_AS_UTF8,
      bomLength + body.length - 1,
      pos.line,
      pos.column,
    );
  }
  const text = decodeUtf16Units(body, encoding);
  const bad = firstLoneSurrogate(text);
  if (bad >= 0) {
    const pos = positionInText(text, bad);
    throw new SpecDecodeError(
      'encoding-invalid-utf16',
      `the file is not valid UTF-16: unpaired surrogate at byte offset ${bomLength + bad * 2} (line ${pos.line}, column ${pos.column})`,
      SAVE_AS_UTF8,
      bomLength + bad * 2,
      pos.line,
      pos.column,
    );
  }
  return text;
}

/**
 * Decodes spec file bytes. Accepts UTF-8, UTF-8 with BOM, UTF-16LE with BOM and UTF-16BE with BOM; the
 * BOM is not part of the returned text. Throws SpecDecodeError (an InvalidInputError) for invalid UTF-8,
 * broken UTF-16, UTF-16 without a BOM and UTF-32.
 */
export function decodeSpecBytes(buf: Buffer): { text: string; encoding: SpecEncoding } {
  const b0 = buf[0];
  const b1 = buf[1];
  const b2 = buf[2];
  const b3 = buf[3];
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) || (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff)) {
    throw new SpecDecodeError('encoding-unsupported', 'the file is encoded as UTF-32, which credential specs cannot use', SAVE_AS_UTF8, 0, 1, 1);
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) {
    return { text: decodeUtf8(buf, 3), encoding: 'utf-8-bom' };
  }
  if (b0 === 0xff && b1 === 0xfe) {
    return { text: decodeUtf16(buf.subarray(2), 'utf-16le-bom', 2), encoding: 'utf-16le-bom' };
  }
  if (b0 === 0xfe && b1 === 0xff) {
    return { text: decodeUtf16(buf.subarray(2), 'utf-16be-bom', 2), encoding: 'utf-16be-bom' };
  }
  if (buf.length >= 2 && ((b0 !== 0 && b1 === 0) || (b0 === 0 && b1 !== 0))) {
    throw new SpecDecodeError(
      'encoding-utf16-no-bom',
      `the file looks like UTF-16${b1 === 0 ? 'LE' : 'BE'} without a byte order mark (it has zero bytes between the characters)`,
      SAVE_AS_UTF8,
      b1 === 0 ? 1 : 0,
      1,
      1,
    );
  }
  return { text: decodeUtf8(buf, 0), encoding: 'utf-8' };
}

function decodeUtf8(buf: Buffer, start: number): string {
  const bad = firstInvalidUtf8(buf, start);
  if (bad >= 0) {
    const before = buf.subarray(start, bad).toString('utf8');
    const pos = positionInText(before, before.length);
    throw new SpecDecodeError(
      'encoding-invalid-utf8',
      `the file is not valid UTF-8: unexpected byte ${hexByte(buf[bad])} at byte offset ${bad} (line ${pos.line}, column ${pos.column})`,
      SAVE_AS_UTF8,
      bad,
      pos.line,
      pos.column,
    );
  }
  return buf.toString('utf8', start);
}

/** The text of a spec file (see decodeSpecBytes). Throws SpecDecodeError when the bytes cannot be decoded. */
export function readSpecText(buf: Buffer): string {
  return decodeSpecBytes(buf).text;
}

export interface ParsedSpec {
  ok: true;
  value: JsonValue;
  text: string;
  encoding: SpecEncoding;
  duplicateKeys: JsonDuplicateKey[];
  locations: Map<string, JsonNodeLocation>;
}

export interface SpecEncodingFailure {
  ok: false;
  kind: 'encoding';
  code: DecodeErrorCode;
  message: string;
  hint: string;
  offset?: number;
  line?: number;
  column?: number;
}

export interface SpecSyntaxFailure {
  ok: false;
  kind: 'syntax';
  message: string;
  hint?: string;
  line: number;
  column: number;
  offset: number;
  encoding: SpecEncoding;
}

export type ParseSpecResult = ParsedSpec | SpecEncodingFailure | SpecSyntaxFailure;

/** Decodes and parses spec file bytes. Never throws: failures come back with a position. */
export function parseSpec(buf: Buffer): ParseSpecResult {
  let decoded: { text: string; encoding: SpecEncoding };
  try {
    decoded = decodeSpecBytes(buf);
  } catch (err) {
    if (err instanceof SpecDecodeError) {
      const f: SpecEncodingFailure = { ok: false, kind: 'encoding', code: err.code, message: err.message, hint: err.hint ?? SAVE_AS_UTF8 };
      if (err.offset !== undefined) f.offset = err.offset;
      if (err.line !== undefined) f.line = err.line;
      if (err.column !== undefined) f.column = err.column;
      return f;
    }
    return { ok: false, kind: 'encoding', code: 'encoding-unsupported', message: `the file could not be decoded: ${String(err)}`, hint: SAVE_AS_UTF8 };
  }
  const r = parseJson(decoded.text);
  if (!r.ok) {
    const f: SpecSyntaxFailure = { ok: false, kind: 'syntax', message: r.message, line: r.line, column: r.column, offset: r.offset, encoding: decoded.encoding };
    if (r.hint !== undefined) f.hint = r.hint;
    return f;
  }
  return { ok: true, value: r.value, text: decoded.text, encoding: decoded.encoding, duplicateKeys: r.duplicateKeys, locations: r.locations };
}
