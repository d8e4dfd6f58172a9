/**
 * The CredentialSpecs folder (`<DockerRootDir>/CredentialSpecs`) as a store of named specs: list them
 * with their validation status, read, install (validated, atomic, no silent overwrite), remove, and find
 * the specs for an account. Every name goes through checkSpecName before the file system is touched.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConflictError, NotFoundError, fsError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
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
   * and `force` is not set. Writing the same bytes again is a no-op (`unchanged: true`).
   */
  async install(name: string, bytes: Buffer | string, opts?: { force?: boolean }): Promise<InstallResult> {
    const fileName = checkSpecName(name);
    const p = path.join(this.dir, fileName);
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const v = validateSpecBytes(data);
    if (hasErrors(v.findings)) {
      const n = v.findings.filter((f) => f.severity === 'error').length;
      throw new SpecValidationError(
        `credential spec ${fileName} was not installed: ${n} error${n === 1 ? '' : 's'} found`,
        v.findings,
        'Fix the errors listed above and try again (docker gmsa spec validate FILE checks a file).',
      );
    }
    try {
      await fs.promises.mkdir(this.dir, { recursive: true });
    } catch (err) {
      throw fsError(err, 'create', this.dir);
    }
    let existing: Buffer | undefined;
    try {
      existing = await fs.promises.readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, 'read', p);
    }
    if (existing !== undefined && existing.equals(data)) {
      return { path: p, replaced: false, unchanged: true, findings: v.findings };
    }
    const force = opts?.force === true;
    const conflict = (): ConflictError =>
      new ConflictError(`credential spec ${fileName} already exists in ${this.dir}`, 'Use --force to replace it, or choose another name.');
    if (existing !== undefined && !force) throw conflict();
    try {
      writeFileAtomic(p, data, { overwrite: force });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Someone else created the file since it was read. Same bytes: nothing to do after all.
      const now = await fs.promises.readFile(p).catch(() => undefined);
      if (now !== undefined && now.equals(data)) return { path: p, replaced: false, unchanged: true, findings: v.findings };
      throw conflict();
    }
    return { path: p, replaced: existing !== undefined, unchanged: false, findings: v.findings };
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
