/**
 * Writing a file so that readers see either the old content or the new content, never a torn mix, and
 * so that "do not overwrite" holds even when two writers race.
 *
 * The data goes to a temporary file in the target's directory (same volume, so the final step is a
 * rename or a link, not a copy), is flushed to disk, and then:
 *  - overwrite (default): renamed over the target (atomic replace on NTFS and POSIX file systems);
 *  - no overwrite: hard-linked to the target name. Creating a link fails with EEXIST when the name is
 *    taken, so of two racing writers exactly one wins and the other gets ConflictError. On file systems
 *    without hard links the target name is claimed with an exclusive create and the temporary file is
 *    then renamed over that placeholder.
 * The temporary file is always removed, on success and on failure. Its name starts with '.', contains the
 * target's name and the writer's process id and ends in '.tmp', so it is recognisable and never matches
 * `*.json`. A writer that is killed leaves its temporary file behind; removeStaleTempFiles clears those of
 * dead processes (see there for the rule).
 * Finally the directory is flushed (POSIX) so that the new name survives a crash. A caller writing many
 * files into one directory may pass `syncDirectory: false` and call syncDirectory(dir) once when they are
 * all in place; until then the new names are not guaranteed to survive a crash.
 *
 * The function is asynchronous: when its promise resolves, the file is in place (and flushed). Several
 * calls may run at once, which lets the file system merge their flushes (ext4 commits concurrent fsyncs
 * together). It uses the callback functions of `fs`, looked up on the module at each call (so tests can
 * replace them with jest.spyOn(fs, 'fsync') and the like).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ConflictError, fsError } from '../errors';

export interface WriteFileAtomicOptions {
  /** Replace an existing target (default true). When false an existing target gives ConflictError. */
  overwrite?: boolean;
  /** Permission bits for a newly created file (POSIX; default 0o644 before the umask). */
  mode?: number;
  /**
   * Flush the target's directory after placing the file (default true). Pass false when writing a batch
   * into one directory, and call syncDirectory(dir) once after the last file.
   */
  syncDirectory?: boolean;
}

/** The file writeFileAtomic put in place (its identity, to tell it from a file another writer put there later). */
export interface WrittenFile {
  dev: number;
  ino: number;
}

/** The temporary file name used for `target` (exported for tests and for cleaning up after crashes). */
export function tempNameFor(target: string): string {
  // Keep the temp name within the 255-character limit for one path component, whatever the target's length.
  const base = Array.from(path.basename(target)).slice(0, 200).join('');
  return path.join(path.dirname(target), `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** True for a name writeFileAtomic uses for its temporary files. */
export function isTempName(fileName: string): boolean {
  return TEMP_NAME.test(fileName);
}

/** The process id in a temporary file's name, or undefined when it is not one of ours. */
export function tempNamePid(fileName: string): number | undefined {
  const m = TEMP_NAME.exec(fileName);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** How old a dead process's temporary file must be before it is removed (see removeStaleTempFiles). */
export const STALE_TEMP_AGE_MS = 5 * 60 * 1000;

/** True unless this machine knows that no process `pid` runs (kill(pid, 0) answers ESRCH). */
export function processMayBeAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return codeOf(err) !== 'ESRCH'; // EPERM: it runs, as someone else
  }
}

export interface StaleTempOptions {
  /** The folder's entries, when the caller has just listed it (saves a second listing). */
  names?: readonly string[];
  /** Minimum age by modification time (default STALE_TEMP_AGE_MS). */
  minAgeMs?: number;
  now?: number;
  isAlive?: (pid: number) => boolean;
}

/**
 * Removes the temporary files that killed writers left in `dir`, and returns their names. A file is
 * removed only when both hold:
 *  - the process id in its name does not run on this machine (a live one may still be writing it);
 *  - it was last modified at least `minAgeMs` ago (default 5 minutes).
 * The age rule covers folders shared with other machines or containers, whose process ids mean nothing
 * here: a writer keeps a temporary file for the time one write and one flush take (milliseconds), and its
 * modification time moves with every write, so a file untouched for minutes belongs to no running write.
 * Should a stalled writer's file be removed all the same, its rename or link fails and that write fails
 * cleanly: the target never holds part of a file. Best effort: never throws.
 */
export async function removeStaleTempFiles(dir: string, opts?: StaleTempOptions): Promise<string[]> {
  let names: readonly string[];
  if (opts?.names !== undefined) names = opts.names;
  else {
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      return [];
    }
  }
  const minAge = opts?.minAgeMs ?? STALE_TEMP_AGE_MS;
  const now = opts?.now ?? Date.now();
  const isAlive = opts?.isAlive ?? processMayBeAlive;
  const removed: string[] = [];
  const candidates = names.filter((n) => {
    const pid = tempNamePid(n);
    return pid !== undefined && !isAlive(pid);
  });
  for (const name of candidates) {
    const p = path.join(dir, name);
    try {
      const st = await fs.promises.lstat(p);
      if (!st.isFile() || now - st.mtimeMs < minAge) continue;
      await fs.promises.unlink(p);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/** Errors from link() meaning "this file system cannot do hard links", as opposed to a real failure. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EINVAL']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CallbackFunction = (...args: any[]) => void;

/**
 * Calls a callback-style fs function and resolves with its first result. Callers pass `fs.fsync` and the
 * like, read from the module at the moment of the call, so a function replaced by a test is the one used.
 */
function call<T = void>(fn: CallbackFunction, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn(...args, (err: NodeJS.ErrnoException | null, result: T) => (err ? reject(err) : resolve(result)));
  });
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function conflict(target: string): ConflictError {
  return new ConflictError(`${target} already exists`, 'Choose another name or allow overwriting.');
}

async function removeQuietly(p: string): Promise<void> {
  try {
    await call(fs.unlink, p);
  } catch {
    // Already gone or impossible to remove; nothing more to do.
  }
}

async function closeQuietly(fd: number): Promise<void> {
  try {
    await call(fs.close, fd);
  } catch {
    // The error that got us here matters more.
  }
}

/**
 * Flushes a directory's entries on POSIX so that renames and links into it survive a crash. Best effort:
 * never throws (not every file system allows fsync on a directory; Windows cannot open directories).
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fd: number;
  try {
    fd = await call<number>(fs.open, dir, 'r');
  } catch {
    return;
  }
  try {
    await call(fs.fsync, fd);
  } catch {
    // Not all file systems allow fsync on a directory.
  } finally {
    await closeQuietly(fd);
  }
}

/** Writes all of `data` at the start of the (new, empty) file `fd`, looping over short writes. */
async function writeAll(fd: number, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const written = await call<number>(fs.write, fd, data, offset, data.length - offset, offset);
    if (written <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
}

/** Link fallback: claim the name exclusively, then move the finished temp file over the claim. */
async function placeExclusive(tmp: string, target: string): Promise<void> {
  let fd: number;
  try {
    fd = await call<number>(fs.open, target, 'wx');
  } catch (err) {
    if (codeOf(err) === 'EEXIST') throw conflict(target);
    throw err;
  }
  let claimed: fs.Stats;
  try {
    claimed = await call<fs.Stats>(fs.fstat, fd);
  } catch (err) {
    await closeQuietly(fd);
    throw err;
  }
  await call(fs.close, fd);
  try {
    await call(fs.rename, tmp, target);
  } catch (err) {
    // Remove the empty placeholder, but only if it is still the one this call created.
    try {
      const now = await call<fs.Stats>(fs.stat, target);
      if (now.ino === claimed.ino && now.dev === claimed.dev && now.size === 0) await call(fs.unlink, target);
    } catch {
      // Nothing to clean up.
    }
    throw err;
  }
}

/**
 * Writes `data` to `target` atomically (see the module comment). Rejects with ConflictError when
 * `overwrite` is false and the target exists; other failures become the errors fsError maps them to.
 */
export async function writeFileAtomic(target: string, data: string | Buffer, opts?: WriteFileAtomicOptions): Promise<WrittenFile> {
  const overwrite = opts?.overwrite ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempNameFor(target);
  /** The temp file exists under its own name (created by this call and not yet renamed away). */
  let tmpExists = false;
  try {
    const fd = await call<number>(fs.open, tmp, 'wx', opts?.mode ?? 0o644);
    tmpExists = true;
    let st: fs.Stats;
    try {
      await writeAll(fd, bytes);
      await call(fs.fsync, fd);
      st = await call<fs.Stats>(fs.fstat, fd);
    } catch (err) {
      await closeQuietly(fd);
      throw err;
    }
    await call(fs.close, fd);
    if (overwrite) {
      await call(fs.rename, tmp, target);
      tmpExists = false;
    } else {
      try {
        await call(fs.link, tmp, target);
      } catch (err) {
        const code = codeOf(err);
        if (code === 'EEXIST') throw conflict(target);
        if (code === undefined || !LINK_UNSUPPORTED.has(code)) throw err;
        await placeExclusive(tmp, target);
        tmpExists = false;
      }
    }
    if (opts?.syncDirectory ?? true) await syncDirectory(path.dirname(target));
    return { dev: st.dev, ino: st.ino };
  } catch (err) {
    throw fsError(err, 'write', target);
  } finally {
    if (tmpExists) await removeQuietly(tmp);
  }
}
