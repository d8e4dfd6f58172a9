/**
 * File system steps that cannot hang or grow without bound, whatever path a user gives:
 *  - readBoundedFile reads a regular file of at most `maxBytes`: folders, FIFOs, devices and sockets are
 *    refused before anything is read (a FIFO is opened with O_NONBLOCK so opening never waits for a
 *    writer), never more than maxBytes + 1 bytes are read (a /proc file that says it is empty included),
 *    and with `within` a symbolic link that leads out of that folder is refused instead of followed;
 *  - makeDirectory creates a folder and its missing parents one level at a time (Node's recursive mkdir
 *    loops forever under /proc);
 *  - specialFileSystem says when a folder is on /proc, /sys, /dev or a kernel file system like them,
 *    where no Docker root or plugin folder can be.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidInputError } from '../errors';

export interface BoundedReadOptions {
  /** The largest accepted size; a file with more bytes is refused with InvalidInputError. */
  maxBytes: number;
  /** Refuse (do not follow) a path that resolves, through links, to something outside this folder. */
  within?: string;
  /** The hint of the "too large" refusal. */
  tooLargeHint?: string;
}

/** A file refused before or while reading it; `reason` is the short form (for listings). */
export class FileRefusedError extends InvalidInputError {
  constructor(message: string, hint: string, readonly reason: string) {
    super(message, hint);
  }
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** "1 MiB", "64 KiB", "100 bytes". */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** What a non-regular file is, in words. */
export function describeKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** True when `child` is `parent` or inside it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function notRegular(p: string, st: fs.Stats): FileRefusedError {
  const kind = describeKind(st);
  return new FileRefusedError(
    `${p} is ${kind}, not a regular file; nothing was read from it`,
    st.isDirectory() ? 'Name a file, not a folder.' : 'Name an ordinary file (or - for standard input).',
    `${kind}, not a regular file`,
  );
}

export function tooLarge(what: string, maxBytes: number, size: number | undefined, hint?: string): FileRefusedError {
  const how = size === undefined ? `more than ${formatSize(maxBytes)}` : `${size} bytes, more than ${formatSize(maxBytes)}`;
  return new FileRefusedError(`${what} is too large (${how}); nothing beyond that was read`, hint ?? 'Check that this is the right file.', `file too large (${how})`);
}

/**
 * Reads a whole regular file of at most `maxBytes` (see the module comment). Errors of the file system
 * (ENOENT, EACCES...) are thrown as they are, for the caller to map; refusals are InvalidInputError.
 */
export async function readBoundedFile(p: string, opts: BoundedReadOptions): Promise<Buffer> {
  // A file replaced by a rename between the check and the open (another writer installing a new version,
  // as writeFileAtomic does) is checked and opened again: what was checked is always what is read, and a
  // path that keeps changing is refused after a few looks.
  for (let look = 1; ; look++) {
    const read = await readBoundedOnce(p, opts);
    if (read !== CHANGED) return read;
    if (look >= OPEN_LOOKS) {
      throw new FileRefusedError(
        `${p} changed while it was being opened (${OPEN_LOOKS} times); nothing was read from it`,
        'Try again once nothing else is changing the file.',
        'changed while being opened',
      );
    }
  }
}

/** How many times readBoundedFile looks at a path that is replaced while it is being opened. */
const OPEN_LOOKS = 5;

const CHANGED = Symbol('changed while being opened');

async function readBoundedOnce(p: string, opts: BoundedReadOptions): Promise<Buffer | typeof CHANGED> {
  let real = p;
  let known: fs.Stats | undefined;
  if (opts.within !== undefined) {
    const link = await fs.promises.lstat(p);
    if (!link.isSymbolicLink()) known = link;
    else {
      real = await fs.promises.realpath(p);
      let base: string;
      try {
        base = await fs.promises.realpath(opts.within);
      } catch {
        base = path.resolve(opts.within);
      }
      if (!isInside(base, real)) {
        throw new FileRefusedError(
          `${p} is a link to ${real}, outside ${opts.within}; it was not followed`,
          `Keep the file itself in ${opts.within}, or remove the link.`,
          `a link to ${real}, outside the folder, not followed`,
        );
      }
    }
  }
  const st = known ?? (await fs.promises.stat(real));
  if (!st.isFile()) throw notRegular(p, st);
  if (st.size > opts.maxBytes) throw tooLarge(p, opts.maxBytes, st.size, opts.tooLargeHint);

  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (opts.within !== undefined ? (fs.constants.O_NOFOLLOW ?? 0) : 0);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(real, flags);
  } catch (err) {
    // O_NOFOLLOW met a link where the check saw a file: it was swapped in since, so look again.
    if (codeOf(err) === 'ELOOP' && opts.within !== undefined) return CHANGED;
    throw err;
  }
  try {
    const now = await fh.stat();
    // The path may have been swapped between the stat and the open: check what was really opened.
    if (!now.isFile()) throw notRegular(p, now);
    if (now.dev !== st.dev || now.ino !== st.ino) return CHANGED;
    let buf = Buffer.alloc(Math.min(opts.maxBytes + 1, Math.max(now.size + 1, 4096)));
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        if (buf.length > opts.maxBytes) break;
        const bigger = Buffer.alloc(Math.min(opts.maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, used);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
    }
    if (used > opts.maxBytes) throw tooLarge(p, opts.maxBytes, undefined, opts.tooLargeHint);
    return buf.subarray(0, used);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Reads at most `maxBytes + 1` bytes from a stream (standard input) and stops there, so an endless
 * stream costs no more than that. The caller refuses a result longer than maxBytes.
 */
export async function readBoundedStream(stream: AsyncIterable<unknown>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(b);
    total += b.length;
    if (total > maxBytes) break; // leaving the loop stops reading (the stream is destroyed)
  }
  const all = Buffer.concat(chunks);
  return all.length > maxBytes + 1 ? all.subarray(0, maxBytes + 1) : all;
}

/**
 * Creates `dir` and any missing parents, one level at a time, so that a file system that answers
 * ENOENT for a folder that exists (/proc) gives an error instead of a loop. Errors are thrown as the
 * file system gives them (EEXIST for a file in the way becomes ENOTDIR).
 */
export async function makeDirectory(dir: string): Promise<void> {
  const tryMake = async (d: string): Promise<'made' | 'missing-parent'> => {
    try {
      await fs.promises.mkdir(d);
      return 'made';
    } catch (err) {
      if (codeOf(err) === 'EEXIST') {
        const st = await fs.promises.stat(d);
        if (st.isDirectory()) return 'made';
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR', path: d });
      }
      if (codeOf(err) === 'ENOENT') return 'missing-parent';
      throw err;
    }
  };
  const resolved = path.resolve(dir);
  if ((await tryMake(resolved)) === 'made') return;
  const parent = path.dirname(resolved);
  if (parent === resolved) throw Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${resolved}'`), { code: 'ENOENT', path: resolved });
  await makeDirectory(parent);
  // One more try only: a parent that exists and still gives ENOENT is a special file system.
  await fs.promises.mkdir(resolved).catch(async (err: unknown) => {
    if (codeOf(err) === 'EEXIST' && (await fs.promises.stat(resolved)).isDirectory()) return;
    throw err;
  });
}

/** Kernel file systems (statfs f_type) that hold no ordinary folders. */
const SPECIAL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x65735543, 'fusectl'],
]);

/** Trees that are never a Docker root or a plugin folder, whatever file system they are on. */
const SPECIAL_TREES = ['/proc', '/sys', '/dev'];

/**
 * Why `p` (an existing folder, or the nearest existing folder above it) is on a special file system, or
 * undefined for an ordinary one. Never throws; on Windows nothing is special.
 */
export async function specialFileSystem(p: string, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform === 'win32') return undefined;
  let at = path.resolve(p);
  let real: string | undefined;
  for (let i = 0; i < 256 && real === undefined; i++) {
    try {
      real = await fs.promises.realpath(at);
    } catch {
      const up = path.dirname(at);
      if (up === at) return undefined;
      at = up;
    }
  }
  if (real === undefined) return undefined;
  const tree = SPECIAL_TREES.find((t) => real === t || real.startsWith(`${t}/`));
  if (tree !== undefined) return `${tree} (a kernel file system, not a place for files)`;
  try {
    const s = await fs.promises.statfs(real);
    const name = SPECIAL_FS.get(Number(s.type));
    if (name !== undefined) return `a ${name} file system (a kernel file system, not a place for files)`;
  } catch {
    // statfs is not available everywhere; the path check above is the main rule.
  }
  return undefined;
}
