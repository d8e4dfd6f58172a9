import fs from 'fs';
import * as path from 'path';
import { ConflictError, FileSystemError, NotFoundError } from '../../../src/errors';
import { isTempName, syncDirectory, tempNameFor, writeFileAtomic } from '../../../src/util/atomic-write';
import { ChildHarness } from '../credspec/child-harness';
import { removeDir, tempDir } from '../credspec/fixtures';

let dir: string;
beforeEach(() => {
  dir = tempDir('gmsa-atomic-');
});
afterEach(() => {
  jest.restoreAllMocks();
  removeDir(dir);
});

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });

function listing(): string[] {
  return fs.readdirSync(dir).sort();
}

/** A callback-style fs function replaced in a test (jest's types cannot follow fs's overloads). */
type AnyCallback = (...args: any[]) => void;
const fails =
  (code: string): AnyCallback =>
  (...args: unknown[]) =>
    (args[args.length - 1] as (err: Error) => void)(errno(code));

describe('writeFileAtomic', () => {
  test('creates a new file and leaves nothing else behind', async () => {
    const target = path.join(dir, 'a.json');
    await writeFileAtomic(target, '{"a":1}\n');
    expect(fs.readFileSync(target, 'utf8')).toBe('{"a":1}\n');
    expect(listing()).toEqual(['a.json']);
  });

  test('returns a promise (the file is in place when it resolves)', async () => {
    const target = path.join(dir, 'a.json');
    const p = writeFileAtomic(target, 'x');
    expect(p).toBeInstanceOf(Promise);
    await p;
    expect(fs.readFileSync(target, 'utf8')).toBe('x');
  });

  test('writes Buffers byte for byte', async () => {
    const target = path.join(dir, 'b.json');
    const bytes = Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]);
    await writeFileAtomic(target, bytes);
    expect(fs.readFileSync(target).equals(bytes)).toBe(true);
  });

  test('writes strings as UTF-8, including characters outside the BMP', async () => {
    const target = path.join(dir, 'u.json');
    await writeFileAtomic(target, '{"n":"Zoë 🙂"}');
    expect(fs.readFileSync(target).equals(Buffer.from('{"n":"Zoë 🙂"}', 'utf8'))).toBe(true);
  });

  test('an empty file', async () => {
    const target = path.join(dir, 'empty.json');
    await writeFileAtomic(target, '', { overwrite: false });
    expect(fs.readFileSync(target).length).toBe(0);
    expect(listing()).toEqual(['empty.json']);
  });

  test('replaces an existing file by default', async () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    await writeFileAtomic(target, 'new');
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
  });

  test('overwrite false: creates when absent', async () => {
    const target = path.join(dir, 'a.json');
    await writeFileAtomic(target, 'new', { overwrite: false });
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
  });

  test('overwrite false: ConflictError when present, old content intact, no temp file', async () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    await expect(writeFileAtomic(target, 'new', { overwrite: false })).rejects.toThrow(ConflictError);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('falls back to exclusive create + rename when hard links are not supported', async () => {
    const target = path.join(dir, 'a.json');
    const link = jest.spyOn(fs, 'link').mockImplementation(fails('EPERM') as any);
    await writeFileAtomic(target, 'new', { overwrite: false });
    expect(link).toHaveBeenCalled();
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
    await expect(writeFileAtomic(target, 'newer', { overwrite: false })).rejects.toThrow(ConflictError);
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
  });

  test('fallback path: a failed rename removes its placeholder and the temp file', async () => {
    const target = path.join(dir, 'a.json');
    jest.spyOn(fs, 'link').mockImplementation(fails('ENOTSUP') as any);
    const rename = jest.spyOn(fs, 'rename').mockImplementation(fails('EIO') as any);
    await expect(writeFileAtomic(target, 'new', { overwrite: false })).rejects.toThrow(FileSystemError);
    expect(rename).toHaveBeenCalled();
    expect(listing()).toEqual([]);
  });

  test('a real link failure is not mistaken for "links unsupported"', async () => {
    const target = path.join(dir, 'a.json');
    jest.spyOn(fs, 'link').mockImplementation(fails('EIO') as any);
    await expect(writeFileAtomic(target, 'new', { overwrite: false })).rejects.toThrow(/EIO/);
    expect(listing()).toEqual([]);
  });

  test('interrupted before the data is on disk (fsync fails): old file intact, no temp file', async () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    const fsync = jest.spyOn(fs, 'fsync').mockImplementation(fails('EIO') as any);
    let caught: unknown;
    try {
      await writeFileAtomic(target, 'new content');
    } catch (err) {
      caught = err;
    }
    expect(fsync).toHaveBeenCalled();
    expect(caught).toBeInstanceOf(FileSystemError);
    expect((caught as Error).message).toContain(target);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('interrupted mid-write (write fails after part of the data): old file intact, no temp file', async () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    const realWrite = fs.write;
    const write = jest.spyOn(fs, 'write').mockImplementation(((fd: number, buf: Buffer, off: number, len: number, pos: number, cb: AnyCallback) => {
      // Part of the data reaches the temp file, then the disk is full.
      realWrite(fd, buf, off, Math.min(3, len), pos, (err) => cb(err ?? errno('ENOSPC')));
    }) as any);
    await expect(writeFileAtomic(target, 'new content')).rejects.toThrow(/no space left/);
    expect(write).toHaveBeenCalled();
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('short writes are continued until all the data is written', async () => {
    const target = path.join(dir, 'a.json');
    const realWrite = fs.write;
    const write = jest.spyOn(fs, 'write').mockImplementation(((fd: number, buf: Buffer, off: number, len: number, pos: number, cb: AnyCallback) => {
      realWrite(fd, buf, off, Math.min(7, len), pos, cb);
    }) as any);
    const content = 'x'.repeat(50) + 'end';
    await writeFileAtomic(target, content);
    expect(write.mock.calls.length).toBeGreaterThanOrEqual(8);
    expect(fs.readFileSync(target, 'utf8')).toBe(content);
    expect(listing()).toEqual(['a.json']);
  });

  test('close fails after the data is written: error, old file intact, no temp file', async () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    const realClose = fs.close;
    jest.spyOn(fs, 'close').mockImplementation(((fd: number, cb: AnyCallback) => {
      // Really close the descriptor, but report the deferred write error some file systems give here.
      realClose(fd, () => cb(errno('EIO')));
    }) as any);
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow(FileSystemError);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('rename fails: old file intact, no temp file', async () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    jest.spyOn(fs, 'rename').mockImplementation(fails('EACCES') as any);
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow(/permission denied/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('missing directory gives NotFoundError naming the target', async () => {
    const target = path.join(dir, 'missing', 'a.json');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(NotFoundError);
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(target);
  });

  test('target is a directory', async () => {
    const target = path.join(dir, 'sub.json');
    fs.mkdirSync(target);
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    await expect(writeFileAtomic(target, 'x', { overwrite: false })).rejects.toThrow(ConflictError);
    expect(listing()).toEqual(['sub.json']);
  });

  (process.platform === 'win32' ? test.skip : test)('mode applies to new files', async () => {
    const target = path.join(dir, 'tool');
    const old = process.umask(0o022);
    try {
      await writeFileAtomic(target, '#!/bin/sh\n', { mode: 0o755 });
      expect(fs.statSync(target).mode & 0o777).toBe(0o755);
      await writeFileAtomic(path.join(dir, 'plain.json'), '{}');
      expect(fs.statSync(path.join(dir, 'plain.json')).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });

  test('a target name of 255 characters works (the temp name stays short enough)', async () => {
    const target = path.join(dir, `${'n'.repeat(250)}.json`);
    await writeFileAtomic(target, 'x', { overwrite: false });
    await writeFileAtomic(target, 'y');
    expect(fs.readFileSync(target, 'utf8')).toBe('y');
    expect(listing()).toEqual([path.basename(target)]);
    expect(path.basename(tempNameFor(target)).length).toBeLessThanOrEqual(255);
  });

  test('temp names: start with a dot, contain the target name, never end in .json, unique', () => {
    const target = path.join(dir, 'contoso_webapp01.json');
    const names = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const t = tempNameFor(target);
      expect(path.dirname(t)).toBe(dir);
      const base = path.basename(t);
      expect(base.startsWith('.')).toBe(true);
      expect(base).toContain('contoso_webapp01.json');
      expect(/\.json$/i.test(base)).toBe(false);
      expect(isTempName(base)).toBe(true);
      names.add(base);
    }
    expect(names.size).toBe(100);
    expect(isTempName('contoso_webapp01.json')).toBe(false);
  });
});

describe('writeFileAtomic running concurrently in one process', () => {
  test('many files at once: all land complete, no temp file left', async () => {
    const contents = Array.from({ length: 150 }, (_, i) => `file ${i} `.repeat(50 + i));
    await Promise.all(contents.map((c, i) => writeFileAtomic(path.join(dir, `f${i}.json`), c, { overwrite: i % 2 === 0 })));
    for (const [i, c] of contents.entries()) expect(fs.readFileSync(path.join(dir, `f${i}.json`), 'utf8')).toBe(c);
    expect(listing()).toHaveLength(150);
    expect(listing().filter((f) => !f.endsWith('.json'))).toEqual([]);
  });

  test('exclusive writers of one name: exactly one wins, the others get ConflictError', async () => {
    const target = path.join(dir, 'one.json');
    const contents = Array.from({ length: 12 }, (_, i) => `writer ${i}`);
    const results = await Promise.allSettled(contents.map((c) => writeFileAtomic(target, c, { overwrite: false })));
    const won = results.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect(fs.readFileSync(target, 'utf8')).toBe(contents[won[0]?.i ?? -1]);
    expect(listing()).toEqual(['one.json']);
  });

  test('overwriting writers of one name: the file ends up as exactly one of them', async () => {
    const target = path.join(dir, 'one.json');
    const contents = Array.from({ length: 12 }, (_, i) => `writer ${i} `.repeat(1000));
    await Promise.all(contents.map((c) => writeFileAtomic(target, c)));
    expect(contents).toContain(fs.readFileSync(target, 'utf8'));
    expect(listing()).toEqual(['one.json']);
  });
});

describe('directory flush', () => {
  /** Counts fsync calls on the directory itself (as opposed to the temp files), passing every call through. */
  function countDirectorySyncs(): { count: () => number } {
    const realOpen = fs.open;
    const realFsync = fs.fsync;
    const dirFds = new Set<number>();
    let n = 0;
    jest.spyOn(fs, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      const cb = rest.pop() as AnyCallback;
      (realOpen as AnyCallback)(p, ...rest, (err: Error | null, fd: number) => {
        if (!err && p === dir) dirFds.add(fd);
        cb(err, fd);
      });
    }) as any);
    jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: AnyCallback) => {
      if (dirFds.delete(fd)) n++;
      realFsync(fd, cb);
    }) as any);
    return { count: () => n };
  }

  (process.platform === 'win32' ? test.skip : test)('by default each write flushes the directory', async () => {
    const syncs = countDirectorySyncs();
    await writeFileAtomic(path.join(dir, 'a.json'), 'a');
    await writeFileAtomic(path.join(dir, 'b.json'), 'b', { overwrite: false });
    expect(syncs.count()).toBe(2);
  });

  (process.platform === 'win32' ? test.skip : test)('syncDirectory: false skips it; syncDirectory(dir) does it once for a batch', async () => {
    const syncs = countDirectorySyncs();
    await Promise.all(['a', 'b', 'c'].map((n) => writeFileAtomic(path.join(dir, `${n}.json`), n, { syncDirectory: false })));
    expect(syncs.count()).toBe(0);
    await syncDirectory(dir);
    expect(syncs.count()).toBe(1);
    expect(listing()).toEqual(['a.json', 'b.json', 'c.json']);
  });

  test('syncDirectory is best effort: a missing folder or a failing fsync does not throw', async () => {
    await expect(syncDirectory(path.join(dir, 'missing'))).resolves.toBeUndefined();
    jest.spyOn(fs, 'fsync').mockImplementation(fails('EINVAL') as any);
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
  });

  test('a failing directory flush does not fail the write (as before: best effort)', async () => {
    const realFsync = fs.fsync;
    let calls = 0;
    jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: AnyCallback) => {
      // The first fsync is the temp file's, the second the directory's.
      if (++calls === 2) cb(errno('EINVAL'));
      else realFsync(fd, cb);
    }) as any);
    await writeFileAtomic(path.join(dir, 'a.json'), 'a');
    expect(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe('a');
  });
});

describe('writeFileAtomic across processes', () => {
  let harness: ChildHarness;
  let work: string;
  beforeAll(() => {
    work = tempDir('gmsa-atomic-harness-');
    harness = new ChildHarness(work);
  });
  afterAll(() => removeDir(work));

  test('exclusive writers racing: exactly one wins, the rest get ConflictError, content is the winner\'s', async () => {
    for (let round = 0; round < 3; round++) {
      const target = path.join(dir, `race-${round}.json`);
      const n = 6;
      const contents = Array.from({ length: n }, (_, i) => `writer ${i} `.repeat(2000 + i));
      const files = contents.map((c, i) => {
        const f = path.join(work, `content-${round}-${i}`);
        fs.writeFileSync(f, c);
        return f;
      });
      const results = await harness.race(files.map((f) => ['exclusive', target, f]));
      const winners = results.map((r, i) => ({ r, i })).filter(({ r }) => r.result === 'won');
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.result === 'ConflictError')).toHaveLength(n - 1);
      expect(fs.readFileSync(target, 'utf8')).toBe(contents[winners[0]?.i ?? -1]);
    }
    expect(listing().filter((f) => !f.endsWith('.json'))).toEqual([]);
  });

  test('a reader never sees a torn file while another process keeps replacing it', async () => {
    const target = path.join(dir, 'flip.json');
    const a = 'A'.repeat(256 * 1024);
    const bb = 'B'.repeat(300 * 1024);
    fs.writeFileSync(target, a);
    const aFile = path.join(work, 'flip-a');
    const bFile = path.join(work, 'flip-b');
    fs.writeFileSync(aFile, a);
    fs.writeFileSync(bFile, bb);
    const writer = harness.start(['overwrite-loop', target, aFile, bFile, '150']);
    let done = false;
    void writer.finally(() => (done = true));
    let reads = 0;
    while (!done) {
      const content = await fs.promises.readFile(target, 'utf8');
      reads++;
      if (content !== a && content !== bb) throw new Error(`torn read of ${content.length} characters`);
    }
    expect((await writer).result).toBe('done');
    expect(reads).toBeGreaterThan(0);
    expect(listing()).toEqual(['flip.json']);
  });
});
