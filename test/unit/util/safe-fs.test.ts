/**
 * The bounded file steps, on real files, FIFOs, devices and /proc. The FIFO and /proc cases hang forever
 * with plain fs.readFile / fs.mkdir({recursive}) (what the code used before), so those tests fail by
 * timing out rather than passing by accident.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { InvalidInputError } from '../../../src/errors';
import { FileRefusedError, makeDirectory, readBoundedFile, readBoundedStream, specialFileSystem } from '../../../src/util/safe-fs';
import { removeDir, tempDir } from '../credspec/fixtures';

const linux = process.platform === 'linux';
const onLinux = linux ? test : test.skip;

let dir: string;
beforeEach(() => {
  dir = tempDir('gmsa-safefs-');
});
afterEach(() => removeDir(dir));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function fifo(name: string): string {
  const p = path.join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

describe('readBoundedFile', () => {
  test('reads a regular file whole, up to and including the limit', async () => {
    const p = path.join(dir, 'a.json');
    fs.writeFileSync(p, 'x'.repeat(100));
    expect((await readBoundedFile(p, { maxBytes: 100 })).toString()).toBe('x'.repeat(100));
    expect((await readBoundedFile(p, { maxBytes: 1000 })).length).toBe(100);
  });

  test('one byte over the limit is refused with the size and the hint', async () => {
    const p = path.join(dir, 'big.json');
    fs.writeFileSync(p, 'x'.repeat(101));
    const e = await rejection(readBoundedFile(p, { maxBytes: 100, tooLargeHint: 'Pick the spec.' }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toBe(`${p} is too large (101 bytes, more than 100 bytes); nothing beyond that was read`);
    expect((e as FileRefusedError).hint).toBe('Pick the spec.');
  });

  onLinux('a file that says it is empty but is not (/proc) is read only up to the limit + 1', async () => {
    // /proc/self/maps reports size 0 and holds kilobytes: the stat check cannot catch it, the read bound does.
    expect(fs.statSync('/proc/self/maps').size).toBe(0);
    const e = await rejection(readBoundedFile('/proc/self/maps', { maxBytes: 64 }));
    expect(e).toBeInstanceOf(FileRefusedError);
    expect(e.message).toContain('more than 64 bytes');
    expect((await readBoundedFile('/proc/self/maps', { maxBytes: 1024 * 1024 })).length).toBeGreaterThan(64);
  });

  onLinux('a FIFO is refused at once, without waiting for a writer', async () => {
    const p = fifo('pipe.json');
    const e = await rejection(readBoundedFile(p, { maxBytes: 100 }));
    expect(e).toBeInstanceOf(FileRefusedError);
    expect(e.message).toBe(`${p} is a named pipe (FIFO), not a regular file; nothing was read from it`);
  }, 5000);

  onLinux('a device is refused without reading (/dev/zero would never end)', async () => {
    const e = await rejection(readBoundedFile('/dev/zero', { maxBytes: 100 }));
    expect(e.message).toBe('/dev/zero is a device, not a regular file; nothing was read from it');
  }, 5000);

  test('a folder is refused', async () => {
    const e = await rejection(readBoundedFile(dir, { maxBytes: 100 }));
    expect(e.message).toContain('is a folder, not a regular file');
    expect((e as FileRefusedError).hint).toBe('Name a file, not a folder.');
  });

  test('a missing file gives the file system error, for the caller to map', async () => {
    const e = await rejection(readBoundedFile(path.join(dir, 'none.json'), { maxBytes: 100 }));
    expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  describe('within a folder', () => {
    let inside: string;
    beforeEach(() => {
      inside = path.join(dir, 'store');
      fs.mkdirSync(inside);
      fs.writeFileSync(path.join(dir, 'outside.json'), 'outside');
      fs.writeFileSync(path.join(inside, 'real.json'), 'inside');
    });

    test('a link to a file outside is refused, not followed', async () => {
      fs.symlinkSync(path.join(dir, 'outside.json'), path.join(inside, 'link.json'));
      const e = await rejection(readBoundedFile(path.join(inside, 'link.json'), { maxBytes: 100, within: inside }));
      expect(e).toBeInstanceOf(FileRefusedError);
      expect(e.message).toContain(`is a link to ${fs.realpathSync(path.join(dir, 'outside.json'))}, outside ${inside}; it was not followed`);
      // Without `within` a user's own link is followed.
      expect((await readBoundedFile(path.join(inside, 'link.json'), { maxBytes: 100 })).toString()).toBe('outside');
    });

    test('a relative link that climbs out is refused too', async () => {
      fs.symlinkSync('../outside.json', path.join(inside, 'up.json'));
      await expect(readBoundedFile(path.join(inside, 'up.json'), { maxBytes: 100, within: inside })).rejects.toThrow(/outside/);
    });

    test('a link to another file inside is followed', async () => {
      fs.symlinkSync('real.json', path.join(inside, 'alias.json'));
      expect((await readBoundedFile(path.join(inside, 'alias.json'), { maxBytes: 100, within: inside })).toString()).toBe('inside');
    });

    /** Runs `swap` just before each of the first `times` opens readBoundedFile makes. */
    function swapBeforeOpen(times: number, swap: (look: number) => void): jest.SpyInstance {
      const open = fs.promises.open.bind(fs.promises);
      let looks = 0;
      return jest.spyOn(fs.promises, 'open').mockImplementation((async (...args: Parameters<typeof fs.promises.open>) => {
        looks++;
        if (looks <= times) swap(looks);
        return open(...args);
      }) as typeof fs.promises.open);
    }
    afterEach(() => jest.restoreAllMocks());

    test('a file replaced (renamed over) between the check and the open is read as its new version', async () => {
      const p = path.join(inside, 'real.json');
      const spy = swapBeforeOpen(1, () => {
        fs.writeFileSync(path.join(inside, '.next'), 'replaced');
        fs.renameSync(path.join(inside, '.next'), p);
      });
      expect((await readBoundedFile(p, { maxBytes: 100, within: inside })).toString()).toBe('replaced');
      expect(spy).toHaveBeenCalledTimes(2);
    });

    test('a file replaced at every look is refused after five, with nothing read', async () => {
      const p = path.join(inside, 'real.json');
      const spy = swapBeforeOpen(Infinity, (look) => {
        fs.writeFileSync(path.join(inside, '.next'), `version ${look}`);
        fs.renameSync(path.join(inside, '.next'), p);
      });
      const e = await rejection(readBoundedFile(p, { maxBytes: 100, within: inside }));
      expect(e).toBeInstanceOf(FileRefusedError);
      expect(e.message).toBe(`${p} changed while it was being opened (5 times); nothing was read from it`);
      expect((e as FileRefusedError).reason).toBe('changed while being opened');
      expect(spy).toHaveBeenCalledTimes(5);
    });

    test('a file swapped for a link out of the folder before the open is refused as that link, not read', async () => {
      const p = path.join(inside, 'real.json');
      swapBeforeOpen(1, () => {
        fs.symlinkSync(path.join(dir, 'outside.json'), path.join(inside, '.next'));
        fs.renameSync(path.join(inside, '.next'), p);
      });
      const e = await rejection(readBoundedFile(p, { maxBytes: 100, within: inside }));
      expect(e).toBeInstanceOf(FileRefusedError);
      expect(e.message).toContain('outside');
    });

    onLinux('a link to /dev/zero, or to a FIFO, is refused without hanging', async () => {
      fs.symlinkSync('/dev/zero', path.join(inside, 'zero.json'));
      await expect(readBoundedFile(path.join(inside, 'zero.json'), { maxBytes: 100, within: inside })).rejects.toThrow(/outside/);
      execFileSync('mkfifo', [path.join(inside, 'pipe')]);
      fs.symlinkSync('pipe', path.join(inside, 'pipe.json'));
      await expect(readBoundedFile(path.join(inside, 'pipe.json'), { maxBytes: 100, within: inside })).rejects.toThrow(/named pipe/);
    }, 5000);
  });
});

describe('readBoundedStream', () => {
  test('an endless stream is read only up to the limit + 1, then left', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536));
      },
    });
    const got = await readBoundedStream(endless, 1024 * 1024);
    expect(got.length).toBe(1024 * 1024 + 1);
    expect(produced).toBeLessThan(4 * 1024 * 1024); // it stopped pulling
    expect(endless.destroyed).toBe(true);
  }, 10_000);

  test('a short stream is returned whole', async () => {
    expect((await readBoundedStream(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 10)).toString()).toBe('abc');
  });
});

describe('makeDirectory', () => {
  test('creates missing parents; an existing folder is fine', async () => {
    const deep = path.join(dir, 'a', 'b', 'c');
    await makeDirectory(deep);
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    await makeDirectory(deep);
  });

  test('a file in the way is ENOTDIR', async () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    const e = await rejection(makeDirectory(path.join(dir, 'file')));
    expect((e as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  onLinux('under /proc it fails instead of looping (fs.mkdir with recursive never returns there)', async () => {
    const e = await rejection(makeDirectory('/proc/1/CredentialSpecs'));
    expect((e as NodeJS.ErrnoException).code).toMatch(/^E/);
    expect(fs.existsSync('/proc/1/CredentialSpecs')).toBe(false);
  }, 5000);
});

describe('specialFileSystem', () => {
  onLinux('/proc, /sys and /dev (and what is below them, existing or not) are special', async () => {
    expect(await specialFileSystem('/proc/1')).toMatch(/^\/proc /);
    expect(await specialFileSystem('/proc/x/y')).toMatch(/^\/proc /);
    expect(await specialFileSystem('/sys')).toMatch(/^\/sys /);
    expect(await specialFileSystem('/dev/shm/x')).toMatch(/^\/dev /);
  });

  onLinux('a link into /proc is special too (the real path counts)', async () => {
    fs.symlinkSync('/proc/self', path.join(dir, 'p'));
    expect(await specialFileSystem(path.join(dir, 'p'))).toMatch(/\/proc/);
  });

  test('an ordinary folder, existing or not, is not; on Windows nothing is', async () => {
    expect(await specialFileSystem(dir)).toBeUndefined();
    expect(await specialFileSystem(path.join(dir, 'not', 'yet'))).toBeUndefined();
    expect(await specialFileSystem('/proc/1', 'win32')).toBeUndefined();
  });
});
