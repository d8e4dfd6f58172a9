import fs from 'fs';
import * as path from 'path';
import { ConflictError, FileSystemError, InvalidInputError } from '../../../src/errors';
import { buildCredentialSpec, serializeCredentialSpec } from '../../../src/credspec/model';
import { SpecStore } from '../../../src/credspec/store';
import { SpecValidationError } from '../../../src/credspec/validate';
import * as atomic from '../../../src/util/atomic-write';
import { ChildHarness } from './child-harness';
import { CONTOSO, removeDir, tempDir } from './fixtures';

let root: string;
let dir: string;
let store: SpecStore;

beforeEach(() => {
  root = tempDir('gmsa-store-many-');
  dir = path.join(root, 'docker', 'CredentialSpecs');
  store = new SpecStore(dir);
});
afterEach(() => {
  jest.restoreAllMocks();
  removeDir(root);
});

type AnyCallback = (...args: any[]) => void;

const specFor = (account: string): Buffer => Buffer.from(serializeCredentialSpec(buildCredentialSpec(CONTOSO, [account])), 'utf8');
const accounts = (n: number, prefix = 'App'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const itemsFor = (names: string[]): { name: string; bytes: Buffer }[] => names.map((a) => ({ name: `contoso_${a.toLowerCase()}`, bytes: specFor(a) }));
const fileOf = (name: string): string => path.join(dir, name);

function put(name: string, content: string | Buffer): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(fileOf(name), content);
}

function listing(): string[] {
  return fs.readdirSync(dir).sort();
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * Counts the fsyncs of `folder` itself (not of the files in it). Every call goes to the real fs, except
 * that `onFileSync`, when given, decides what happens to the fsync of a file.
 */
function countFolderSyncs(folder: string, onFileSync?: (fd: number, cb: AnyCallback, real: typeof fs.fsync) => void): { count: () => number } {
  const realOpen = fs.open;
  const realFsync = fs.fsync;
  const fds = new Set<number>();
  let n = 0;
  jest.spyOn(fs, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
    const cb = rest.pop() as AnyCallback;
    (realOpen as AnyCallback)(p, ...rest, (err: Error | null, fd: number) => {
      if (!err && p === folder) fds.add(fd);
      cb(err, fd);
    });
  }) as any);
  jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: AnyCallback) => {
    if (fds.delete(fd)) n++;
    else if (onFileSync) return onFileSync(fd, cb, realFsync);
    realFsync(fd, cb);
  }) as any);
  return { count: () => n };
}

describe('installMany', () => {
  test('200 specs in one batch: all land, all validate, results in the order given', async () => {
    const names = accounts(200);
    const items = itemsFor(names);
    const results = await store.installMany(items);
    expect(results.map((r) => r.path)).toEqual(items.map((i) => fileOf(`${i.name}.json`)));
    for (const r of results) expect(r).toMatchObject({ replaced: false, unchanged: false, findings: [] });
    const entries = await store.list();
    expect(entries).toHaveLength(200);
    expect(entries.every((e) => e.valid && e.errors === 0)).toBe(true);
    expect(entries.map((e) => e.account).sort()).toEqual([...names].sort());
    for (const i of items) expect(fs.readFileSync(fileOf(`${i.name}.json`)).equals(i.bytes)).toBe(true);
    expect(listing().filter((f) => !f.endsWith('.json'))).toEqual([]);
  });

  (process.platform === 'win32' ? test.skip : test)('flushes the folder once for the whole batch', async () => {
    const syncs = countFolderSyncs(dir);
    await store.installMany(itemsFor(accounts(50)));
    expect(syncs.count()).toBe(1);
    expect(listing()).toHaveLength(50);
  });

  test('an empty batch does nothing', async () => {
    await expect(store.installMany([])).resolves.toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('strings are stored as UTF-8; a name gets .json', async () => {
    const text = specFor('WebApp01').toString('utf8');
    const [r] = await store.installMany([{ name: 'contoso_webapp01', bytes: text }]);
    expect(r?.path).toBe(fileOf('contoso_webapp01.json'));
    expect(fs.readFileSync(fileOf('contoso_webapp01.json'), 'utf8')).toBe(text);
  });

  test('one invalid spec: SpecValidationError naming it, nothing written, no folder created', async () => {
    const items = itemsFor(accounts(5));
    const bad = items[3];
    if (bad === undefined) throw new Error('no item');
    bad.bytes = Buffer.from('{}');
    const mkdir = jest.spyOn(fs.promises, 'mkdir');
    const write = jest.spyOn(atomic, 'writeFileAtomic');
    const e = (await rejection(store.installMany(items))) as SpecValidationError;
    expect(e).toBeInstanceOf(SpecValidationError);
    expect(e.message).toContain('contoso_app003.json');
    expect(e.message).toContain('none of the 5 specs were installed');
    expect(e.findings.length).toBeGreaterThan(0);
    expect(mkdir).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('one invalid spec, with force and an existing folder: the existing files are untouched', async () => {
    put('contoso_app000.json', specFor('Old'));
    const items = itemsFor(accounts(4));
    items.push({ name: 'broken', bytes: Buffer.from('{"CmsPlugins": [') });
    await expect(store.installMany(items, { force: true })).rejects.toBeInstanceOf(SpecValidationError);
    expect(listing()).toEqual(['contoso_app000.json']);
    expect(fs.readFileSync(fileOf('contoso_app000.json')).equals(specFor('Old'))).toBe(true);
  });

  test.each(['../escape.json', 'nul', 'C:\\x.json'])('a refused name (%j) in the batch: InvalidInputError, nothing touched', async (name) => {
    const items = [...itemsFor(accounts(3)), { name, bytes: specFor('X') }];
    const mkdir = jest.spyOn(fs.promises, 'mkdir');
    const e = await rejection(store.installMany(items));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain(JSON.stringify(name));
    expect(mkdir).not.toHaveBeenCalled();
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('the same name twice in a batch is refused, naming both items', async () => {
    const items = [{ name: 'a', bytes: specFor('A') }, { name: 'b', bytes: specFor('B') }, { name: 'a.json', bytes: specFor('A') }];
    const e = await rejection(store.installMany(items));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain('a.json');
    expect(e.message).toContain('items 1 and 3');
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('names that differ only in case are the same name (Windows), and refused as duplicates', async () => {
    const items = [{ name: 'Contoso_X.json', bytes: specFor('X') }, { name: 'contoso_x.JSON', bytes: specFor('X') }];
    const e = await rejection(store.installMany(items, { force: true }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain('Contoso_X.json and contoso_x.JSON');
    expect(e.message).toContain('ignore case');
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('an existing identical file is unchanged (not rewritten); the others are created', async () => {
    const items = itemsFor(accounts(3));
    put('contoso_app001.json', specFor('App001'));
    const before = fs.statSync(fileOf('contoso_app001.json'));
    const results = await store.installMany(items);
    expect(results.map((r) => [path.basename(r.path), r.unchanged, r.replaced])).toEqual([
      ['contoso_app000.json', false, false],
      ['contoso_app001.json', true, false],
      ['contoso_app002.json', false, false],
    ]);
    expect(fs.statSync(fileOf('contoso_app001.json')).ino).toBe(before.ino);
    expect(listing()).toEqual(['contoso_app000.json', 'contoso_app001.json', 'contoso_app002.json']);
  });

  test('an existing different file without force: ConflictError naming it, and nothing in the batch is written', async () => {
    put('contoso_app002.json', specFor('Someone'));
    const write = jest.spyOn(atomic, 'writeFileAtomic');
    const e = (await rejection(store.installMany(itemsFor(accounts(5))))) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('contoso_app002.json');
    expect(e.message).toContain('none of the 5 specs were installed');
    expect(e.hint).toContain('--force');
    expect(write).not.toHaveBeenCalled();
    expect(listing()).toEqual(['contoso_app002.json']);
    expect(fs.readFileSync(fileOf('contoso_app002.json')).equals(specFor('Someone'))).toBe(true);
  });

  test('several conflicts are named in one error', async () => {
    put('contoso_app001.json', specFor('Someone'));
    put('contoso_app003.json', specFor('Else'));
    const e = (await rejection(store.installMany(itemsFor(accounts(5))))) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('contoso_app001.json, contoso_app003.json already exist');
    expect(listing()).toEqual(['contoso_app001.json', 'contoso_app003.json']);
  });

  test('with force: existing different files are replaced, identical ones unchanged, new ones created', async () => {
    put('contoso_app000.json', specFor('App000'));
    put('contoso_app001.json', specFor('Someone'));
    const items = itemsFor(accounts(3));
    const results = await store.installMany(items, { force: true });
    expect(results.map((r) => [path.basename(r.path), r.unchanged, r.replaced])).toEqual([
      ['contoso_app000.json', true, false],
      ['contoso_app001.json', false, true],
      ['contoso_app002.json', false, false],
    ]);
    for (const i of items) expect(fs.readFileSync(fileOf(`${i.name}.json`)).equals(i.bytes)).toBe(true);
    expect(listing()).toEqual(['contoso_app000.json', 'contoso_app001.json', 'contoso_app002.json']);
  });

  test('an existing file is a folder: refused (not read, not replaced), nothing written', async () => {
    fs.mkdirSync(fileOf('contoso_app001.json'), { recursive: true });
    const e = await rejection(store.installMany(itemsFor(accounts(3)), { force: true }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain('is a folder, not a regular file');
    expect(listing()).toEqual(['contoso_app001.json']);
  });

  test('the folder cannot be created: mapped error', async () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, 'a file where the folder should be');
    await expect(store.installMany(itemsFor(accounts(2)))).rejects.toBeInstanceOf(FileSystemError);
  });
});

describe('installMany: an existing file whose name differs only in case is the same spec', () => {
  test('identical content: unchanged, and the path is the existing file', async () => {
    put('contoso_x.json', specFor('X'));
    const [r] = await store.installMany([{ name: 'Contoso_X.json', bytes: specFor('X') }]);
    expect(r).toMatchObject({ path: fileOf('contoso_x.json'), unchanged: true, replaced: false });
    expect(listing()).toEqual(['contoso_x.json']);
  });

  test('different content without force: ConflictError naming both names; nothing written', async () => {
    put('contoso_x.json', specFor('Old'));
    const e = (await rejection(store.installMany([{ name: 'Contoso_X.json', bytes: specFor('X') }, { name: 'other', bytes: specFor('O') }]))) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('Contoso_X.json (as contoso_x.json)');
    expect(listing()).toEqual(['contoso_x.json']);
    expect(fs.readFileSync(fileOf('contoso_x.json')).equals(specFor('Old'))).toBe(true);
  });

  test('with force: the existing file is replaced under its own name, no second file appears', async () => {
    put('contoso_x.json', specFor('Old'));
    const [r] = await store.installMany([{ name: 'CONTOSO_X.JSON', bytes: specFor('X') }], { force: true });
    expect(r).toMatchObject({ path: fileOf('contoso_x.json'), unchanged: false, replaced: true });
    expect(listing()).toEqual(['contoso_x.json']);
    expect(fs.readFileSync(fileOf('contoso_x.json')).equals(specFor('X'))).toBe(true);
  });

  test('install (one spec) behaves the same', async () => {
    put('Contoso_X.json', specFor('Old'));
    await expect(store.install('contoso_x', specFor('X'))).rejects.toBeInstanceOf(ConflictError);
    const r = await store.install('contoso_x', specFor('X'), { force: true });
    expect(r).toMatchObject({ path: fileOf('Contoso_X.json'), replaced: true });
    expect(listing()).toEqual(['Contoso_X.json']);
  });

  test('non-ASCII letters compare without case too', async () => {
    put('contoso_zoë.json', specFor('Zoë'));
    const [r] = await store.installMany([{ name: 'CONTOSO_ZOË.JSON', bytes: specFor('Zoë') }]);
    expect(r).toMatchObject({ path: fileOf('contoso_zoë.json'), unchanged: true });
  });

  test('several existing case variants (possible on Linux): the exact name is used if present, otherwise ConflictError even with force', async () => {
    put('a.json', specFor('Lower'));
    let caseSensitive = true;
    try {
      fs.writeFileSync(fileOf('A.json'), specFor('Upper'), { flag: 'wx' });
    } catch {
      caseSensitive = false;
    }
    if (!caseSensitive) return; // a case-insensitive file system cannot hold both
    const [exact] = await store.installMany([{ name: 'A.json', bytes: specFor('New') }], { force: true });
    expect(exact?.path).toBe(fileOf('A.json'));
    expect(fs.readFileSync(fileOf('a.json')).equals(specFor('Lower'))).toBe(true);
    const e = await rejection(store.installMany([{ name: 'a.JSON', bytes: specFor('New') }], { force: true }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('differ only in case');
    expect(listing()).toEqual(['A.json', 'a.json']);
  });
});

describe('installMany: writing', () => {
  function trackWrites(): { max: () => number; calls: () => unknown[][] } {
    const real = atomic.writeFileAtomic;
    let running = 0;
    let max = 0;
    const spy = jest.spyOn(atomic, 'writeFileAtomic').mockImplementation(async (...args) => {
      running++;
      max = Math.max(max, running);
      try {
        return await real(...args);
      } finally {
        running--;
      }
    });
    return { max: () => max, calls: () => spy.mock.calls };
  }

  test('writes several files at once, at most `concurrency`, and skips the per-file folder flush', async () => {
    const limited = trackWrites();
    await store.installMany(itemsFor(accounts(40)), { concurrency: 4 });
    expect(limited.max()).toBeLessThanOrEqual(4);
    expect(limited.max()).toBeGreaterThan(1);
    for (const call of limited.calls()) expect(call[2]).toMatchObject({ overwrite: false, syncDirectory: false });
    expect(listing()).toHaveLength(40);
  });

  test('the default concurrency is 32', async () => {
    const writes = trackWrites();
    await store.installMany(itemsFor(accounts(100)));
    expect(writes.max()).toBeLessThanOrEqual(32);
    expect(writes.max()).toBeGreaterThan(4);
  });

  test('concurrency 1 writes one file at a time', async () => {
    const writes = trackWrites();
    await store.installMany(itemsFor(accounts(10)), { concurrency: 1 });
    expect(writes.max()).toBe(1);
    expect(listing()).toHaveLength(10);
  });

  test('a disk error mid-batch: that error, the files written so far complete, no temp file, folder still flushed', async () => {
    const items = itemsFor(accounts(5));
    let fileSyncs = 0;
    // With concurrency 1 the files are flushed one after another; the third one fails.
    const syncs = countFolderSyncs(dir, (fd, cb, real) => {
      if (++fileSyncs === 3) cb(Object.assign(new Error('EIO: simulated'), { code: 'EIO' }));
      else real(fd, cb);
    });
    const e = await rejection(store.installMany(items, { concurrency: 1 }));
    expect(e).toBeInstanceOf(FileSystemError);
    expect(e.message).toContain('contoso_app002.json');
    expect(fileSyncs).toBe(3);
    expect(listing()).toEqual(['contoso_app000.json', 'contoso_app001.json']);
    for (const i of items.slice(0, 2)) expect(fs.readFileSync(fileOf(`${i.name}.json`)).equals(i.bytes)).toBe(true);
    expect(syncs.count()).toBe(1);
  });

  test('a file created by someone else after the listing: ConflictError (other content) or unchanged (same content)', async () => {
    put('contoso_app001.json', specFor('Someone'));
    // The listing misses the file, as if it had been created just after the folder was read.
    const hide = jest.spyOn(fs.promises, 'readdir').mockImplementation((async () => []) as any);
    const e = (await rejection(store.installMany(itemsFor(accounts(1).concat('App001')), { concurrency: 1 }))) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('contoso_app001.json');
    expect(e.hint).toContain('--force');
    expect(fs.readFileSync(fileOf('contoso_app001.json')).equals(specFor('Someone'))).toBe(true);

    fs.writeFileSync(fileOf('contoso_app001.json'), specFor('App001'));
    const [r] = await store.installMany(itemsFor(['App001']));
    expect(r).toMatchObject({ unchanged: true, replaced: false });
    expect(hide).toHaveBeenCalled();
    expect(listing().filter((f) => !f.endsWith('.json'))).toEqual([]);
  });

  test('install is installMany with one item', async () => {
    const many = jest.spyOn(store, 'installMany');
    const bytes = specFor('WebApp01');
    const r = await store.install('contoso_webapp01', bytes, { force: true });
    expect(many).toHaveBeenCalledWith([{ name: 'contoso_webapp01', bytes }], { force: true });
    expect(r).toEqual({ path: fileOf('contoso_webapp01.json'), replaced: false, unchanged: false, findings: [] });
  });
});

describe('installMany across processes', () => {
  let harness: ChildHarness;
  let work: string;
  beforeAll(() => {
    work = tempDir('gmsa-store-many-harness-');
    harness = new ChildHarness(work);
  });
  afterAll(() => removeDir(work));

  test('two processes installing overlapping batches without force: every file is one whole version, no temp files', async () => {
    const names = accounts(30, 'Shared');
    const argsFor = (tag: string): string[] => {
      const pairs: string[] = [];
      for (const n of names) {
        const f = path.join(work, `${tag}-${n}.json`);
        fs.writeFileSync(f, specFor(`${n}${tag}`));
        pairs.push(`contoso_${n.toLowerCase()}`, f);
      }
      return ['install-many', dir, 'false', ...pairs];
    };
    const results = await harness.race([argsFor('A'), argsFor('B')]);
    for (const r of results) expect(['won', 'ConflictError']).toContain(r.result);
    // Both cannot have installed every name: the same name cannot be created twice without force.
    expect(results.filter((r) => r.result === 'ConflictError').length).toBeGreaterThanOrEqual(1);
    for (const f of listing()) {
      expect(f.endsWith('.json')).toBe(true);
      const n = names.find((x) => `contoso_${x.toLowerCase()}.json` === f) ?? '';
      const content = fs.readFileSync(fileOf(f));
      expect(content.equals(specFor(`${n}A`)) || content.equals(specFor(`${n}B`))).toBe(true);
    }
    const winner = results.findIndex((r) => r.result === 'won');
    if (winner >= 0) {
      // A batch that succeeded has every one of its files in place.
      const tag = winner === 0 ? 'A' : 'B';
      for (const n of names) expect(fs.readFileSync(fileOf(`contoso_${n.toLowerCase()}.json`)).equals(specFor(`${n}${tag}`))).toBe(true);
    }
  });
});
