import fs from 'fs';
import * as path from 'path';
import { ConflictError, FileSystemError, InvalidInputError, NotFoundError, SpecInvalidError } from '../../../src/errors';
import { buildCredentialSpec, serializeCredentialSpec } from '../../../src/credspec/model';
import { SpecStore } from '../../../src/credspec/store';
import { SpecValidationError } from '../../../src/credspec/validate';
import { ChildHarness } from './child-harness';
import { CONTOSO, CONTOSO_WEBAPP01_JSON, removeDir, tempDir, utf16le } from './fixtures';

let root: string;
let dir: string;
let store: SpecStore;

beforeEach(() => {
  root = tempDir('gmsa-store-');
  dir = path.join(root, 'docker', 'CredentialSpecs');
  store = new SpecStore(dir);
});
afterEach(() => {
  jest.restoreAllMocks();
  removeDir(root);
});

const specFor = (account: string, ...more: string[]): Buffer => Buffer.from(serializeCredentialSpec(buildCredentialSpec(CONTOSO, [account, ...more])), 'utf8');

function put(name: string, content: string | Buffer): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), content);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('list', () => {
  test('a missing folder is an empty store', async () => {
    await expect(store.list()).resolves.toEqual([]);
  });

  test('every *.json file (any case), sorted, validated; other files ignored; bad content never throws', async () => {
    put('contoso_webapp01.json', CONTOSO_WEBAPP01_JSON);
    put('B_upper.JSON', specFor('Batch01'));
    put('a_utf16.json', utf16le(CONTOSO_WEBAPP01_JSON.replaceAll('WebApp01', 'Reports')));
    put('broken.json', '{"CmsPlugins": [');
    put('binary.json', Buffer.from([0xff, 0x00, 0xfe, 0x01]));
    put('warn.json', JSON.stringify({ ...JSON.parse(CONTOSO_WEBAPP01_JSON), Extra: 1 }));
    put('notes.txt', 'hello');
    put('.contoso_webapp01.json.1234.abcdefabcdef.tmp', 'partial');
    fs.mkdirSync(path.join(dir, 'folder.json'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling.json'));

    const entries = await store.list();
    expect(entries.map((e) => e.name)).toEqual(['a_utf16.json', 'B_upper.JSON', 'binary.json', 'broken.json', 'contoso_webapp01.json', 'dangling.json', 'warn.json']);
    const by = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(by['contoso_webapp01.json']).toEqual({
      name: 'contoso_webapp01.json',
      path: path.join(dir, 'contoso_webapp01.json'),
      account: 'WebApp01',
      domain: 'contoso.com',
      netbios: 'CONTOSO',
      valid: true,
      errors: 0,
      warnings: 0,
    });
    expect(by['a_utf16.json']).toMatchObject({ account: 'Reports', valid: true });
    expect(by['B_upper.JSON']).toMatchObject({ account: 'Batch01', valid: true });
    expect(by['broken.json']).toMatchObject({ valid: false, errors: 1 });
    expect(by['broken.json']?.account).toBeUndefined();
    expect(by['binary.json']).toMatchObject({ valid: false });
    expect(by['dangling.json']).toMatchObject({ valid: false, errors: 1, problem: expect.stringContaining('cannot read') });
    expect(by['warn.json']).toMatchObject({ valid: true, errors: 0, warnings: 1 });
  });

  test('an invalid spec still shows its account', async () => {
    put('x.json', CONTOSO_WEBAPP01_JSON.replace(CONTOSO.domainSid, `${CONTOSO.domainSid}-1104`));
    expect(await store.list()).toEqual([expect.objectContaining({ name: 'x.json', account: 'WebApp01', valid: false, errors: 1 })]);
  });

  test('a file whose name checkSpecName refuses is listed as invalid', async () => {
    put('con.json', CONTOSO_WEBAPP01_JSON);
    expect(await store.list()).toEqual([expect.objectContaining({ name: 'con.json', valid: false, problem: expect.stringContaining('device name') })]);
  });

  test('a folder that cannot be listed throws a mapped error', async () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, 'not a folder');
    await expect(store.list()).rejects.toBeInstanceOf(FileSystemError);
  });
});

describe('read', () => {
  test('returns bytes, spec and findings', async () => {
    put('contoso_webapp01.json', utf16le(CONTOSO_WEBAPP01_JSON));
    const r = await store.read('contoso_webapp01');
    expect(r.name).toBe('contoso_webapp01.json');
    expect(r.path).toBe(path.join(dir, 'contoso_webapp01.json'));
    expect(r.encoding).toBe('utf-16le-bom');
    expect(r.findings).toEqual([]);
    expect(r.spec?.DomainJoinConfig.MachineAccountName).toBe('WebApp01');
    expect(r.bytes.equals(utf16le(CONTOSO_WEBAPP01_JSON))).toBe(true);
  });

  test('an invalid spec is returned with its findings, not thrown', async () => {
    put('bad.json', '[]');
    const r = await store.read('bad.json');
    expect(r.spec).toBeUndefined();
    expect(r.findings).toEqual([expect.objectContaining({ code: 'root-not-object' })]);
  });

  test('missing: NotFoundError whose hint lists similar names and spec ls', async () => {
    put('contoso_webapp01.json', CONTOSO_WEBAPP01_JSON);
    put('contoso_webapp02.json', CONTOSO_WEBAPP01_JSON);
    put('fabrikam_sql.json', CONTOSO_WEBAPP01_JSON);
    const e = (await rejection(store.read('contoso_webap01'))) as NotFoundError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toContain('contoso_webap01.json');
    expect(e.hint).toContain('contoso_webapp01.json');
    expect(e.hint).toContain('contoso_webapp02.json');
    expect(e.hint).not.toContain('fabrikam');
    expect(e.hint).toContain('docker gmsa spec ls');
    const none = (await rejection(store.read('zzz'))) as NotFoundError;
    expect(none).toBeInstanceOf(NotFoundError);
    expect(none.hint).toContain('docker gmsa spec ls');
  });

  test('missing folder: NotFoundError', async () => {
    await expect(store.read('x')).rejects.toBeInstanceOf(NotFoundError);
  });

  test.each(['../secret.json', '..', 'C:\\x.json', 'nul', '/etc/passwd'])('refuses %j before touching the file system', async (name) => {
    const readFile = jest.spyOn(fs.promises, 'readFile');
    await expect(store.read(name)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.remove(name)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.install(name, specFor('a'))).rejects.toBeInstanceOf(InvalidInputError);
    expect(readFile).not.toHaveBeenCalled();
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('install', () => {
  test('creates the folder and the file; the name gets .json', async () => {
    const bytes = specFor('WebApp01');
    const r = await store.install('contoso_webapp01', bytes);
    expect(r).toEqual({ path: path.join(dir, 'contoso_webapp01.json'), replaced: false, unchanged: false, findings: [] });
    expect(fs.readFileSync(r.path).equals(bytes)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['contoso_webapp01.json']);
  });

  test('accepts a string and keeps the bytes as given (UTF-16 stays UTF-16)', async () => {
    await store.install('a.json', CONTOSO_WEBAPP01_JSON);
    expect(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe(CONTOSO_WEBAPP01_JSON);
    await store.install('b.json', utf16le(CONTOSO_WEBAPP01_JSON));
    expect(fs.readFileSync(path.join(dir, 'b.json')).equals(utf16le(CONTOSO_WEBAPP01_JSON))).toBe(true);
  });

  test('identical content is a no-op, even without force', async () => {
    const bytes = specFor('WebApp01');
    await store.install('a.json', bytes);
    const before = fs.statSync(path.join(dir, 'a.json'));
    const r = await store.install('a.json', Buffer.from(bytes));
    expect(r).toMatchObject({ replaced: false, unchanged: true });
    expect(fs.statSync(path.join(dir, 'a.json')).ino).toBe(before.ino);
  });

  test('different content without force: ConflictError mentioning --force; old file intact', async () => {
    await store.install('a.json', specFor('WebApp01'));
    const e = (await rejection(store.install('a.json', specFor('Other01')))) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toContain('a.json');
    expect(e.hint).toContain('--force');
    expect(fs.readFileSync(path.join(dir, 'a.json')).equals(specFor('WebApp01'))).toBe(true);
  });

  test('with force: replaced', async () => {
    await store.install('a.json', specFor('WebApp01'));
    const r = await store.install('a.json', specFor('Other01'), { force: true });
    expect(r).toMatchObject({ replaced: true, unchanged: false });
    expect(fs.readFileSync(path.join(dir, 'a.json')).equals(specFor('Other01'))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['a.json']);
  });

  test('invalid spec: SpecValidationError with the findings; nothing written, no folder created', async () => {
    const bad = Buffer.from(CONTOSO_WEBAPP01_JSON.replace(CONTOSO.domainSid, `${CONTOSO.domainSid}-1104`).replace('"WebApp01",\n    "Guid"', '"WebApp01$",\n    "Guid"'));
    const e = (await rejection(store.install('a.json', bad))) as SpecValidationError;
    expect(e).toBeInstanceOf(SpecValidationError);
    expect(e).toBeInstanceOf(SpecInvalidError);
    expect(e.message).toContain('2 errors');
    expect(e.findings.map((f) => f.code).sort()).toEqual(['account-name-dollar', 'sid-account-sid']);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('invalid spec with force is still refused, and the existing file is kept', async () => {
    await store.install('a.json', specFor('WebApp01'));
    await expect(store.install('a.json', '{}', { force: true })).rejects.toBeInstanceOf(SpecValidationError);
    expect(fs.readFileSync(path.join(dir, 'a.json')).equals(specFor('WebApp01'))).toBe(true);
  });

  test('warnings do not block and are returned', async () => {
    const withExtra = JSON.stringify({ ...JSON.parse(CONTOSO_WEBAPP01_JSON), Comment: 'x' });
    const r = await store.install('a.json', withExtra);
    expect(r.findings).toEqual([expect.objectContaining({ code: 'unknown-key', severity: 'warning' })]);
  });

  test('interrupted write (fsync fails): FileSystemError, old spec intact, no temp file', async () => {
    await store.install('a.json', specFor('WebApp01'));
    jest.spyOn(fs, 'fsync').mockImplementation(((_fd: number, cb: (err: Error) => void) => cb(Object.assign(new Error('EIO'), { code: 'EIO' }))) as any);
    await expect(store.install('a.json', specFor('Other01'), { force: true })).rejects.toBeInstanceOf(FileSystemError);
    jest.restoreAllMocks();
    expect(fs.readFileSync(path.join(dir, 'a.json')).equals(specFor('WebApp01'))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['a.json']);
  });

  test('the folder cannot be created: mapped error', async () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, 'a file where the folder should be');
    await expect(store.install('a.json', specFor('a'))).rejects.toBeInstanceOf(FileSystemError);
  });

  test('two installs racing in-process (different content): exactly one wins every time', async () => {
    for (let i = 0; i < 40; i++) {
      const s = new SpecStore(path.join(root, `race-${i}`));
      const one = specFor('WebApp01');
      const two = specFor('Other01');
      const results = await Promise.allSettled([s.install('x.json', one), s.install('x.json', two)]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect(failed[0]?.reason).toBeInstanceOf(ConflictError);
      expect((failed[0]?.reason as ConflictError).hint).toContain('--force');
      const winner = results[0]?.status === 'fulfilled' ? one : two;
      expect(fs.readFileSync(path.join(s.dir, 'x.json')).equals(winner)).toBe(true);
      expect(fs.readdirSync(s.dir)).toEqual(['x.json']);
    }
  });

  test('two installs racing in-process (same content): both succeed, one writes', async () => {
    const bytes = specFor('WebApp01');
    const [a, b] = await Promise.all([store.install('x.json', bytes), store.install('x.json', Buffer.from(bytes))]);
    expect([a.unchanged, b.unchanged].filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(fs.readFileSync(path.join(dir, 'x.json')).equals(bytes)).toBe(true);
  });
});

describe('install across processes', () => {
  let harness: ChildHarness;
  let work: string;
  beforeAll(() => {
    work = tempDir('gmsa-store-harness-');
    harness = new ChildHarness(work);
  });
  afterAll(() => removeDir(work));

  test('several processes installing the same name: one creates it, the others get ConflictError', async () => {
    const accounts = ['App1', 'App2', 'App3', 'App4', 'App5'];
    const files = accounts.map((a) => {
      const f = path.join(work, `${a}.json`);
      fs.writeFileSync(f, specFor(a));
      return f;
    });
    const results = await harness.race(files.map((f) => ['install', dir, 'shared', f, 'false']));
    const winners = results.map((r, i) => ({ r, i })).filter(({ r }) => r.result === 'won');
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.result === 'ConflictError')).toHaveLength(accounts.length - 1);
    const winner = accounts[winners[0]?.i ?? -1] ?? '';
    expect(fs.readFileSync(path.join(dir, 'shared.json')).equals(specFor(winner))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['shared.json']);
  });

  test('several processes installing with force: the file ends up as exactly one of them', async () => {
    const accounts = ['App1', 'App2', 'App3', 'App4'];
    const files = accounts.map((a) => {
      const f = path.join(work, `force-${a}.json`);
      fs.writeFileSync(f, specFor(a));
      return f;
    });
    const results = await harness.race(files.map((f) => ['install', dir, 'shared', f, 'true']));
    expect(results).toEqual(accounts.map(() => expect.objectContaining({ result: 'won' })));
    const final = fs.readFileSync(path.join(dir, 'shared.json'));
    expect(accounts.some((a) => final.equals(specFor(a)))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['shared.json']);
  });
});

describe('remove', () => {
  test('removes an existing spec', async () => {
    await store.install('a.json', specFor('a'));
    await expect(store.remove('a')).resolves.toEqual({ path: path.join(dir, 'a.json') });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('missing: NotFoundError with a hint', async () => {
    await store.install('contoso_webapp01.json', specFor('a'));
    const e = (await rejection(store.remove('contoso_webapp1'))) as NotFoundError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.hint).toContain('contoso_webapp01.json');
  });
});

describe('findByAccount', () => {
  test('matches MachineAccountName case-insensitively, in any account form', async () => {
    await store.install('contoso_webapp01.json', specFor('WebApp01'));
    await store.install('second.json', specFor('webapp01', 'LogAgent'));
    await store.install('other.json', specFor('LogAgent'));
    put('broken.json', '{');
    put('dollar.json', CONTOSO_WEBAPP01_JSON.replace('"WebApp01",\n    "Guid"', '"WEBAPP01$",\n    "Guid"'));
    for (const form of ['webapp01', 'WEBAPP01$', 'CONTOSO\\WebApp01', 'webapp01@contoso.com']) {
      const found = await store.findByAccount(form);
      expect(found.map((e) => e.name)).toEqual(['contoso_webapp01.json', 'dollar.json', 'second.json']);
    }
    expect((await store.findByAccount('LogAgent')).map((e) => e.name)).toEqual(['other.json']);
    expect(await store.findByAccount('nobody')).toEqual([]);
    expect(await store.findByAccount('')).toEqual([]);
  });

  test('missing folder: no matches', async () => {
    await expect(store.findByAccount('x')).resolves.toEqual([]);
  });
});
