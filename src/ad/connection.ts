/**
 * The only module that talks LDAP (ldapts, loaded lazily). Opens one encrypted, bound connection to the
 * first domain controller that answers, and turns LDAP result codes into errors a person can act on.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import type { Client, Entry, SearchOptions } from 'ldapts';
import { DirectoryError, DirectoryUnreachableError, fsError, GmsaError, InvalidInputError, UsageError } from '../errors';
import { seconds, withDeadline } from './deadline';
import { discoverCandidates, type Candidate, type Resolver } from './discovery';
import { bindName, type DirectorySettings } from './settings';
import { trustFor } from '../util/trust';

export type Scope = 'base' | 'one' | 'sub';

export interface SearchRequest {
  scope: Scope;
  filter?: string | import('ldapts').Filter;
  attributes: string[];
  /** Attributes to return as Buffers (SIDs, GUIDs, descriptors, blobs). */
  binary?: string[];
  sizeLimit?: number;
  /** Page through large results (AD returns at most 1000 entries per page by default). */
  paged?: boolean;
}

export type Change = { operation: 'add' | 'delete' | 'replace'; attribute: string; values: (string | Buffer)[] };

/** Messages for AD's `data XXX` sub-codes of invalidCredentials (49). */
const BIND_DATA_CODES: Record<string, string> = {
  '525': 'the user does not exist',
  '52e': 'the password is wrong',
  '530': 'the account may not log on at this time',
  '531': 'the account may not log on from this workstation',
  '532': 'the password has expired',
  '533': 'the account is disabled',
  '701': 'the account has expired',
  '773': 'the password must be changed before the first logon',
  '775': 'the account is locked out',
};

const NETWORK_CODES = new Set(['ETIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

function resultCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** A network-level failure, after which the next domain controller is worth trying. */
export function isConnectionFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') return NETWORK_CODES.has(code) || code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code);
  const msg = String((err as Error).message ?? err);
  return /timeout|timed out|socket|connection closed|ECONN/i.test(msg) && resultCode(err) === undefined;
}

/** Why a connection attempt failed, in words, with the TLS cases made specific. */
export function describeConnectionFailure(err: unknown, c: Candidate, timeoutMs?: number): { reason: string; hint?: string } {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const msg = (err as Error).message ?? String(err);
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY|CERT_UNTRUSTED/.test(code)) {
    return { reason: `its TLS certificate is not trusted (${code})`, hint: "Pass the DC's CA certificate with --ca-file (GMSA_LDAP_CA)." };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not match certificate|altnames/i.test(msg)) {
    return { reason: `its TLS certificate does not name ${c.tlsName}`, hint: 'Connect by a name the certificate carries (--server ldaps://<name>).' };
  }
  if (code === 'CERT_HAS_EXPIRED') return { reason: 'its TLS certificate has expired', hint: "Renew the DC's certificate." };
  if (code === 'ECONNREFUSED') return { reason: `connection refused on port ${c.port}` };
  if (/timeout|ETIMEDOUT|timed out/i.test(code + msg)) return { reason: `no answer within the timeout${timeoutMs ? ` (${seconds(timeoutMs)})` : ''}` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { reason: `its name ${c.connectHost} does not resolve on this machine (${code})`, hint: "Point --dns-server (GMSA_DNS_SERVER) at the domain's DNS, or give the DC by a name this machine resolves." };
  }
  return { reason: code ? `${code}: ${msg}` : msg };
}

/** Turns an LDAP error into a DirectoryError that says what failed and what to do. `action` reads "create the gMSA webapp01". */
export function mapLdapError(err: unknown, action: string, server: string, timeoutMs?: number): GmsaError {
  if (err instanceof GmsaError) return err;
  const code = resultCode(err);
  const text = ((err as Error).message ?? '').trim();
  switch (code) {
    case 49: {
      const data = /data ([0-9a-f]{3})/i.exec(text)?.[1]?.toLowerCase();
      const why = data && BIND_DATA_CODES[data] ? `: ${BIND_DATA_CODES[data]}` : '';
      return new DirectoryError(
        `${server} rejected the credentials${why}`,
        'Check --user (GMSA_LDAP_USER) and the password (GMSA_LDAP_PASSWORD or --password-stdin); repeated failures can lock the account out.',
      );
    }
    case 8:
    case 13:
      return new DirectoryError(
        `${server} requires an encrypted connection to ${action} (strongerAuthRequired)`,
        'Use ldaps:// (port 636) or --starttls.',
      );
    case 50:
      return new DirectoryError(
        `insufficient access rights to ${action}`,
        'Bind as a member of Domain Admins, or have one delegate the right on the container (for gMSAs: "Create msDS-GroupManagedServiceAccount objects").',
      );
    case 32:
      return new DirectoryError(`cannot ${action}: the object or its parent does not exist`, 'Check the name and the container (DN).');
    case 19:
      return new DirectoryError(`cannot ${action}: the directory refused a value (constraint violation: ${text})`, 'Check the values given (names, SPNs, lengths).');
    case 20:
      return new DirectoryError(`cannot ${action}: a value is already present`, 'Nothing to change.');
    case 53:
      return new DirectoryError(`${server} is unwilling to ${action}: ${text}`, 'The domain controller refused the operation; its message above says why.');
    case 65:
      return new DirectoryError(`cannot ${action}: object class violation (${text})`, "The schema does not allow this object or attribute here; the domain may need schema 2012 or later for gMSAs.");
    case 68:
      return new DirectoryError(`cannot ${action}: it already exists`, 'Nothing to create.');
    default:
      if (code !== undefined) return new DirectoryError(`cannot ${action}: LDAP result ${code}: ${text}`, 'See the message from the domain controller above.');
      if (/timed out|timeout/i.test(text)) {
        return new DirectoryUnreachableError(
          `${server} did not answer${timeoutMs ? ` in ${seconds(timeoutMs)}` : ' in time'} while trying to ${action}`,
          'The DC or the network may be slow or overloaded: raise --timeout, or name another DC with --server; it is safe to run the command again.',
        );
      }
      return new DirectoryUnreachableError(`lost the connection to ${server} while trying to ${action}: ${text}`, 'Check that the domain controller is up and reachable, then run the command again; it is safe to repeat.');
  }
}

export interface OpenOptions {
  password?: string;
  resolver?: Resolver;
  /** Bind anonymously even when a user is configured (rootDSE only). */
  anonymous?: boolean;
  /** Called for a DC that failed when another one is left to try. */
  onSkip?: (url: string, reason: string) => void;
  /** The error for credentials the DC rejects (49), when the default (about --user) would name the wrong ones. */
  rejected?: () => GmsaError;
}

export class Directory {
  constructor(
    private readonly client: Client,
    /** The DC this connection is bound to, for messages. */
    readonly server: string,
    readonly boundAs: string | undefined,
    /** The --timeout each operation is bounded by, for messages. */
    readonly timeoutMs?: number,
  ) {}

  async search(base: string, req: SearchRequest, action = `search ${base}`): Promise<Entry[]> {
    const opts: SearchOptions = { scope: req.scope, attributes: req.attributes };
    if (req.filter !== undefined) opts.filter = req.filter;
    if (req.binary) opts.explicitBufferAttributes = req.binary;
    if (req.sizeLimit !== undefined) opts.sizeLimit = req.sizeLimit;
    if (req.paged) opts.paged = { pageSize: 500 };
    try {
      return (await this.client.search(base, opts)).searchEntries;
    } catch (err) {
      if (resultCode(err) === 32) return [];
      throw mapLdapError(err, action, this.server, this.timeoutMs);
    }
  }

  async add(dn: string, attributes: Record<string, (string | Buffer)[] | string>, action: string): Promise<'added' | 'exists'> {
    const { Attribute } = loadLdapts();
    const attrs = Object.entries(attributes).map(
      ([type, v]) => new Attribute({ type, values: (Array.isArray(v) ? v : [v]) as Buffer[] | string[] }),
    );
    try {
      await this.client.add(dn, attrs);
      return 'added';
    } catch (err) {
      if (resultCode(err) === 68) return 'exists';
      throw mapLdapError(err, action, this.server, this.timeoutMs);
    }
  }

  /** Applies changes; an `add` of a value already there (20) or a member already present (68) counts as done. */
  async modify(dn: string, changes: Change[], action: string): Promise<'modified' | 'unchanged'> {
    const { Attribute, Change: LdapChange } = loadLdapts();
    const ldapChanges = changes.map(
      (c) => new LdapChange({ operation: c.operation, modification: new Attribute({ type: c.attribute, values: c.values as Buffer[] | string[] }) }),
    );
    try {
      await this.client.modify(dn, ldapChanges);
      return 'modified';
    } catch (err) {
      const code = resultCode(err);
      if (code === 20 || code === 68) return 'unchanged';
      throw mapLdapError(err, action, this.server, this.timeoutMs);
    }
  }

  /** Deletes an object; one already gone (32, no such object) counts as done. */
  async remove(dn: string, action: string): Promise<'removed' | 'absent'> {
    try {
      await this.client.del(dn);
      return 'removed';
    } catch (err) {
      if (resultCode(err) === 32) return 'absent';
      throw mapLdapError(err, action, this.server);
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.unbind();
    } catch {
      // the connection is going away anyway
    }
  }
}

let ldapts: typeof import('ldapts') | undefined;
function loadLdapts(): typeof import('ldapts') {
  ldapts ??= require('ldapts') as typeof import('ldapts');
  return ldapts;
}

function tlsOptionsFor(c: Candidate, s: DirectorySettings, ca: Buffer | undefined): ConnectionOptions {
  const { checkServerIdentity } = require('node:tls') as typeof import('node:tls');
  const opts: ConnectionOptions = {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: !s.insecureSkipTlsVerify,
    // Verify against the name we meant, even when we connect to an address we resolved ourselves.
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(c.tlsName, cert),
  };
  if (!isIP(c.tlsName)) opts.servername = c.tlsName;
  const trusted = trustFor(ca, !s.insecureSkipTlsVerify);
  if (trusted) opts.ca = trusted;
  return opts;
}

const CA_HINT =
  "Give the CA certificate that issued the DC's certificate, in PEM form (a text file starting -----BEGIN CERTIFICATE-----).";

/**
 * Checks that a --ca-file holds PEM certificates (and only says what it holds otherwise, never its
 * contents): a file of another kind would otherwise surface later as "certificate not trusted".
 */
export function checkCaPem(file: string, data: Buffer): void {
  const fail = (why: string, hint = CA_HINT): InvalidInputError =>
    new InvalidInputError(`the CA file ${file} (--ca-file, GMSA_LDAP_CA) is not a PEM certificate: ${why}`, hint);
  if (data.length === 0) throw fail('it is empty');
  const text = data.toString('latin1');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    let der = false;
    try {
      new X509Certificate(data);
      der = true;
    } catch {
      // not DER either
    }
    if (der) {
      throw fail('it holds a certificate in binary (DER) form', `Convert it to PEM: openssl x509 -inform der -in ${file} -out ca.pem, and pass ca.pem.`);
    }
    const labels = [...new Set([...text.matchAll(/-----BEGIN ([A-Z0-9 ]{1,40})-----/g)].map((m) => m[1] as string))];
    throw fail(labels.length > 0 ? `it holds ${labels.join(', ')} but no CERTIFICATE` : 'it has no -----BEGIN CERTIFICATE----- block');
  }
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch {
      throw fail(blocks.length === 1 ? 'its CERTIFICATE block does not parse' : `CERTIFICATE block ${i + 1} of ${blocks.length} does not parse`);
    }
  });
}

function readCa(s: DirectorySettings): Buffer | undefined {
  if (!s.caFile) return undefined;
  let data: Buffer;
  try {
    data = readFileSync(s.caFile);
  } catch (err) {
    throw fsError(err, 'read the CA certificate', s.caFile);
  }
  checkCaPem(s.caFile, data);
  return data;
}

/** Connects (TLS verified unless told otherwise) and binds to the first DC that answers. */
export async function openDirectory(s: DirectorySettings, o: OpenOptions = {}): Promise<Directory> {
  const user = o.anonymous ? undefined : s.user;
  if (user && !o.password) {
    throw new UsageError(
      `no password for ${user}`,
      'Set GMSA_LDAP_PASSWORD, or pipe it in with --password-stdin (passwords are never taken from the command line).',
    );
  }
  const ca = readCa(s);
  const candidates = await discoverCandidates(s, o.resolver);
  if (candidates.length === 0) {
    throw new DirectoryUnreachableError(`DNS lists no domain controller for ${s.domain ?? 'the domain'}`, 'Name one with --server ldaps://dc01.contoso.com.');
  }
  const { Client } = loadLdapts();
  const failures: string[] = [];
  let lastHint: string | undefined;
  for (const [i, c] of candidates.entries()) {
    if (c.dnsFailure) {
      failures.push(`${c.url}: ${c.dnsFailure.message}`);
      lastHint = c.dnsFailure.hint ?? lastHint;
      if (i < candidates.length - 1) o.onSkip?.(c.url, c.dnsFailure.message);
      continue;
    }
    const tlsOptions = tlsOptionsFor(c, s, ca);
    const url = `${c.transport === 'ldaps' ? 'ldaps' : 'ldap'}://${isIP(c.connectHost) === 6 ? `[${c.connectHost}]` : c.connectHost}:${c.port}`;
    // The sockets this attempt opens, to tear down a step that outlives the timeout (ldapts bounds the
    // connect and each message, not the TLS handshake of StartTLS).
    const sockets: Socket[] = [];
    const track = <S extends Socket>(sock: S): S => {
      sockets.push(sock);
      return sock;
    };
    const net = require('node:net') as typeof import('node:net');
    const tls = require('node:tls') as typeof import('node:tls');
    // ldapts mutates the options it upgrades a StartTLS socket with, and handing the same object to the
    // constructor breaks that upgrade: each use gets its own copy, and plain ldap:// gets none up front.
    const client = new Client({
      url,
      timeout: s.timeoutMs,
      connectTimeout: s.timeoutMs,
      strictDN: false,
      createConnection: ((...args: unknown[]) => track((net.connect as (...a: unknown[]) => Socket)(...args))) as typeof net.connect,
      createSecureConnection: ((...args: unknown[]) => track((tls.connect as (...a: unknown[]) => Socket)(...args))) as typeof tls.connect,
      ...(c.transport === 'ldaps' ? { tlsOptions: { ...tlsOptions } } : {}),
    });
    try {
      if (c.transport === 'starttls') {
        await withDeadline(client.startTLS({ ...tlsOptions }), s.timeoutMs, 'StartTLS', () => sockets.forEach((k) => k.destroy()));
      }
      if (user) await client.bind(bindName(user, s.domain), o.password as string);
      return new Directory(client, c.url, user ? bindName(user, s.domain) : undefined, s.timeoutMs);
    } catch (err) {
      sockets.forEach((k) => k.destroy());
      await client.unbind().catch(() => undefined);
      if (!isConnectionFailure(err)) throw resultCode(err) === 49 && o.rejected ? o.rejected() : mapLdapError(err, 'bind', c.url);
      const { reason, hint } = describeConnectionFailure(err, c, s.timeoutMs);
      failures.push(`${c.url}: ${reason}`);
      lastHint = hint ?? lastHint;
      if (i < candidates.length - 1) o.onSkip?.(c.url, reason);
    }
  }
  throw new DirectoryUnreachableError(
    `no domain controller answered: ${failures.join('; ')}`,
    lastHint ?? 'Check that a DC is up and reachable on that port, or name another with --server; --timeout raises the wait.',
  );
}

/** Single-valued attribute as text (ldapts gives a scalar for one value, an array for several, [] when absent). */
export function attrText(e: Entry, name: string): string | undefined {
  const v = e[name];
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

export function attrTexts(e: Entry, name: string): string[] {
  const v = e[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

export function attrBuffer(e: Entry, name: string): Buffer | undefined {
  const v = e[name];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first : Buffer.from(String(first), 'utf8');
}

export function attrBuffers(e: Entry, name: string): Buffer[] {
  const v = e[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(String(x), 'utf8')));
}
