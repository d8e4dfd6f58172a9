/**
 * Which domain controllers to try, in order: explicit --server URLs, else DNS SRV records
 * `_ldap._tcp.dc._msdcs.<domain>` (lowest priority first, then highest weight), asked of --dns-server when
 * given. Names are resolved with the same DNS server so a lab or a remote site resolves the DC's name even
 * when this machine's resolver does not know it; TLS still verifies against the name.
 *
 * Every lookup is bounded by --timeout: a DNS server that does not answer fails the step in that time,
 * with a message naming it.
 */
import { isIP } from 'node:net';
import { DirectoryUnreachableError, UsageError } from '../errors';
import { seconds, withDeadline } from './deadline';
import type { DirectorySettings } from './settings';

/** node:dns, loaded when a name is to be resolved: a --server URL needs none of it. */
const dnsApi = (): typeof import('node:dns').promises => (require('node:dns') as typeof import('node:dns')).promises;

export interface Candidate {
  /** What the user sees, e.g. ldaps://dc01.contoso.com:636 */
  url: string;
  /** The name the certificate must carry (a DNS name or an IP). */
  tlsName: string;
  /** Where to connect (an address when we resolved it ourselves, else the name). */
  connectHost: string;
  port: number;
  /** ldaps (TLS from the start) or starttls (plain, then StartTLS before any bind). */
  transport: 'ldaps' | 'starttls';
  /** Set when the DNS server did not answer for this DC's name: the candidate counts as failed. */
  dnsFailure?: DirectoryUnreachableError;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Orders SRV records as RFC 2782 clients do (priority ascending; within a priority, heavier first). */
export function orderSrv(records: readonly SrvRecord[]): SrvRecord[] {
  return [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name));
}

/** A --server value as messages may show it: anything up to the last '@' (user name, password) hidden. */
export function redactServerUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** Parses one --server value. Plain ldap:// is accepted only with StartTLS; a user name or password in it never. */
export function parseServerUrl(raw: string, startTls: boolean): Omit<Candidate, 'connectHost'> {
  if (raw.includes('@')) {
    const rest = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
    const withPassword = rest.slice(0, rest.lastIndexOf('@')).includes(':');
    throw new UsageError(
      `the directory server ${redactServerUrl(raw)} (--server or GMSA_LDAP_URL) carries a user name${withPassword ? ' and a password' : ''}; a server URL may not`,
      `Give only ldaps://host[:port], the user with --user (GMSA_LDAP_USER) and the password in GMSA_LDAP_PASSWORD or with --password-stdin.${
        withPassword ? ' A password on the command line can be read by other processes on this machine: consider changing it.' : ''
      }`,
    );
  }
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `${startTls ? 'ldap' : 'ldaps'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid directory server "${raw}"`, 'Use ldaps://dc01.contoso.com[:636], or ldap://dc01.contoso.com with --starttls.');
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host || (scheme !== 'ldaps' && scheme !== 'ldap') || (url.pathname !== '' && url.pathname !== '/')) {
    throw new UsageError(`invalid directory server "${raw}"`, 'Use ldaps://dc01.contoso.com[:636], or ldap://dc01.contoso.com with --starttls.');
  }
  if (scheme === 'ldap' && !startTls) {
    throw new UsageError(
      `refusing a simple bind over plain LDAP to ${raw}: the password would cross the network in clear, and AD refuses it anyway (strongerAuthRequired)`,
      `Use ldaps://${host} (port 636), or add --starttls to encrypt the ldap:// connection first.`,
    );
  }
  const transport = scheme === 'ldaps' ? 'ldaps' : 'starttls';
  const port = url.port ? Number(url.port) : transport === 'ldaps' ? 636 : 389;
  return { url: `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`, tlsName: host, port, transport };
}

export interface Resolver {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
}

/** A --dns-server value: an address, address:port, [IPv6]:port, a host name or name:port. */
export function parseDnsServer(raw: string): { host: string; port?: number } {
  const bad = (): UsageError =>
    new UsageError(`invalid DNS server "${raw}" (--dns-server or GMSA_DNS_SERVER)`, 'Give an address or a host name, optionally with a port: 10.0.0.2, 10.0.0.2:53, [fd00::2]:53 or dns1.contoso.com.');
  const v = raw.trim();
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(v);
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2];
    if (isIP(host) !== 6) throw bad();
  } else if (isIP(v)) {
    host = v;
  } else {
    const m = /^([^:]+)(?::([0-9]+))?$/.exec(v);
    if (!m) throw bad();
    host = m[1] as string;
    port = m[2];
    if (!isIP(host) && !/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/.test(host)) throw bad();
  }
  if (port === undefined) return { host };
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw bad();
  return { host, port: n };
}

/** The form dns.Resolver#setServers takes: 10.0.0.2, 10.0.0.2:5353, ::1, [::1]:5353. */
function serverForm(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export type Lookup = (host: string) => Promise<{ address: string }>;

/**
 * The --dns-server value as an address dns.Resolver accepts; a host name is resolved with this machine's
 * resolver, within the timeout.
 */
export async function dnsServerAddress(raw: string, timeoutMs: number, lookup: Lookup = (h) => dnsApi().lookup(h)): Promise<string> {
  const { host, port } = parseDnsServer(raw);
  if (isIP(host)) return serverForm(host, port);
  try {
    const { address } = await withDeadline(lookup(host), timeoutMs, `look up ${host}`);
    return serverForm(address, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DirectoryUnreachableError(
      code === 'ETIMEOUT'
        ? `cannot find the address of the DNS server ${host} (--dns-server): this machine's resolver did not answer in ${seconds(timeoutMs)}`
        : `cannot find the address of the DNS server ${host} (--dns-server): ${code}`,
      'Give the DNS server by its IP address, e.g. --dns-server 10.0.0.2.',
    );
  }
}

/**
 * A resolver whose every lookup ends within `timeoutMs`: c-ares retries after a third of it (a lost
 * datagram costs no more than that), and the step is cancelled when the time is up, so the answer is
 * "did not answer in N s" at N s, not whenever c-ares's own back-off gives up.
 */
export function makeResolver(server: string | undefined, timeoutMs: number): Resolver {
  const r = new (dnsApi().Resolver)({ timeout: Math.max(50, Math.ceil(timeoutMs / 3)), tries: 3 });
  if (server) r.setServers([server]);
  const bounded = <T>(p: Promise<T>, what: string): Promise<T> => withDeadline(p, timeoutMs, what, () => r.cancel());
  return {
    resolveSrv: (name) => bounded(r.resolveSrv(name), `look up ${name}`),
    resolve4: (name) => bounded(r.resolve4(name), `look up ${name}`),
  };
}

/** Whom a failed lookup asked: the --dns-server as given (and its address), or this machine's servers. */
function askedWhom(s: DirectorySettings, address: string | undefined): string {
  if (s.dnsServer) return `the DNS server ${s.dnsServer}${address && address !== s.dnsServer ? ` (${address})` : ''}`;
  let servers: string[] = [];
  try {
    servers = dnsApi().getServers?.() ?? [];
  } catch {
    // no resolver configuration
  }
  return `this machine's DNS server${servers.length === 1 ? '' : 's'}${servers.length ? ` (${servers.join(', ')})` : ''}`;
}

/** A lookup that failed for want of an answer (not for a negative one) says so, and whom it asked. */
function dnsFailure(err: unknown, name: string, s: DirectorySettings, address: string | undefined): DirectoryUnreachableError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const whom = askedWhom(s, address);
  const hint = `Check that ${s.dnsServer ? 'it' : 'the DNS server'} is up and serves ${s.domain ?? 'the domain'} (--dns-server, GMSA_DNS_SERVER), raise --timeout, or name a DC with --server ldaps://dc01.contoso.com.`;
  if (code === 'ETIMEOUT' || code === 'ECANCELLED') {
    return new DirectoryUnreachableError(`${whom} did not answer in ${seconds(s.timeoutMs)} (looking up ${name})`, hint);
  }
  if (code === 'ECONNREFUSED') return new DirectoryUnreachableError(`${whom} refused the query for ${name} (ECONNREFUSED: nothing listens there?)`, hint);
  if (code === 'ESERVFAIL' || code === 'EREFUSED') return new DirectoryUnreachableError(`${whom} failed to answer for ${name} (${code})`, hint);
  return undefined;
}

/**
 * Where to connect for a DC name: its address from the DNS server we were given, or the name itself
 * (left to this machine's resolver) when that server does not know it. A server that does not answer
 * makes the candidate a failed one, so the other DCs are still tried.
 */
async function resolveCandidate(c: Omit<Candidate, 'connectHost'>, resolver: Resolver | undefined, s: DirectorySettings, address: string | undefined): Promise<Candidate> {
  const name = c.tlsName;
  if (!resolver || isIP(name)) return { ...c, connectHost: name };
  try {
    const [first] = await resolver.resolve4(name);
    return { ...c, connectHost: first ?? name };
  } catch (err) {
    const failure = dnsFailure(err, name, s, address);
    return failure ? { ...c, connectHost: name, dnsFailure: failure } : { ...c, connectHost: name };
  }
}

/** When the DNS server answered for no DC at all, that is the error to report, as it is. */
function unlessAllUnresolved(candidates: Candidate[]): Candidate[] {
  const first = candidates[0]?.dnsFailure;
  if (first && candidates.every((c) => c.dnsFailure)) throw first;
  return candidates;
}

export async function discoverCandidates(s: DirectorySettings, resolver?: Resolver): Promise<Candidate[]> {
  const address = s.dnsServer && !resolver ? await dnsServerAddress(s.dnsServer, s.timeoutMs) : undefined;
  const own = s.dnsServer ? (resolver ?? makeResolver(address, s.timeoutMs)) : resolver;
  if (s.servers.length > 0) {
    return unlessAllUnresolved(await Promise.all(s.servers.map((raw) => resolveCandidate(parseServerUrl(raw, s.startTls), own, s, address))));
  }
  const domain = s.domain as string;
  const srvName = `_ldap._tcp.dc._msdcs.${domain}`;
  const r = own ?? makeResolver(undefined, s.timeoutMs);
  let records: SrvRecord[];
  try {
    records = await r.resolveSrv(srvName);
  } catch (err) {
    const failure = dnsFailure(err, srvName, s, address);
    if (failure) throw failure;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DirectoryUnreachableError(
      `cannot find a domain controller for ${domain}: no SRV records ${srvName} (${code}) from ${askedWhom(s, address)}`,
      "Check the domain name, point --dns-server (GMSA_DNS_SERVER) at the domain's DNS, or name a DC with --server ldaps://dc01.contoso.com.",
    );
  }
  const transport = s.startTls ? 'starttls' : 'ldaps';
  return unlessAllUnresolved(
    await Promise.all(
      orderSrv(records).map((rec) => {
        const name = rec.name.replace(/\.$/, '');
        const port = transport === 'ldaps' ? 636 : rec.port;
        return resolveCandidate({ url: `${transport === 'ldaps' ? 'ldaps' : 'ldap'}://${name}:${port}`, tlsName: name, port, transport }, own, s, address);
      }),
    ),
  );
}
