/**
 * The CredentialSpecs folder (`<DockerRootDir>/CredentialSpecs`) as a store of named specs: list them
 * with their validation status, read, install (validated, atomic, no silent overwrite), remove, and find
 * the spec for an account. Every name goes through checkSpecName before the file system is touched, and
 * names are compared as Windows compares them (without case) in every operation. Files are read only
 * through readSpecFile (bounded; a link leading out of the store is not followed). Listing and writing
 * clear the temporary files that killed writers left behind (removeStaleTempFiles).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConflictError, GmsaError, InvalidInputError, NotFoundError, fsError } from '../errors';
import { removeStaleTempFiles, syncDirectory, writeFileAtomic, type WrittenFile } from '../util/atomic-write';
import { FileRefusedError, makeDirectory, specialFileSystem } from '../util/safe-fs';
import { CredentialSpec, splitAccountName } from './model';
import { checkSpecName, defaultSpecFileName } from './naming';
import { readSpecFile } from './source';
import { Finding, SpecValidationError, hasErrors, validateSpecBytes } from './validate';
import { editDistance } from '../util/text';

export interface StoreEntry {
  /** File name, e.g. contoso_webapp01.json. */
  name: string;
  /** Full path of the file. */
  path: string;
  /** DomainJoinConfig.MachineAccountName, when the file has one. */
  account?: string;
  /** DomainJoinConfig.DnsName, when the file has one. */
  domain?: string;
  /** DomainJoinConfig.NetBiosName, when the file has one. */
  netbios?: string;
  /** No error findings (warnings allowed). */
  valid: boolean;
  errors: number;
  warnings: number;
  /** Why the file could not be read or used, when that is the case (not set for ordinary findings). */
  problem?: string;
}

export interface ReadSpecResult {
  name: string;
  path: string;
  bytes: Buffer;
  /** The typed spec when it has no error findings. */
  spec?: CredentialSpec;
  /** The parsed document whenever the file is valid JSON. */
  value?: unknown;
  findings: Finding[];
  encoding?: string;
}

export interface InstallResult {
  path: string;
  /** An existing file was replaced (only with force). */
  replaced: boolean;
  /** The file already held exactly these bytes; nothing was written. */
  unchanged: boolean;
  /** Warnings found while validating (errors make install throw instead). */
  findings: Finding[];
}

/**
 * Which spec of the store is the one for an account (chooseForAccount): none; one (with the other files
 * that also name the account, when the chosen one won by its name); or several with no way to choose.
 */
export type AccountChoice =
  | { kind: 'none' }
  | { kind: 'one'; entry: StoreEntry; others: StoreEntry[] }
  | { kind: 'ambiguous'; candidates: StoreEntry[] };

export interface StoreOptions {
  /**
   * The Docker root the user named (--root): it must exist and be an ordinary folder, checked before the
   * first operation. The CredentialSpecs folder inside it may be missing (reads see an empty store,
   * writes create it).
   */
  root?: string;
}

export interface InstallItem {
  /** Spec name (checked with checkSpecName; .json is added when missing). */
  name: string;
  /** The spec's bytes as they will be stored; a string is stored as UTF-8. */
  bytes: Buffer | string;
}

export interface InstallManyOptions {
  /** Replace existing files with other content (default false: ConflictError). */
  force?: boolean;
  /** How many files are read or written at once (default 32). */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 32;

/** One item of installMany on its way to the disk. */
interface Planned {
  /** The name as checked by checkSpecName. */
  fileName: string;
  /** fileName as Windows compares it (nameKey). */
  key: string;
  data: Buffer;
  findings: Finding[];
  /** The file name written: fileName, or the existing file's name when it differs only in case. */
  target: string;
  /** The existing file's bytes, when there is one (or why it cannot be compared: see readExisting). */
  existing: Buffer | string | undefined;
}

/**
 * A file name as Windows compares names: each character upper-cased with a one-to-one mapping (what the
 * NTFS upcase table does), so that Contoso_X.json and contoso_x.json give the same key. Characters whose
 * upper case is several characters (ß -> SS) are kept as they are, as NTFS does.
 */
export function nameKey(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(name)) return name.toUpperCase();
  let out = '';
  for (const ch of name) {
    const up = ch.toUpperCase();
    out += up.length === ch.length ? up : ch;
  }
  return out;
}

/** Up to ten names, then how many more. */
function listSome(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/**
 * Runs `fn` on every item, at most `limit` at once. After the first failure no new item is started; the
 * running ones are waited for, then the first failure is thrown.
 */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed.err;
}

function isJsonFile(name: string): boolean {
  return /\.json$/i.test(name);
}

function byName(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entries grouped by nameKey. */
function groupByKey(names: readonly string[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const n of names) {
    const k = nameKey(n);
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [n]);
    else list.push(n);
  }
  return byKey;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How often a write that met a case variant written at the same moment steps back and tries again. */
const CASE_RACE_ROUNDS = 8;

function stringAt(value: unknown, ...keys: string[]): string | undefined {
  let v: unknown = value;
  for (const k of keys) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'string' ? v : undefined;
}

export class SpecStore {
  private rootCheck: Promise<void> | undefined;
  /**
   * What path.join(dir, NAME) puts before a checked NAME: a checked name is one plain component (no
   * separator, not . or ..), so joining it never changes the folder part, which is normalised once here
   * rather than for each of a batch's hundreds of names.
   */
  private readonly prefix: string;

  constructor(
    readonly dir: string,
    private readonly options: StoreOptions = {},
  ) {
    this.prefix = path.join(dir, '_').slice(0, -1);
  }

  /** The full path for a spec name (checked and normalised with checkSpecName). */
  pathFor(name: string): string {
    return this.fileIn(checkSpecName(name));
  }

  /** The full path of `fileName`: a name checkSpecName returned, or one from a listing of the folder. */
  private fileIn(fileName: string): string {
    return this.prefix + fileName;
  }

  /**
   * The --root folder, checked once: it must exist (NotFoundError naming it), be a folder, and not be on a
   * special file system (/proc, /sys, /dev), where creating folders or files can hang or mean nothing.
   * Every operation calls it first; a dry run calls it alone.
   */
  checkRoot(): Promise<void> {
    const root = this.options.root;
    if (root === undefined) return Promise.resolve();
    this.rootCheck ??= (async () => {
      let st: fs.Stats;
      try {
        st = await fs.promises.stat(root);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new NotFoundError(
            `the Docker root ${root} does not exist`,
            'Check the path: --root names an existing Docker root folder (the one that holds CredentialSpecs), e.g. --root /mnt/docker or --root C:\\ProgramData\\docker.',
          );
        }
        throw fsError(err, 'open the Docker root', root);
      }
      if (!st.isDirectory()) {
        throw new InvalidInputError(`the Docker root ${root} is not a folder`, 'Point --root at the Docker root folder (the one that holds CredentialSpecs).');
      }
      const special = await specialFileSystem(root);
      if (special !== undefined) {
        throw new InvalidInputError(
          `the Docker root ${root} is on ${special}`,
          'Point --root at the Docker root folder on an ordinary disk or share (the one that holds CredentialSpecs).',
        );
      }
    })();
    return this.rootCheck;
  }

  /** The folder's entries; undefined when it does not exist. */
  private async entries(): Promise<fs.Dirent[] | undefined> {
    await this.checkRoot();
    try {
      return await fs.promises.readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(err, 'list', this.dir);
    }
  }

  /** Names of the `*.json` files (and links) among `dirents` (any case of the extension), sorted. */
  private static jsonNames(dirents: readonly fs.Dirent[]): string[] {
    return dirents
      .filter((d) => isJsonFile(d.name) && (d.isFile() || d.isSymbolicLink()))
      .map((d) => d.name)
      .sort(byName);
  }

  /** Names of the `*.json` files in the folder, sorted; [] when the folder does not exist. */
  private async jsonFileNames(): Promise<string[]> {
    return SpecStore.jsonNames((await this.entries()) ?? []);
  }

  /** Reads a file of the store (bounded, regular files only, no link out of the store). */
  private readInside(p: string): Promise<Buffer> {
    return readSpecFile(p, this.dir);
  }

  private async entryFor(name: string, read?: Map<string, Buffer>): Promise<StoreEntry> {
    const p = this.fileIn(name);
    const unusable = (problem: string): StoreEntry => ({ name, path: p, valid: false, errors: 1, warnings: 0, problem });
    let bytes: Buffer;
    try {
      bytes = await this.readInside(p);
      read?.set(name, bytes);
    } catch (err) {
      if (err instanceof FileRefusedError) return unusable(err.reason);
      const code = (err as NodeJS.ErrnoException).code;
      return unusable(`cannot read: ${code ?? String(err)}`);
    }
    const r = validateSpecBytes(bytes);
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    const entry: StoreEntry = { name, path: p, valid: errors === 0, errors, warnings: r.findings.length - errors };
    const account = stringAt(r.value, 'DomainJoinConfig', 'MachineAccountName');
    const domain = stringAt(r.value, 'DomainJoinConfig', 'DnsName');
    const netbios = stringAt(r.value, 'DomainJoinConfig', 'NetBiosName');
    if (account !== undefined) entry.account = account;
    if (domain !== undefined) entry.domain = domain;
    if (netbios !== undefined) entry.netbios = netbios;
    try {
      checkSpecName(name);
    } catch (err) {
      entry.valid = false;
      entry.errors += 1;
      entry.problem = `the file name cannot be used: ${(err as Error).message}`;
    }
    return entry;
  }

  /**
   * Every `*.json` file in the folder, read and validated, sorted by name. Bad content never throws.
   * Files whose names differ only in case are each marked invalid (Windows sees one file, not both). The
   * temporary files of writers that died are removed on the way (never listed: they do not end in .json).
   */
  async list(): Promise<StoreEntry[]> {
    return (await this.listWithBytes()).entries;
  }

  /**
   * list(), with the bytes it read of each file it could read (by file name): a caller that picks a spec
   * from the listing (an account's lookup) need not read the file again.
   */
  async listWithBytes(): Promise<{ entries: StoreEntry[]; bytes: Map<string, Buffer> }> {
    const bytes = new Map<string, Buffer>();
    const dirents = await this.entries();
    if (dirents === undefined) return { entries: [], bytes };
    const cleanup = removeStaleTempFiles(this.dir, { names: dirents.map((d) => d.name) });
    const names = SpecStore.jsonNames(dirents);
    const entries: StoreEntry[] = new Array<StoreEntry>(names.length);
    await forEachLimited(
      names.map((n, i) => ({ n, i })),
      DEFAULT_CONCURRENCY,
      async ({ n, i }) => {
        entries[i] = await this.entryFor(n, bytes);
      },
    );
    for (const group of groupByKey(names).values()) {
      if (group.length < 2) continue;
      for (const e of entries) {
        if (!group.includes(e.name)) continue;
        const others = group.filter((n) => n !== e.name);
        e.valid = false;
        e.errors += 1;
        e.problem ??= `its name differs only in case from ${others.join(', ')}: Windows sees one file; remove all but one`;
      }
    }
    await cleanup;
    return { entries, bytes };
  }

  private async notFound(fileName: string): Promise<NotFoundError> {
    let names: string[] = [];
    try {
      names = await this.jsonFileNames();
    } catch {
      // The hint is best effort.
    }
    const wanted = fileName.toLowerCase().replace(/\.json$/, '');
    const similar = names
      .map((n) => ({ n, stem: n.toLowerCase().replace(/\.json$/, '') }))
      .filter(({ stem }) => stem.includes(wanted) || wanted.includes(stem) || editDistance(stem, wanted) <= Math.max(2, Math.floor(wanted.length / 4)))
      .map(({ n }) => n)
      .slice(0, 5);
    const hint =
      similar.length > 0
        ? `Did you mean ${similar.join(', ')}? Run docker gmsa spec ls to see every spec.`
        : 'Run docker gmsa spec ls to see the installed specs.';
    return new NotFoundError(`credential spec ${fileName} not found in ${this.dir}`, hint);
  }

  /**
   * The file a spec name refers to, as Windows finds it: the exact name when it exists, else the one file
   * whose name differs only in case. NotFoundError when there is none, ConflictError when several files
   * differ only in case and none has exactly this name.
   */
  private async resolve(name: string): Promise<string> {
    const fileName = checkSpecName(name);
    const present = (await this.entries())?.map((d) => d.name) ?? [];
    if (present.includes(fileName)) return fileName;
    const variants = present.filter((n) => nameKey(n) === nameKey(fileName)).sort(byName);
    if (variants.length === 1) return variants[0] as string;
    if (variants.length === 0) throw await this.notFound(fileName);
    throw new ConflictError(
      `credential spec ${fileName} matches several files in ${this.dir} that differ only in case (${variants.join(', ')})`,
      'Windows cannot tell these files apart: remove all but one of them (docker gmsa spec rm takes the exact name).',
    );
  }

  /**
   * Reads and validates one spec, found without regard to case. NotFoundError (with similar names in the
   * hint) when it does not exist; a link out of the store, a FIFO, a device or a file over 1 MiB is refused.
   */
  async read(name: string): Promise<ReadSpecResult> {
    const fileName = await this.resolve(name);
    const p = this.fileIn(fileName);
    let bytes: Buffer;
    try {
      bytes = await this.readInside(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw await this.notFound(fileName);
      throw fsError(err, 'read', p);
    }
    const r = validateSpecBytes(bytes);
    const out: ReadSpecResult = { name: fileName, path: p, bytes, findings: r.findings };
    if (r.spec !== undefined) out.spec = r.spec;
    if (r.value !== undefined) out.value = r.value;
    if (r.encoding !== undefined) out.encoding = r.encoding;
    return out;
  }

  /**
   * Validates `bytes` and stores them as `name`. Throws SpecValidationError (a SpecInvalidError carrying
   * the findings) when there is any error finding, ConflictError when the file exists with other content
   * and `force` is not set. Writing the same bytes again is a no-op (`unchanged: true`). An existing file
   * whose name differs only in case is the same spec (see installMany).
   */
  async install(name: string, bytes: Buffer | string, opts?: { force?: boolean }): Promise<InstallResult> {
    const [result] = await this.installMany([{ name, bytes }], { force: opts?.force === true });
    if (result === undefined) throw new Error('installMany returned no result for one item');
    return result;
  }

  /**
   * Installs several specs into the folder; the results are in the order of `items`. Each item gets the
   * same treatment and result as install, and the batch is all-or-nothing for everything that can be known
   * before writing:
   *  - every name is checked (checkSpecName) and every spec validated first; a refused name, a spec with an
   *    error finding, or two items with the same name (compared as Windows does, ignoring case) throws
   *    before any file is touched, naming the item;
   *  - the folder is created and listed once, and only the files that already exist are read. Identical
   *    bytes give `unchanged: true`; different bytes without `force` are a conflict, and every conflict is
   *    found before anything is written: the batch then throws one ConflictError naming them all and
   *    writes nothing. With `force` they are replaced (`replaced: true`).
   * Names are compared without regard to case because Windows file names are case-insensitive:
   * `Contoso_X.json` and an existing `contoso_x.json` are the same spec, and the existing file is the one
   * read, compared and replaced; it keeps its name, which is the `path` returned. When several existing
   * files differ only in case (possible on Linux) and none has exactly the requested name, the item is a
   * ConflictError, even with `force`.
   *
   * The files are written `concurrency` at a time (default 32) with writeFileAtomic, and the folder is
   * flushed once at the end. A failure while writing (a disk error, or another process creating one of the
   * names after the check) stops the batch: files already written stay in place (each one complete), the
   * rest are not written, and the first error is thrown. Running the same batch again is safe.
   */
  async installMany(items: readonly InstallItem[], opts?: InstallManyOptions): Promise<InstallResult[]> {
    const force = opts?.force === true;
    const limit = opts?.concurrency !== undefined && Number.isFinite(opts.concurrency) ? Math.max(1, Math.floor(opts.concurrency)) : DEFAULT_CONCURRENCY;
    const batch = items.length > 1;
    const noneInstalled = batch ? `; none of the ${items.length} specs were installed` : '';

    // 1. Names, duplicates and validation, before the file system is touched.
    const planned: Planned[] = [];
    const seen = new Map<string, { index: number; fileName: string }>();
    items.forEach((item, index) => {
      const fileName = checkSpecName(item.name);
      const key = nameKey(fileName);
      const other = seen.get(key);
      if (other !== undefined) {
        const which =
          other.fileName === fileName ? fileName : `${other.fileName} and ${fileName} (Windows file names ignore case, so they are one file)`;
        throw new InvalidInputError(
          `credential spec ${which} given twice in one batch (items ${other.index + 1} and ${index + 1})${noneInstalled}`,
          'Give each spec its own name.',
        );
      }
      seen.set(key, { index, fileName });
      const data = typeof item.bytes === 'string' ? Buffer.from(item.bytes, 'utf8') : item.bytes;
      const v = validateSpecBytes(data);
      if (hasErrors(v.findings)) {
        const n = v.findings.filter((f) => f.severity === 'error').length;
        throw new SpecValidationError(
          `credential spec ${fileName} was not installed: ${n} error${n === 1 ? '' : 's'} found${noneInstalled}`,
          v.findings,
          'Fix the errors listed above and try again (docker gmsa spec validate FILE checks a file).',
        );
      }
      planned.push({ fileName, key, data, findings: v.findings, target: fileName, existing: undefined });
    });
    if (planned.length === 0) return [];

    // 2. The folder, once, and which of the names exist in it.
    await this.checkRoot();
    try {
      await makeDirectory(this.dir);
    } catch (err) {
      throw fsError(err, 'create', this.dir);
    }
    let present: string[];
    try {
      present = await fs.promises.readdir(this.dir);
    } catch (err) {
      throw fsError(err, 'list', this.dir);
    }
    const cleanup = removeStaleTempFiles(this.dir, { names: present });
    const byKey = groupByKey(present);
    const ambiguous: string[] = [];
    for (const p of planned) {
      const variants = byKey.get(p.key);
      if (variants === undefined || variants.includes(p.fileName)) continue;
      if (variants.length === 1) p.target = variants[0] as string;
      else ambiguous.push(`${p.fileName} (${variants.sort(byName).join(', ')})`);
    }
    if (ambiguous.length > 0) {
      throw new ConflictError(
        `credential spec ${listSome(ambiguous)} matches several files in ${this.dir} that differ only in case${noneInstalled}`,
        'Windows cannot tell these files apart: remove all but one of them, then try again.',
      );
    }

    // 3. Read only the files that exist: identical ones are done, different ones are conflicts without force.
    const results: (InstallResult | undefined)[] = new Array<InstallResult | undefined>(planned.length);
    const pathOf = (p: Planned): string => this.fileIn(p.target);
    const toRead = planned.filter((p) => byKey.has(p.key));
    await forEachLimited(toRead, limit, async (p) => {
      p.existing = await this.readExisting(pathOf(p));
    });
    const conflicts: string[] = [];
    planned.forEach((p, i) => {
      if (p.existing === undefined) return;
      if (typeof p.existing !== 'string' && p.existing.equals(p.data)) results[i] = { path: pathOf(p), replaced: false, unchanged: true, findings: p.findings };
      else if (!force) {
        const why = typeof p.existing === 'string' ? p.existing : undefined;
        if (p.target === p.fileName) conflicts.push(why === undefined ? p.fileName : `${p.fileName} (${why})`);
        else conflicts.push(`${p.fileName} (as ${p.target}${why === undefined ? '' : `; ${why}`})`);
      }
    });
    if (conflicts.length > 0) {
      const one = conflicts.length === 1;
      throw new ConflictError(
        `credential spec${one ? '' : 's'} ${listSome(conflicts)} already exist${one ? 's' : ''} in ${this.dir}${noneInstalled}`,
        one ? 'Use --force to replace it, or choose another name.' : 'Use --force to replace them, or choose other names.',
      );
    }

    // 4. Write the rest, several at a time; then make sure no other process wrote a case variant of a new
    //    name at the same moment; flush the folder once.
    const toWrite = planned.map((p, i) => ({ p, i })).filter(({ i }) => results[i] === undefined);
    const fresh: Fresh[] = [];
    try {
      await forEachLimited(toWrite, limit, async ({ p, i }) => {
        const w = await this.writeOne(p, pathOf(p), force);
        results[i] = w.result;
        if (w.file !== undefined && !byKey.has(p.key)) fresh.push({ p, i, file: w.file });
      });
      if (fresh.length > 0) await this.settleCaseRaces(fresh, results, force, noneInstalled);
    } finally {
      if (toWrite.length > 0) await syncDirectory(this.dir);
      await cleanup;
    }
    return results.map((r) => {
      if (r === undefined) throw new Error('installMany left an item without a result');
      return r;
    });
  }

  /**
   * An existing file of the store before it is replaced: its bytes; a short reason when it cannot be
   * compared but may be replaced (a link out of the store, a file over the size limit); undefined when it
   * is gone. A folder, FIFO or device in the way is refused.
   */
  private async readExisting(p: string): Promise<Buffer | string | undefined> {
    try {
      return await this.readInside(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof FileRefusedError && (/^a link to /.test(err.reason) || /^file too large/.test(err.reason))) return err.reason;
      throw fsError(err, 'read', p);
    }
  }

  /**
   * Two processes may create `shared.json` and `SHARED.json` at the same moment, each after seeing neither:
   * on Windows that is one file, so only one of them may stay. No lock is taken (a killed process would
   * leave it behind); instead every writer of a new name looks again once its file is in place:
   *  - no other variant: done (a later writer will see this file and step back);
   *  - a variant is there: it takes its own file away again (only if it is still its own), waits a random
   *    moment, and looks once more. The variant still there means the other writer kept it: the same bytes
   *    make this item `unchanged` (under the other name), other bytes are a ConflictError (with force, the
   *    variant is replaced under its name). No variant any more means both stepped back: it writes again.
   * A writer that finds no variant after its own write is never asked to step back, because any writer
   * that comes later sees its file; so at most one variant stays.
   */
  private async settleCaseRaces(fresh: Fresh[], results: (InstallResult | undefined)[], force: boolean, noneInstalled: string): Promise<void> {
    let pending = fresh;
    for (let round = 0; pending.length > 0; round++) {
      const clashing = this.clashes(pending, groupByKey(await fs.promises.readdir(this.dir).catch(() => [] as string[])));
      if (clashing.length === 0) return;
      for (const f of clashing) await this.withdraw(this.fileIn(f.p.target), f.file);
      await sleep(5 + Math.floor(Math.random() * 20 * (round + 1)));
      const now = groupByKey(await fs.promises.readdir(this.dir).catch(() => [] as string[]));
      const again: Fresh[] = [];
      const conflicts: string[] = [];
      for (const f of clashing) {
        const others = (now.get(f.p.key) ?? []).filter((n) => n !== f.p.target).sort(byName);
        if (others.length === 0) {
          if (round + 1 < CASE_RACE_ROUNDS) again.push(f);
          else conflicts.push(`${f.p.fileName} (another process kept writing a name that differs only in case)`);
          continue;
        }
        const other = others[0] as string;
        const otherPath = this.fileIn(other);
        const bytes = others.length === 1 ? await this.readExisting(otherPath).catch(() => undefined) : undefined;
        if (Buffer.isBuffer(bytes) && bytes.equals(f.p.data)) {
          results[f.i] = { path: otherPath, replaced: false, unchanged: true, findings: f.p.findings };
        } else if (force && others.length === 1) {
          await writeFileAtomic(otherPath, f.p.data, { overwrite: true, syncDirectory: false });
          results[f.i] = { path: otherPath, replaced: true, unchanged: false, findings: f.p.findings };
        } else {
          conflicts.push(`${f.p.fileName} (as ${others.join(', ')})`);
        }
      }
      if (conflicts.length > 0) {
        throw new ConflictError(
          `credential spec ${listSome(conflicts)} was written by another process at the same time under a name that differs only in case, in ${this.dir}${noneInstalled}`,
          'Windows sees one file for both names: check which spec you want there (docker gmsa spec ls), then install again (with --force to replace it).',
        );
      }
      pending = [];
      for (const f of again) {
        const target = this.fileIn(f.p.target);
        try {
          pending.push({ ...f, file: await writeFileAtomic(target, f.p.data, { overwrite: false, syncDirectory: false }) });
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          const now2 = await this.readExisting(target).catch(() => undefined);
          if (!Buffer.isBuffer(now2) || !now2.equals(f.p.data)) {
            throw new ConflictError(`credential spec ${f.p.fileName} already exists in ${this.dir}`, 'Use --force to replace it, or choose another name.');
          }
          results[f.i] = { path: target, replaced: false, unchanged: true, findings: f.p.findings };
        }
      }
    }
  }

  /** The fresh items whose name has another case variant in `byKey`. */
  private clashes(items: readonly Fresh[], byKey: Map<string, string[]>): Fresh[] {
    return items.filter((f) => (byKey.get(f.p.key) ?? []).some((n) => n !== f.p.target));
  }

  /** Removes `p` when it is still the file this process wrote (not one another writer put there since). */
  private async withdraw(p: string, file: WrittenFile): Promise<void> {
    try {
      const st = await fs.promises.lstat(p);
      if (st.dev === file.dev && st.ino === file.ino) await fs.promises.unlink(p);
    } catch {
      // Gone already.
    }
  }

  private async writeOne(p: Planned, target: string, force: boolean): Promise<{ result: InstallResult; file?: WrittenFile }> {
    let file: WrittenFile;
    try {
      file = await writeFileAtomic(target, p.data, { overwrite: force, syncDirectory: false });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Someone else created the file since the folder was listed. Same bytes: nothing to do after all.
      const now = await this.readExisting(target).catch(() => undefined);
      if (Buffer.isBuffer(now) && now.equals(p.data)) return { result: { path: target, replaced: false, unchanged: true, findings: p.findings } };
      throw new ConflictError(`credential spec ${p.fileName} already exists in ${this.dir}`, 'Use --force to replace it, or choose another name.');
    }
    return { result: { path: target, replaced: p.existing !== undefined, unchanged: false, findings: p.findings }, file };
  }

  /**
   * Deletes a spec, found as read finds it (the exact name, else the one name that differs only in case).
   * NotFoundError when it does not exist.
   */
  async remove(name: string): Promise<{ path: string }> {
    const fileName = await this.resolve(name);
    const p = this.fileIn(fileName);
    try {
      await fs.promises.unlink(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw await this.notFound(fileName);
      throw fsError(err, 'remove', p);
    }
    return { path: p };
  }

  /**
   * The specs whose MachineAccountName is `account` (given as name, name$, DOMAIN\name or name@domain;
   * compared case-insensitively), valid or not, sorted by name. `listed`: this store's list() already
   * taken (several accounts looked up in one run read the folder once).
   */
  async findByAccount(account: string, listed?: readonly StoreEntry[]): Promise<StoreEntry[]> {
    const wanted = splitAccountName(account).name.toLowerCase();
    if (wanted === '') return [];
    const entries = listed ?? (await this.list());
    return entries.filter((e) => e.account !== undefined && splitAccountName(e.account).name.toLowerCase() === wanted);
  }

  /**
   * The store's spec for an account: the one file that names it; when several do, the one that has the
   * default name (`<netbios>_<account>.json`, what spec create writes, compared without case) wins and the
   * rest are returned as `others`; when several do and not exactly one has its default name, `ambiguous`.
   */
  async chooseForAccount(account: string, listed?: readonly StoreEntry[]): Promise<AccountChoice> {
    const matches = await this.findByAccount(account, listed);
    if (matches.length === 0) return { kind: 'none' };
    if (matches.length === 1) return { kind: 'one', entry: matches[0] as StoreEntry, others: [] };
    const named = matches.filter((e) => isDefaultName(e));
    if (named.length !== 1) return { kind: 'ambiguous', candidates: matches };
    const entry = named[0] as StoreEntry;
    return { kind: 'one', entry, others: matches.filter((e) => e !== entry) };
  }
}

/** True when the entry's file name is the default name of the spec it holds (without regard to case). */
function isDefaultName(e: StoreEntry): boolean {
  if (e.netbios === undefined || e.account === undefined) return false;
  try {
    return nameKey(defaultSpecFileName(e.netbios, e.account)) === nameKey(e.name);
  } catch (err) {
    if (err instanceof GmsaError) return false; // a NetBIOS name no default name can be built from
    throw err;
  }
}

/** A file this call created under a name that did not exist when the folder was listed. */
interface Fresh {
  p: Planned;
  i: number;
  file: WrittenFile;
}
