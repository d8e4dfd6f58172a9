/**
 * Which domain controllers to try, in order: explicit --server URLs, else DNS SRV records
 * `_ldap._tcp.dc._msdcs.<domain>` (lowest priority first, then highest weight), asked of --dns-server when
 * given. Names are resolved with the same DNS server so a lab or a remote site resolves the DC's name even
 * when this machine's resolver does not know it; TLS still verifies against the name.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { DirectoryUnreachableError, UsageError } from '../errors';
import type { DirectorySettings } from './settings';

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

/** Parses one --server value. Plain ldap:// is accepted only with StartTLS. */
export function parseServerUrl(raw: string, startTls: boolean): Omit<Candidate, 'connectHost'> {
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

export function makeResolver(dnsServer: string | undefined, timeoutMs: number): Resolver {
  const r = new dns.Resolver({ timeout: Math.max(500, Math.min(timeoutMs, 5000)), tries: 2 });
  if (dnsServer) r.setServers([dnsServer]);
  return r;
}

async function addressFor(name: string, resolver: Resolver | undefined): Promise<string> {
  if (!resolver || isIP(name)) return name;
  try {
    const [first] = await resolver.resolve4(name);
    return first ?? name;
  } catch {
    return name; // fall back to this machine's resolver
  }
}

export async function discoverCandidates(s: DirectorySettings, resolver?: Resolver): Promise<Candidate[]> {
  const own = s.dnsServer ? (resolver ?? makeResolver(s.dnsServer, s.timeoutMs)) : resolver;
  if (s.servers.length > 0) {
    return Promise.all(
      s.servers.map(async (raw) => {
        const c = parseServerUrl(raw, s.startTls);
        return { ...c, connectHost: await addressFor(c.tlsName, own) };
      }),
    );
  }
  const domain = s.domain as string;
  const srvName = `_ldap._tcp.dc._msdcs.${domain}`;
  const r = own ?? makeResolver(undefined, s.timeoutMs);
  let records: SrvRecord[];
  try {
    records = await r.resolveSrv(srvName);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DirectoryUnreachableError(
      `cannot find a domain controller for ${domain}: DNS lookup of ${srvName} failed (${code})${s.dnsServer ? ` at ${s.dnsServer}` : ''}`,
      "Check the domain name, point --dns-server (GMSA_DNS_SERVER) at the domain's DNS, or name a DC with --server ldaps://dc01.contoso.com.",
    );
  }
  const ordered = orderSrv(records);
  return Promise.all(
    ordered.map(async (rec) => {
      const name = rec.name.replace(/\.$/, '');
      const transport = s.startTls ? 'starttls' : 'ldaps';
      const port = transport === 'ldaps' ? 636 : rec.port;
      return {
        url: `${transport === 'ldaps' ? 'ldaps' : 'ldap'}://${name}:${port}`,
        tlsName: name,
        connectHost: await addressFor(name, own),
        port,
        transport,
      } satisfies Candidate;
    }),
  );
}
