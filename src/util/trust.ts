/**
 * Which CAs a TLS connection trusts when the user named none (no --ca-file for the DC, no ca.pem for the
 * engine): Node's default, its bundled roots plus the certificates in the file NODE_EXTRA_CA_CERTS names.
 *
 * Node reads and parses that file, and its own roots with it, as it starts, before any code runs: with
 * Debian's system bundle some 30 to 70 ms on every command, also those that make no TLS connection at all
 * or trust only a CA of their own. So the Unix launcher (plugin/launcher.ts) starts Node without it and
 * hands the file name over under EXTRA_CA_HANDOFF; its loader puts NODE_EXTRA_CA_CERTS back into the
 * environment before the bundle runs (children see what the user set) and records under
 * EXTRA_CA_DEFERRED that this Node did not load it. Only then does defaultCa() give a set: the same one,
 * as a `ca` option, built when a connection with default trust is first made. Anywhere else (the npm bin,
 * the Windows executable, a launcher run with NODE_OPTIONS set) Node loaded the file itself and its
 * default applies unchanged.
 */
import { readFileSync } from 'node:fs';

/** The variable the launcher's sh moves NODE_EXTRA_CA_CERTS into for Node's start. */
export const EXTRA_CA_HANDOFF = 'DOCKER_GMSA_EXTRA_CA_CERTS';
/** `Symbol.for` key of the global where the launcher's loader leaves the file Node did not load. */
export const EXTRA_CA_DEFERRED = 'docker-gmsa.extra-ca-deferred';

let built: string[] | undefined;

/**
 * The CAs to pass as `ca` for default trust, or undefined when Node's own default already is that set.
 * A file that cannot be read leaves Node's roots alone trusted, with a warning, as Node does at start.
 */
export function defaultCa(): string[] | undefined {
  const file = (globalThis as Record<symbol, unknown>)[Symbol.for(EXTRA_CA_DEFERRED)];
  if (typeof file !== 'string' || file === '') return undefined;
  if (built) return built;
  const { rootCertificates } = require('node:tls') as typeof import('node:tls');
  let extra: string[] = [];
  try {
    extra = [readFileSync(file, 'latin1')];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    process.stderr.write(`Warning: ignoring the extra CA certificates in ${file} (NODE_EXTRA_CA_CERTS): it could not be read (${code})\n`);
  }
  built = [...rootCertificates, ...extra];
  return built;
}
