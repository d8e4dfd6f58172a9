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
 *
 * Node 20 also parses all of its bundled roots (some 25 ms) the first time any TLS context is made, even
 * one that trusts only a --ca-file CA: adding a CA compares the context's store with the process's root
 * store, and that comparison builds the root store. So the launcher starts Node with --use-openssl-ca
 * (the root store then comes from OpenSSL's default file and folder) and records ROOT_STORE_DEFERRED,
 * and trustFor, which every TLS connection's `ca` comes from, first builds that root store from nothing:
 * SSL_CERT_FILE and SSL_CERT_DIR point where no file can be for the one call, and are put back at once.
 * The root store then trusts nothing, so the default trust must be given as `ca` too (defaultCa gives
 * Node's bundled roots, plus NODE_EXTRA_CA_CERTS): every connection that verifies names its CAs, and one
 * that named none would trust nothing, never more.
 */
import { readFileSync } from 'node:fs';

/** The variable the launcher's sh moves NODE_EXTRA_CA_CERTS into for Node's start. */
export const EXTRA_CA_HANDOFF = 'DOCKER_GMSA_EXTRA_CA_CERTS';
/** `Symbol.for` key of the global where the launcher's loader leaves the file Node did not load. */
export const EXTRA_CA_DEFERRED = 'docker-gmsa.extra-ca-deferred';

/** `Symbol.for` key of the global the launcher's loader sets when it started Node with --use-openssl-ca. */
export const ROOT_STORE_DEFERRED = 'docker-gmsa.root-store-deferred';

/** Where OpenSSL finds no certificate: a path below a device, so nothing can be created there. */
const NO_ROOTS = '/dev/null/docker-gmsa-no-roots';

let built: string[] | undefined;
let settled = false;

const globals = globalThis as Record<symbol, unknown>;

/** Whether the launcher started Node with --use-openssl-ca for settleRootStore. */
const rootStoreDeferred = (): boolean => globals[Symbol.for(ROOT_STORE_DEFERRED)] === true;

/**
 * The `ca` option of a TLS connection: the CAs the user named, else when verifying the default trust
 * (defaultCa), else none; the process's root store is settled first (see above).
 */
export function trustFor<T>(own: T | undefined, verify: boolean): T | string[] | undefined {
  settleRootStore();
  return own ?? (verify ? defaultCa() : undefined);
}

/** Builds the root store from nothing, once, when the launcher deferred it; a no-op anywhere else. */
function settleRootStore(): void {
  if (settled) return;
  settled = true;
  if (!rootStoreDeferred()) return;
  const saved = [process.env.SSL_CERT_FILE, process.env.SSL_CERT_DIR] as const;
  process.env.SSL_CERT_FILE = NO_ROOTS;
  process.env.SSL_CERT_DIR = NO_ROOTS;
  try {
    // A context with no CA takes the root store, which makes it.
    (require('node:tls') as typeof import('node:tls')).createSecureContext();
  } finally {
    restore('SSL_CERT_FILE', saved[0]);
    restore('SSL_CERT_DIR', saved[1]);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/**
 * The CAs to pass as `ca` for default trust, or undefined when Node's own default already is that set
 * (only when the launcher deferred neither NODE_EXTRA_CA_CERTS nor the root store).
 * A file that cannot be read leaves Node's roots alone trusted, with a warning, as Node does at start.
 */
export function defaultCa(): string[] | undefined {
  const deferred = globals[Symbol.for(EXTRA_CA_DEFERRED)];
  const file = typeof deferred === 'string' && deferred !== '' ? deferred : undefined;
  if (file === undefined && !rootStoreDeferred()) return undefined;
  if (built) return built;
  const { rootCertificates } = require('node:tls') as typeof import('node:tls');
  let extra: string[] = [];
  if (file !== undefined) {
    try {
      extra = [readFileSync(file, 'latin1')];
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      process.stderr.write(`Warning: ignoring the extra CA certificates in ${file} (NODE_EXTRA_CA_CERTS): it could not be read (${code})\n`);
    }
  }
  built = [...rootCertificates, ...extra];
  return built;
}
