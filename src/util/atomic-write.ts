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
 *
 * The function is synchronous (spec files are tiny): when it returns, the file is in place; callers may
 * still `await` it.
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

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function conflict(target: string): ConflictError {
  return new ConflictError(`${target} already exists`, 'Choose another name or allow overwriting.');
}

function removeQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // Already gone (renamed) or impossible to remove; nothing more to do.
  }
}

/** Flushes the directory entry on POSIX so that a rename survives a crash. Best effort; Windows cannot open directories. */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not all file systems allow fsync on a directory.
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // ignore
      }
    }
  }
}

function writeTemp(tmp: string, data: string | Buffer, mode: number): void {
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Link fallback: claim the name exclusively, then move the finished temp file over the claim. */
function placeExclusive(tmp: string, target: string): void {
  let fd: number;
  try {
    fd = fs.openSync(target, 'wx');
  } catch (err) {
    if (codeOf(err) === 'EEXIST') throw conflict(target);
    throw err;
  }
  let claimed: fs.Stats;
  try {
    claimed = fs.fstatSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    // Remove the empty placeholder, but only if it is still the one this call created.
    try {
      const now = fs.statSync(target);
      if (now.ino === claimed.ino && now.dev === claimed.dev && now.size === 0) fs.unlinkSync(target);
    } catch {
      // Nothing to clean up.
    }
    throw err;
  }
}

/**
 * Writes `data` to `target` atomically (see the module comment). Throws ConflictError when `overwrite` is
 * false and the target exists; other failures become the errors fsError maps them to.
 */
export function writeFileAtomic(target: string, data: string | Buffer, opts?: WriteFileAtomicOptions): void {
  const overwrite = opts?.overwrite ?? true;
  const tmp = tempNameFor(target);
  try {
    writeTemp(tmp, data, opts?.mode ?? 0o644);
    if (overwrite) {
      fs.renameSync(tmp, target);
    } else {
      try {
        fs.linkSync(tmp, target);
      } catch (err) {
        const code = codeOf(err);
        if (code === 'EEXIST') throw conflict(target);
        if (code === undefined || !LINK_UNSUPPORTED.has(code)) throw err;
        placeExclusive(tmp, target);
      }
    }
    syncDirectory(path.dirname(target));
  } catch (err) {
    throw fsError(err, 'write', target);
  } finally {
    removeQuietly(tmp);
  }
}
