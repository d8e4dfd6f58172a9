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
 * target's name and ends in '.tmp', so it is recognisable and never matches `*.json`.
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

/** The temporary file name used for `target` (exported for tests and for cleaning up after crashes). */
export function tempNameFor(target: string): string {
  // Keep the temp name within the 255-character limit for one path component, whatever the target's length.
  const base = Array.from(path.basename(target)).slice(0, 200).join('');
  return path.join(path.dirname(target), `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** True for a name writeFileAtomic uses for its temporary files. */
export function isTempName(fileName: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(fileName);
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
export async function writeFileAtomic(target: string, data: string | Buffer, opts?: WriteFileAtomicOptions): Promise<void> {
  const overwrite = opts?.overwrite ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempNameFor(target);
  /** The temp file exists under its own name (created by this call and not yet renamed away). */
  let tmpExists = false;
  try {
    const fd = await call<number>(fs.open, tmp, 'wx', opts?.mode ?? 0o644);
    tmpExists = true;
    try {
      await writeAll(fd, bytes);
      await call(fs.fsync, fd);
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
  } catch (err) {
    throw fsError(err, 'write', target);
  } finally {
    if (tmpExists) await removeQuietly(tmp);
  }
}
