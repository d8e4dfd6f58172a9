import { InvalidInputError } from '../../../src/errors';
import { SpecDecodeError, decodeSpecBytes, firstInvalidUtf8, parseSpec, readSpecText } from '../../../src/credspec/parse';
import { CONTOSO_WEBAPP01_JSON, utf16be, utf16le } from './fixtures';

const TEXT = CONTOSO_WEBAPP01_JSON.replace('WebApp01', 'Jürgen😀'); // non-ASCII and a surrogate pair

function decodeError(buf: Buffer): SpecDecodeError {
  try {
    decodeSpecBytes(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecDecodeError);
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as SpecDecodeError;
  }
  throw new Error('expected a decode error');
}

describe('decodeSpecBytes', () => {
  test('UTF-8 without BOM', () => {
    expect(decodeSpecBytes(Buffer.from(TEXT, 'utf8'))).toEqual({ text: TEXT, encoding: 'utf-8' });
  });

  test('UTF-8 with BOM (BOM not part of the text)', () => {
    const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')]);
    expect(decodeSpecBytes(buf)).toEqual({ text: TEXT, encoding: 'utf-8-bom' });
  });

  test('UTF-16LE with BOM, as Windows PowerShell writes', () => {
    expect(decodeSpecBytes(utf16le(TEXT))).toEqual({ text: TEXT, encoding: 'utf-16le-bom' });
  });

  test('UTF-16BE with BOM', () => {
    expect(decodeSpecBytes(utf16be(TEXT))).toEqual({ text: TEXT, encoding: 'utf-16be-bom' });
  });

  test('UTF-16BE decoding does not modify the caller buffer', () => {
    const buf = utf16be('{}');
    const copy = Buffer.from(buf);
    decodeSpecBytes(buf);
    expect(buf.equals(copy)).toBe(true);
  });

  test('empty buffer is empty UTF-8 text', () => {
    expect(decodeSpecBytes(Buffer.alloc(0))).toEqual({ text: '', encoding: 'utf-8' });
  });

  test('invalid UTF-8 is reported with the byte offset and the line', () => {
    const buf = Buffer.concat([Buffer.from('{\n  "a": "x', 'utf8'), Buffer.from([0xc3, 0x28]), Buffer.from('"}', 'utf8')]);
    const e = decodeError(buf);
    expect(e.code).toBe('encoding-invalid-utf8');
    expect(e.offset).toBe(11);
    expect(e.message).toContain('0xC3');
    expect(e.message).toContain('byte offset 11');
    expect([e.line, e.column]).toEqual([2, 10]);
    expect(e.hint).toMatch(/UTF-8/);
  });

  test('Latin-1 (ANSI) text is invalid UTF-8', () => {
    expect(decodeError(Buffer.from('{"a":"J\xfcrgen"}', 'latin1')).code).toBe('encoding-invalid-utf8');
  });

  test('invalid UTF-8 after a UTF-8 BOM', () => {
    const e = decodeError(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]));
    expect(e.code).toBe('encoding-invalid-utf8');
    expect(e.offset).toBe(4);
  });

  test('UTF-16 without BOM is recognised and refused with a clear message', () => {
    const le = decodeError(utf16le('{"a": 1}', false));
    expect(le.code).toBe('encoding-utf16-no-bom');
    expect(le.message).toContain('UTF-16LE');
    const be = decodeError(utf16be('{"a": 1}', false));
    expect(be.code).toBe('encoding-utf16-no-bom');
    expect(be.message).toContain('UTF-16BE');
  });

  test('UTF-32 is refused', () => {
    const le32 = Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7b, 0, 0, 0, 0x7d, 0, 0, 0]);
    expect(decodeError(le32).code).toBe('encoding-unsupported');
    const be32 = Buffer.from([0x00, 0x00, 0xfe, 0xff, 0, 0, 0, 0x7b, 0, 0, 0, 0x7d]);
    expect(decodeError(be32).code).toBe('encoding-unsupported');
  });

  test('UTF-16 with an odd byte count or an unpaired surrogate', () => {
    expect(decodeError(Buffer.concat([utf16le('{}'), Buffer.from([0x20])])).code).toBe('encoding-invalid-utf16');
    const lone = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":"', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('"}', 'utf16le')]);
    const e = decodeError(lone);
    expect(e.code).toBe('encoding-invalid-utf16');
    expect(e.offset).toBe(2 + 12);
    const loneBe = Buffer.from(lone.subarray(2));
    loneBe.swap16();
    expect(decodeError(Buffer.concat([Buffer.from([0xfe, 0xff]), loneBe])).code).toBe('encoding-invalid-utf16');
  });

  test('readSpecText returns the decoded text', () => {
    expect(readSpecText(utf16le('{"x":1}'))).toBe('{"x":1}');
    expect(() => readSpecText(Buffer.from([0xff, 0xff, 0xff]))).toThrow(InvalidInputError);
  });
});

describe('firstInvalidUtf8', () => {
  test.each<[number[], number]>([
    [[0x41, 0x42], -1],
    [[0xc3, 0xa9], -1],
    [[0xf0, 0x9f, 0x98, 0x80], -1],
    [[0xc0, 0x80], 0], // overlong NUL
    [[0xe0, 0x80, 0xaf], 0], // overlong
    [[0xed, 0xa0, 0x80], 0], // encoded surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
    [[0x41, 0xe2, 0x82], 1], // truncated
    [[0x41, 0x80], 1], // stray continuation byte
    [[0xf8, 0x88, 0x80, 0x80, 0x80], 0],
  ])('%j → %i', (bytes, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  });

  test('agrees with Node on every 2-byte sequence', () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const buf = Buffer.from([a, b]);
        expect(firstInvalidUtf8(buf) === -1).toBe(Buffer.from(buf.toString('utf8'), 'utf8').equals(buf));
      }
    }
  });
});

describe('parseSpec', () => {
  test.each([
    ['utf-8', Buffer.from(TEXT, 'utf8')],
    ['utf-8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')])],
    ['utf-16le-bom', utf16le(TEXT)],
    ['utf-16be-bom', utf16be(TEXT)],
  ])('parses %s', (encoding, buf) => {
    const r = parseSpec(buf);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.encoding).toBe(encoding);
    expect(r.value).toEqual(JSON.parse(TEXT));
    expect(r.locations.get('$.DomainJoinConfig.Sid')?.value).toMatchObject({ line: 6, column: 12 });
  });

  test('syntax errors come back positioned, also in UTF-16', () => {
    const r = parseSpec(utf16le('{\r\n  "a": 1,\r\n}'));
    expect(r).toMatchObject({ ok: false, kind: 'syntax', line: 3, column: 1, encoding: 'utf-16le-bom' });
    if (!r.ok) expect(r.message).toContain('trailing comma');
  });

  test('encoding errors come back as results, not exceptions', () => {
    const r = parseSpec(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(r).toMatchObject({ ok: false, kind: 'encoding', code: 'encoding-invalid-utf8', offset: 1 });
  });
});
