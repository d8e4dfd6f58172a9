/**
 * The CredentialSpecs folder (`<DockerRootDir>/CredentialSpecs`) as a store of named specs: list them
 * with their validation status, read, install (validated, atomic, no silent overwrite), remove, and find
 * the specs for an account. Every name goes through checkSpecName before the file system is touched.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConflictError, InvalidInputError, NotFoundError, fsError } from '../errors';
import { syncDirectory, writeFileAtomic } from '../util/atomic-write';
import { CredentialSpec, splitAccountName } from './model';
import { checkSpecName } from './naming';
import { Finding, MAX_SPEC_BYTES, SpecValidationError, hasErrors, validateSpecBytes } from './validate';
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
  /** The existing file's bytes, when there is one. */
  existing: Buffer | undefined;
}

/**
 * A file name as Windows compares names: each character upper-cased with a one-to-one mapping (what the
 * NTFS upcase table does), so that Contoso_X.json and contoso_x.json give the same key. Characters whose
 * upper case is several characters (ß -> SS) are kept as they are, as NTFS does.
 */
function nameKey(name: string): string {
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

function stringAt(value: unknown, ...keys: string[]): string | undefined {
  let v: unknown = value;
  for (const k of keys) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'string' ? v : undefined;
}

export class SpecStore {
  constructor(readonly dir: string) {}

  /** The full path for a spec name (checked and normalised with checkSpecName). */
  pathFor(name: string): string {
    return path.join(this.dir, checkSpecName(name));
  }

  /** Names of the `*.json` files in the folder (any case of the extension), sorted; [] when the folder does not exist. */
  private async jsonFileNames(): Promise<string[]> {
    let dirents: fs.Dirent[];
    try {
      dirents = await fs.promises.readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fsError(err, 'list', this.dir);
    }
    return dirents
      .filter((d) => isJsonFile(d.name) && (d.isFile() || d.isSymbolicLink()))
      .map((d) => d.name)
      .sort(byName);
  }

  private async entryFor(name: string): Promise<StoreEntry> {
    const p = path.join(this.dir, name);
    const unusable = (problem: string): StoreEntry => ({ name, path: p, valid: false, errors: 1, warnings: 0, problem });
    let bytes: Buffer;
    try {
      const st = await fs.promises.stat(p);
      if (!st.isFile()) return unusable('not a regular file');
      if (st.size > MAX_SPEC_BYTES) return unusable(`file too large (${st.size} bytes)`);
      bytes = await fs.promises.readFile(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return unusable(`cannot read: ${code ?? String(err)}`);
    }
    const r = validateSpecBytes(bytes);
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    const entry: StoreEntry = { name, path: p, valid: errors === 0, errors, warnings: r.findings.length - errors };
    const account = stringAt(r.value, 'DomainJoinConfig', 'MachineAccountName');
    const domain = stringAt(r.value, 'DomainJoinConfig', 'DnsName');
    if (account !== undefined) entry.account = account;
    if (domain !== undefined) entry.domain = domain;
    try {
      checkSpecName(name);
    } catch (err) {
      entry.valid = false;
      entry.errors += 1;
      entry.problem = `the file name cannot be used: ${(err as Error).message}`;
    }
    return entry;
  }

  /** Every `*.json` file in the folder, read and validated, sorted by name. Bad content never throws. */
  async list(): Promise<StoreEntry[]> {
    const names = await this.jsonFileNames();
    return Promise.all(names.map((n) => this.entryFor(n)));
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

  /** Reads and validates one spec. NotFoundError (with similar names in the hint) when it does not exist. */
  async read(name: string): Promise<ReadSpecResult> {
    const fileName = checkSpecName(name);
    const p = path.join(this.dir, fileName);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(p);
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
    try {
      await fs.promises.mkdir(this.dir, { recursive: true });
    } catch (err) {
      throw fsError(err, 'create', this.dir);
    }
    let present: string[];
    try {
      present = await fs.promises.readdir(this.dir);
    } catch (err) {
      throw fsError(err, 'list', this.dir);
    }
    const byKey = new Map<string, string[]>();
    for (const n of present) {
      const k = nameKey(n);
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [n]);
      else list.push(n);
    }
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
    const pathOf = (p: Planned): string => path.join(this.dir, p.target);
    const toRead = planned.filter((p) => byKey.has(p.key));
    await forEachLimited(toRead, limit, async (p) => {
      try {
        p.existing = await fs.promises.readFile(pathOf(p));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, 'read', pathOf(p));
      }
    });
    const conflicts: string[] = [];
    planned.forEach((p, i) => {
      if (p.existing === undefined) return;
      if (p.existing.equals(p.data)) results[i] = { path: pathOf(p), replaced: false, unchanged: true, findings: p.findings };
      else if (!force) conflicts.push(p.target === p.fileName ? p.fileName : `${p.fileName} (as ${p.target})`);
    });
    if (conflicts.length > 0) {
      const one = conflicts.length === 1;
      throw new ConflictError(
        `credential spec${one ? '' : 's'} ${listSome(conflicts)} already exist${one ? 's' : ''} in ${this.dir}${noneInstalled}`,
        one ? 'Use --force to replace it, or choose another name.' : 'Use --force to replace them, or choose other names.',
      );
    }

    // 4. Write the rest, several at a time, and flush the folder once.
    const toWrite = planned.map((p, i) => ({ p, i })).filter(({ i }) => results[i] === undefined);
    try {
      await forEachLimited(toWrite, limit, async ({ p, i }) => {
        results[i] = await this.writeOne(p, pathOf(p), force);
      });
    } finally {
      if (toWrite.length > 0) await syncDirectory(this.dir);
    }
    return results.map((r) => {
      if (r === undefined) throw new Error('installMany left an item without a result');
      return r;
    });
  }

  private async writeOne(p: Planned, target: string, force: boolean): Promise<InstallResult> {
    try {
      await writeFileAtomic(target, p.data, { overwrite: force, syncDirectory: false });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Someone else created the file since the folder was listed. Same bytes: nothing to do after all.
      const now = await fs.promises.readFile(target).catch(() => undefined);
      if (now !== undefined && now.equals(p.data)) return { path: target, replaced: false, unchanged: true, findings: p.findings };
      throw new ConflictError(`credential spec ${p.fileName} already exists in ${this.dir}`, 'Use --force to replace it, or choose another name.');
    }
    return { path: target, replaced: p.existing !== undefined, unchanged: false, findings: p.findings };
  }

  /** Deletes a spec. NotFoundError when it does not exist. */
  async remove(name: string): Promise<{ path: string }> {
    const fileName = checkSpecName(name);
    const p = path.join(this.dir, fileName);
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
   * compared case-insensitively), valid or not, sorted by name.
   */
  async findByAccount(account: string): Promise<StoreEntry[]> {
    const wanted = splitAccountName(account).name.toLowerCase();
    if (wanted === '') return [];
    const entries = await this.list();
    return entries.filter((e) => e.account !== undefined && splitAccountName(e.account).name.toLowerCase() === wanted);
  }
}
