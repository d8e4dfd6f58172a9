/**
 * The one reader of credential spec bytes. Every spec that comes from a file (a FILE argument, a file in
 * the store) or from standard input is read here, and no read goes past MAX_SPEC_BYTES + 1 bytes: folders,
 * FIFOs and devices are refused before reading, a larger input is refused, and inside the store a link that
 * leads out of the store is refused instead of followed (see util/safe-fs.ts).
 */
import { readBoundedFile, tooLarge } from '../util/safe-fs';
import { MAX_SPEC_BYTES } from './validate';

export const SPEC_TOO_LARGE_HINT = 'A credential spec is a few KiB of JSON: check that this is the right file.';

/**
 * Reads a spec file. `within`: the store folder the file must stay in. Errors of the file system (ENOENT,
 * EACCES...) are thrown as they are for the caller to map (fsError); refusals are InvalidInputError.
 */
export function readSpecFile(path: string, within?: string): Promise<Buffer> {
  return readBoundedFile(path, { maxBytes: MAX_SPEC_BYTES, tooLargeHint: SPEC_TOO_LARGE_HINT, ...(within !== undefined ? { within } : {}) });
}

/** Reads a spec from standard input through `readStdin(limit)`, which stops after limit + 1 bytes. */
export async function readSpecStdin(readStdin: (maxBytes: number) => Promise<Buffer>): Promise<Buffer> {
  const bytes = await readStdin(MAX_SPEC_BYTES);
  if (bytes.length > MAX_SPEC_BYTES) throw tooLarge('standard input', MAX_SPEC_BYTES, undefined, SPEC_TOO_LARGE_HINT);
  return bytes;
}
