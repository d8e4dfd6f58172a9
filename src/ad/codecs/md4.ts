/**
 * MD4 (RFC 1320). OpenSSL 3 moved MD4 to its legacy provider, so node:crypto usually refuses it; the NT
 * hash of a gMSA password (MD4 of its UTF-16 bytes) is computed here instead. Not for anything new.
 */

const R1_SHIFTS = [3, 7, 11, 19];
const R2_SHIFTS = [3, 5, 9, 13];
const R3_SHIFTS = [3, 9, 11, 15];
const R2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const R3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

const rotl = (x: number, s: number): number => (x << s) | (x >>> (32 - s));

/** The 16-byte MD4 digest of `input`. */
export function md4(input: Uint8Array): Buffer {
  const length = input.length;
  const padded = Buffer.alloc(Math.ceil((length + 9) / 64) * 64);
  padded.set(input, 0);
  padded[length] = 0x80;
  padded.writeBigUInt64LE((BigInt(length) * 8n) & 0xffffffffffffffffn, padded.length - 8);

  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const x = new Array<number>(16);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readInt32LE(block + 4 * i);
    // v holds the working registers a, b, c, d; each step updates one and the roles rotate.
    const v = h.slice();
    const step = (i: number, f: (b: number, c: number, d: number) => number, k: number, add: number, s: number): void => {
      const ai = (4 - (i % 4)) % 4;
      const a = v[ai] as number;
      const b = v[(ai + 1) % 4] as number;
      const c = v[(ai + 2) % 4] as number;
      const d = v[(ai + 3) % 4] as number;
      v[ai] = rotl((a + f(b, c, d) + (x[k] as number) + add) | 0, s);
    };
    const F = (b: number, c: number, d: number): number => (b & c) | (~b & d);
    const G = (b: number, c: number, d: number): number => (b & c) | (b & d) | (c & d);
    const H = (b: number, c: number, d: number): number => b ^ c ^ d;
    for (let i = 0; i < 16; i++) step(i, F, i, 0, R1_SHIFTS[i % 4] as number);
    for (let i = 0; i < 16; i++) step(i, G, R2_ORDER[i] as number, 0x5a827999, R2_SHIFTS[i % 4] as number);
    for (let i = 0; i < 16; i++) step(i, H, R3_ORDER[i] as number, 0x6ed9eba1, R3_SHIFTS[i % 4] as number);
    for (let i = 0; i < 4; i++) h[i] = ((h[i] as number) + (v[i] as number)) | 0;
  }
  const out = Buffer.alloc(16);
  h.forEach((word, i) => out.writeInt32LE(word, 4 * i));
  return out;
}
