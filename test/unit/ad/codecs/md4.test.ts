import fc from 'fast-check';
import { md4 } from '../../../../src/ad/codecs/md4';

const hex = (s: string | Buffer): string => md4(typeof s === 'string' ? Buffer.from(s, 'latin1') : s).toString('hex');

describe('md4: RFC 1320 appendix A.5 test suite', () => {
  test.each([
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      'e33b4ddc9c38f2199c3e7b164fcc0536',
    ],
  ])('MD4(%j)', (input, digest) => {
    expect(hex(input)).toBe(digest);
  });
});

describe('md4: padding boundaries', () => {
  // Reference digests from `openssl dgst -provider legacy -md4` of bytes (i * 7 + 3) & 0xff.
  test.each([
    [55, '04d44dc3dbdcf7604f259009de6e352f'],
    [56, 'cdbc435e37e7a468d04702cf9eba65bb'],
    [57, '64bc5541e510813b3fbb341a858dde24'],
    [63, '45a8744e99878276c47927b0164921f4'],
    [64, '87733dbe6c3fc125ee30897c751bd9d6'],
    [65, '82dd3042d4378ef1b420f15c61975b8b'],
    [119, '2c38b59be6919f10ba8ba7353ef288f7'],
    [120, '4414f924c8b7da56ae0dbe0896989660'],
    [1000, '9a27d966bf4984d8597862b1c33bfbba'],
  ])('%i bytes', (n, digest) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff;
    expect(hex(b)).toBe(digest);
  });

  test('NT hash of "password" (UTF-16LE) is the well-known value', () => {
    expect(hex(Buffer.from('password', 'utf16le'))).toBe('8846f7eaee8fb117ad06bdd830b7586c');
  });

  test('always 16 bytes, deterministic, and does not modify its input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const copy = Uint8Array.from(bytes);
        const a = md4(bytes);
        expect(a.length).toBe(16);
        expect(md4(copy).equals(a)).toBe(true);
        expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
      }),
    );
  });
});
