/**
 * What the store must survive from its folder and from other processes: links that lead out of the store
 * or to FIFOs and devices, temporary files of killed writers, names that differ only in case (one file on
 * Windows) written at the same moment by separate processes, a --root that is missing or special, and
 * several specs for one account.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildCredentialSpec, serializeCredentialSpec } from '../../../src/credspec/model';
import { SpecStore } from '../../../src/credspec/store';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../src/errors';
import { isTempName, STALE_TEMP_AGE_MS } from '../../../src/util/atomic-write';
import { ChildHarness } from './child-harness';
import { CONTOSO, removeDir, tempDir } from './fixtures';

const onLinux = process.platform === 'linux' ? test : test.skip;

let root: string;
let dir: string;
let store: SpecStore;
beforeEach(() => {
  root = tempDir('gmsa-store-safety-');
  dir = path.join(root, 'CredentialSpecs');
  fs.mkdirSync(dir);
  store = new SpecStore(dir, { root });
});
afterEach(() => removeDir(root));

const specFor = (account: string, facts = CONTOSO): Buffer => Buffer.from(serializeCredentialSpec(buildCredentialSpec(facts, [account])), 'utf8');
const FABRIKAM = { ...CONTOSO, dnsName: 'fabrikam.com', netbiosName: 'FABRIKAM' };
const put = (name: string, content: string | Buffer): void => fs.writeFileSync(path.join(dir, name), content);
const listing = (): string[] => fs.readdirSync(dir).sort();

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('links, FIFOs and devices in the store', () => {
  beforeEach(() => {
    fs.writeFileSync(path.join(root, 'outside.json'), specFor('Outside01'));
  });

  test('read: a link to a spec outside the store is refused, not followed', async () => {
    fs.symlinkSync(path.join(root, 'outside.json'), path.join(dir, 'link.json'));
    const e = await rejection(store.read('link'));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toMatch(/link\.json is a link to .*outside\.json, outside .*CredentialSpecs; it was not followed/);
  });

  test('read: a link to another spec inside the store is followed', async () => {
    put('real.json', specFor('Real01'));
    fs.symlinkSync('real.json', path.join(dir, 'alias.json'));
    expect((await store.read('alias')).spec?.DomainJoinConfig.MachineAccountName).toBe('Real01');
  });

  onLinux('read, list and install --force do not hang on a link to a FIFO or /dev/zero', async () => {
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    execFileSync('mkfifo', [path.join(dir, 'inner-fifo')]);
    fs.symlinkSync(path.join(root, 'fifo'), path.join(dir, 'pipe.json'));
    fs.symlinkSync('inner-fifo', path.join(dir, 'inner.json'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
    await expect(store.read('pipe')).rejects.toThrow(/outside/);
    await expect(store.read('inner')).rejects.toThrow(/named pipe \(FIFO\), not a regular file/);
    await expect(store.read('zero')).rejects.toThrow(/outside/);

    const entries = await store.list();
    expect(entries.map((e) => [e.name, e.valid, e.problem])).toEqual([
      ['inner.json', false, 'a named pipe (FIFO), not a regular file'],
      ['pipe.json', false, expect.stringMatching(/^a link to .*fifo, outside the folder, not followed$/)],
      ['zero.json', false, 'a link to /dev/zero, outside the folder, not followed'],
    ]);

    // Without force the link is a conflict that says why; with force the link itself is replaced.
    await expect(store.install('pipe', specFor('Pipe01'))).rejects.toThrow(/^credential spec pipe\.json \(a link to .*fifo, outside the folder, not followed\) already exists in /);
    const r = await store.install('pipe', specFor('Pipe01'), { force: true });
    expect(r.replaced).toBe(true);
    expect(fs.lstatSync(path.join(dir, 'pipe.json')).isFile()).toBe(true);
    expect(fs.statSync(path.join(root, 'fifo')).isFIFO()).toBe(true);
    // A FIFO in the way inside the store is refused, even with force.
    await expect(store.install('inner', specFor('Inner01'), { force: true })).rejects.toThrow(/named pipe/);
  }, 10_000);

  test('a spec over 1 MiB in the store is listed as unusable and refused by read', async () => {
    put('huge.json', Buffer.alloc(1024 * 1024 + 1, 0x20));
    expect((await store.list())[0]).toMatchObject({ name: 'huge.json', valid: false, problem: expect.stringContaining('file too large') });
    await expect(store.read('huge')).rejects.toThrow(/too large \(1048577 bytes, more than 1 MiB\)/);
  });
});

describe('temporary files of killed writers', () => {
  let harness: ChildHarness;
  let work: string;
  beforeAll(() => {
    work = tempDir('gmsa-store-kill-');
    harness = new ChildHarness(work);
  });
  afterAll(() => removeDir(work));

  test('never listed; removed by the next list once their process is dead and they are old', async () => {
    put('contoso_keep01.json', specFor('Keep01'));
    const { left } = await harness.killMidWrite(path.join(dir, 'contoso_big.json'));
    expect((await store.list()).map((e) => e.name).filter((n) => n !== 'contoso_big.json')).toEqual(['contoso_keep01.json']);
    expect(listing()).toEqual(expect.arrayContaining(left)); // too recent to remove yet
    const old = new Date(Date.now() - STALE_TEMP_AGE_MS - 1000);
    for (const n of left) fs.utimesSync(path.join(dir, n), old, old);
    await store.list();
    expect(listing().filter(isTempName)).toEqual([]);
  }, 60_000);

  test('removed by the next write', async () => {
    const { left } = await harness.killMidWrite(path.join(dir, 'contoso_big.json'));
    const old = new Date(Date.now() - STALE_TEMP_AGE_MS - 1000);
    for (const n of left) fs.utimesSync(path.join(dir, n), old, old);
    await store.install('contoso_next01', specFor('Next01'));
    expect(listing().filter(isTempName)).toEqual([]);
  }, 60_000);
});

describe('names that differ only in case are one name', () => {
  test('read and remove find a file under another case', async () => {
    put('shared.json', specFor('Shared'));
    expect((await store.read('SHARED')).name).toBe('shared.json');
    expect((await store.read('Shared.JSON')).path).toBe(path.join(dir, 'shared.json'));
    expect((await store.remove('SHARED')).path).toBe(path.join(dir, 'shared.json'));
    expect(listing()).toEqual([]);
    await expect(store.read('shared')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('several case variants: the exact name is used; otherwise ConflictError; ls marks them all', async () => {
    put('shared.json', specFor('Shared'));
    put('SHARED.json', specFor('Shared'));
    expect((await store.read('shared')).name).toBe('shared.json');
    const e = await rejection(store.read('Shared'));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('differ only in case (SHARED.json, shared.json)');
    const entries = await store.list();
    expect(entries.map((x) => [x.name, x.valid])).toEqual([
      ['SHARED.json', false],
      ['shared.json', false],
    ]);
    expect(entries[0]?.problem).toContain('differs only in case from shared.json');
    expect((await store.remove('SHARED')).path).toBe(path.join(dir, 'SHARED.json'));
    expect((await store.list()).map((x) => [x.name, x.valid])).toEqual([['shared.json', true]]);
  });

  describe('separate processes installing shared and SHARED at the same moment', () => {
    let harness: ChildHarness;
    let work: string;
    beforeAll(() => {
      work = tempDir('gmsa-store-case-');
      harness = new ChildHarness(work);
    });
    afterAll(() => removeDir(work));

    const file = (name: string, content: Buffer): string => {
      const p = path.join(work, name);
      fs.writeFileSync(p, content);
      return p;
    };

    test('different content: exactly one file stays and exactly one process wins, every round', async () => {
      const a = file('a.json', specFor('Shared'));
      const b = file('b.json', specFor('Shared', FABRIKAM));
      for (let round = 0; round < 8; round++) {
        for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n));
        const results = await harness.race([
          ['install', dir, 'shared', a, 'false'],
          ['install', dir, 'SHARED', b, 'false'],
          ['install', dir, 'Shared', a, 'false'],
        ]);
        const left = listing();
        expect(left).toHaveLength(1);
        expect(left[0]?.toLowerCase()).toBe('shared.json');
        const won = results.filter((r) => r.result === 'won' && !r.unchanged);
        expect(won).toHaveLength(1);
        for (const r of results) expect(['won', 'ConflictError']).toContain(r.result);
        // Whoever installed the bytes now there won, or got them there as "unchanged".
        const kept = fs.readFileSync(path.join(dir, left[0] as string));
        expect(kept.equals(fs.readFileSync(a)) || kept.equals(fs.readFileSync(b))).toBe(true);
      }
    }, 120_000);

    test('the same content: one file stays and every process succeeds', async () => {
      const a = file('same.json', specFor('Shared'));
      for (let round = 0; round < 6; round++) {
        for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n));
        const results = await harness.race([
          ['install', dir, 'shared', a, 'false'],
          ['install', dir, 'SHARED', a, 'false'],
        ]);
        expect(listing()).toHaveLength(1);
        expect(results.map((r) => r.result)).toEqual(['won', 'won']);
      }
    }, 120_000);
  });
});

describe('the --root folder', () => {
  test('missing: NotFoundError naming the root and the fix, for reads and writes; nothing created', async () => {
    const missing = path.join(root, 'no', 'such');
    const s = new SpecStore(path.join(missing, 'CredentialSpecs'), { root: missing });
    for (const op of [s.list(), s.read('x'), s.remove('x'), s.install('x', specFor('X01'))]) {
      const e = await rejection(op);
      expect(e).toBeInstanceOf(NotFoundError);
      expect(e.message).toBe(`the Docker root ${missing} does not exist`);
      expect((e as NotFoundError).hint).toContain('--root names an existing Docker root folder');
    }
    expect(fs.existsSync(path.join(root, 'no'))).toBe(false);
  });

  test('a file, not a folder: refused', async () => {
    fs.writeFileSync(path.join(root, 'file'), '');
    const s = new SpecStore(path.join(root, 'file', 'CredentialSpecs'), { root: path.join(root, 'file') });
    await expect(s.list()).rejects.toThrow(`the Docker root ${path.join(root, 'file')} is not a folder`);
  });

  onLinux('/proc, /sys and /dev are refused before anything is created (mkdir under /proc never returned)', async () => {
    for (const r of ['/proc/1', '/sys', '/dev']) {
      const s = new SpecStore(path.join(r, 'CredentialSpecs'), { root: r });
      await expect(s.install('x', specFor('X01'))).rejects.toThrow(`the Docker root ${r} is on /`);
      await expect(s.list()).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(fs.existsSync('/dev/CredentialSpecs')).toBe(false);
  }, 10_000);

  test('an existing root without a CredentialSpecs folder: an empty store, and a write creates the folder', async () => {
    const fresh = tempDir('gmsa-store-root-');
    try {
      const s = new SpecStore(path.join(fresh, 'CredentialSpecs'), { root: fresh });
      await expect(s.list()).resolves.toEqual([]);
      await s.install('contoso_x01', specFor('X01'));
      expect(fs.readdirSync(path.join(fresh, 'CredentialSpecs'))).toEqual(['contoso_x01.json']);
    } finally {
      removeDir(fresh);
    }
  });
});

describe('chooseForAccount', () => {
  test('one spec: that one', async () => {
    put('mine.json', specFor('WebApp01'));
    expect(await store.chooseForAccount('webapp01')).toMatchObject({ kind: 'one', entry: { name: 'mine.json' }, others: [] });
  });

  test('several: the one with the default name wins (any case), the rest are returned', async () => {
    put('x.json', specFor('WebApp01'));
    put('Contoso_WebApp01.json', specFor('WebApp01'));
    put('old-copy.json', specFor('WebApp01'));
    put('contoso_other.json', specFor('Other01'));
    const c = await store.chooseForAccount('CONTOSO\\webapp01$');
    expect(c.kind).toBe('one');
    if (c.kind !== 'one') return;
    expect(c.entry.name).toBe('Contoso_WebApp01.json');
    expect(c.others.map((e) => e.name)).toEqual(['old-copy.json', 'x.json']);
  });

  test('several and none has the default name: ambiguous, listing them', async () => {
    put('x.json', specFor('WebApp01'));
    put('y.json', specFor('WebApp01'));
    expect(await store.chooseForAccount('webapp01')).toMatchObject({ kind: 'ambiguous', candidates: [{ name: 'x.json' }, { name: 'y.json' }] });
  });

  test('two default names (two domains): ambiguous', async () => {
    put('contoso_webapp01.json', specFor('WebApp01'));
    put('fabrikam_webapp01.json', specFor('WebApp01', FABRIKAM));
    expect((await store.chooseForAccount('webapp01')).kind).toBe('ambiguous');
  });

  test('none', async () => {
    expect(await store.chooseForAccount('webapp01')).toEqual({ kind: 'none' });
  });
});
