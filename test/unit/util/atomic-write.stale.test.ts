/**
 * The temporary files of killed writers: a real child process is killed with SIGKILL in the middle of a
 * write, and what it leaves behind is removed by the stale-file rule (dead process here AND untouched for
 * minutes), and only then. (The write itself is tested in test/unit/util/atomic-write.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { isTempName, processMayBeAlive, removeStaleTempFiles, STALE_TEMP_AGE_MS, tempNameFor, tempNamePid } from '../../../src/util/atomic-write';
import { ChildHarness } from '../credspec/child-harness';
import { removeDir, tempDir } from '../credspec/fixtures';

let dir: string;
beforeEach(() => {
  dir = tempDir('gmsa-stale-');
});
afterEach(() => removeDir(dir));

const temps = (d: string): string[] => fs.readdirSync(d).filter(isTempName).sort();

/** Moves a file's modification time `ms` into the past, as if that much time had gone by. */
function age(p: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  fs.utimesSync(p, t, t);
}

describe('temp names', () => {
  test('carry the writer pid', () => {
    const name = path.basename(tempNameFor(path.join(dir, 'contoso_x.json')));
    expect(isTempName(name)).toBe(true);
    expect(tempNamePid(name)).toBe(process.pid);
    expect(tempNamePid('contoso_x.json')).toBeUndefined();
    expect(tempNamePid('.x.json.0.abcdefabcdef.tmp')).toBeUndefined();
  });

  test('this process and init are alive', async () => {
    expect(processMayBeAlive(process.pid)).toBe(true);
    expect(processMayBeAlive(1)).toBe(true);
  });
});

describe('removeStaleTempFiles', () => {
  const dead = 2 ** 22 + 12345; // above pid_max on this machine: no such process
  const put = (name: string, agedMs: number): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, 'partial');
    age(p, agedMs);
    return p;
  };

  test('removes only temp files of dead processes that are old enough', async () => {
    expect(processMayBeAlive(dead)).toBe(false);
    put(`.a.json.${dead}.aaaaaaaaaaaa.tmp`, STALE_TEMP_AGE_MS + 60_000); // dead and old: removed
    put(`.b.json.${dead}.bbbbbbbbbbbb.tmp`, 1000); // dead but recent (another host's pid?): kept
    put(`.c.json.${process.pid}.cccccccccccc.tmp`, 3_600_000); // alive: kept, however old
    put('d.json', 3_600_000); // not a temp file
    put(`.e.json.${dead}.eeeeeeeeeeee.tmp.bak`, 3_600_000); // not a temp name
    fs.mkdirSync(path.join(dir, `.f.json.${dead}.ffffffffffff.tmp`)); // a folder is never removed
    expect(await removeStaleTempFiles(dir)).toEqual([`.a.json.${dead}.aaaaaaaaaaaa.tmp`]);
    expect(fs.readdirSync(dir).sort()).toEqual([
      `.b.json.${dead}.bbbbbbbbbbbb.tmp`,
      `.c.json.${process.pid}.cccccccccccc.tmp`,
      `.e.json.${dead}.eeeeeeeeeeee.tmp.bak`,
      `.f.json.${dead}.ffffffffffff.tmp`,
      'd.json',
    ]);
  });

  test('a missing folder is nothing to do', async () => {
    await expect(removeStaleTempFiles(path.join(dir, 'none'))).resolves.toEqual([]);
  });
});

describe('a writer killed mid-write (SIGKILL, a real child process)', () => {
  let harness: ChildHarness;
  let work: string;
  beforeAll(() => {
    work = tempDir('gmsa-stale-harness-');
    harness = new ChildHarness(work);
  });
  afterAll(() => removeDir(work));

  test('leaves a temp file that is removed once its process is dead and it is old, never earlier', async () => {
    const target = path.join(dir, 'contoso_big.json');
    const { pid, left } = await harness.killMidWrite(target);
    expect(processMayBeAlive(pid)).toBe(false);
    // Just killed: too recent to be sure (on a shared folder the pid could be another machine's).
    expect(await removeStaleTempFiles(dir)).toEqual([]);
    expect(temps(dir)).toEqual(expect.arrayContaining(left));
    for (const n of left) age(path.join(dir, n), STALE_TEMP_AGE_MS + 1000);
    expect((await removeStaleTempFiles(dir)).sort()).toEqual(left);
    expect(temps(dir)).toEqual([]);
    // The target is either absent or one whole version, never a part.
    if (fs.existsSync(target)) expect(fs.statSync(target).size).toBe(16 * 1024 * 1024);
  }, 60_000);
});
