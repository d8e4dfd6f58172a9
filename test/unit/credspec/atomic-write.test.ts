import fs from 'fs';
import * as path from 'path';
import { ConflictError, FileSystemError, NotFoundError } from '../../../src/errors';
import { isTempName, tempNameFor, writeFileAtomic } from '../../../src/util/atomic-write';
import { ChildHarness } from './child-harness';
import { removeDir, tempDir } from './fixtures';

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

describe('writeFileAtomic', () => {
  test('creates a new file and leaves nothing else behind', () => {
    const target = path.join(dir, 'a.json');
    writeFileAtomic(target, '{"a":1}\n');
    expect(fs.readFileSync(target, 'utf8')).toBe('{"a":1}\n');
    expect(listing()).toEqual(['a.json']);
  });

  test('writes Buffers byte for byte', () => {
    const target = path.join(dir, 'b.json');
    const bytes = Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]);
    writeFileAtomic(target, bytes);
    expect(fs.readFileSync(target).equals(bytes)).toBe(true);
  });

  test('replaces an existing file by default', () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    writeFileAtomic(target, 'new');
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
  });

  test('overwrite false: creates when absent', () => {
    const target = path.join(dir, 'a.json');
    writeFileAtomic(target, 'new', { overwrite: false });
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
  });

  test('overwrite false: ConflictError when present, old content intact, no temp file', () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    expect(() => writeFileAtomic(target, 'new', { overwrite: false })).toThrow(ConflictError);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('falls back to exclusive create + rename when hard links are not supported', () => {
    const target = path.join(dir, 'a.json');
    const link = jest.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw errno('EPERM');
    });
    writeFileAtomic(target, 'new', { overwrite: false });
    expect(link).toHaveBeenCalled();
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
    expect(() => writeFileAtomic(target, 'newer', { overwrite: false })).toThrow(ConflictError);
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(listing()).toEqual(['a.json']);
  });

  test('fallback path: a failed rename removes its placeholder and the temp file', () => {
    const target = path.join(dir, 'a.json');
    jest.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw errno('ENOTSUP');
    });
    jest.spyOn(fs, 'renameSync').mockImplementation(() => {
      throw errno('EIO');
    });
    expect(() => writeFileAtomic(target, 'new', { overwrite: false })).toThrow(FileSystemError);
    expect(listing()).toEqual([]);
  });

  test('a real link failure is not mistaken for "links unsupported"', () => {
    const target = path.join(dir, 'a.json');
    jest.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw errno('EIO');
    });
    expect(() => writeFileAtomic(target, 'new', { overwrite: false })).toThrow(/EIO/);
    expect(listing()).toEqual([]);
  });

  test('interrupted before the data is on disk (fsync fails): old file intact, no temp file', () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    const fsync = jest.spyOn(fs, 'fsyncSync').mockImplementation(() => {
      throw errno('EIO');
    });
    let caught: unknown;
    try {
      writeFileAtomic(target, 'new content');
    } catch (err) {
      caught = err;
    }
    expect(fsync).toHaveBeenCalled();
    expect(caught).toBeInstanceOf(FileSystemError);
    expect((caught as Error).message).toContain(target);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('interrupted mid-write (write fails after part of the data): old file intact, no temp file', () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    const realWrite = fs.writeFileSync;
    jest.spyOn(fs, 'writeFileSync').mockImplementation((file, data, options) => {
      if (typeof file === 'number') {
        realWrite(file, String(data).slice(0, 3));
        throw errno('ENOSPC');
      }
      return realWrite(file, data, options);
    });
    expect(() => writeFileAtomic(target, 'new content')).toThrow(/no space left/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('rename fails: old file intact, no temp file', () => {
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, 'old');
    jest.spyOn(fs, 'renameSync').mockImplementation(() => {
      throw errno('EACCES');
    });
    expect(() => writeFileAtomic(target, 'new')).toThrow(/permission denied/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(listing()).toEqual(['a.json']);
  });

  test('missing directory gives NotFoundError naming the target', () => {
    const target = path.join(dir, 'missing', 'a.json');
    expect(() => writeFileAtomic(target, 'x')).toThrow(NotFoundError);
    expect(() => writeFileAtomic(target, 'x')).toThrow(target);
  });

  test('target is a directory', () => {
    const target = path.join(dir, 'sub.json');
    fs.mkdirSync(target);
    expect(() => writeFileAtomic(target, 'x')).toThrow();
    expect(() => writeFileAtomic(target, 'x', { overwrite: false })).toThrow(ConflictError);
    expect(listing()).toEqual(['sub.json']);
  });

  (process.platform === 'win32' ? test.skip : test)('mode applies to new files', () => {
    const target = path.join(dir, 'tool');
    const old = process.umask(0o022);
    try {
      writeFileAtomic(target, '#!/bin/sh\n', { mode: 0o755 });
      expect(fs.statSync(target).mode & 0o777).toBe(0o755);
      writeFileAtomic(path.join(dir, 'plain.json'), '{}');
      expect(fs.statSync(path.join(dir, 'plain.json')).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });

  test('a target name of 255 characters works (the temp name stays short enough)', () => {
    const target = path.join(dir, `${'n'.repeat(250)}.json`);
    writeFileAtomic(target, 'x', { overwrite: false });
    writeFileAtomic(target, 'y');
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
