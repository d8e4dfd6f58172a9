/**
 * The directory connection settings shared by every command that reads AD: flags override environment.
 * Pure: the password arrives already read (from GMSA_LDAP_PASSWORD or standard input), never from argv.
 */
import { UsageError } from '../errors';
import { parseDnsServer, parseServerUrl } from './discovery';

export interface DirectoryFlags {
  domain?: string;
  server?: string[];
  dnsServer?: string;
  user?: string;
  passwordStdin?: boolean;
  caFile?: string;
  starttls?: boolean;
  insecureSkipTlsVerify?: boolean;
  timeout?: string;
}

export interface DirectorySettings {
  /** DNS name of the domain, e.g. contoso.com (needed for discovery and as the UPN suffix default). */
  domain?: string;
  /** Explicit DC URLs (ldaps://host[:port] or ldap://host with StartTLS); empty means DNS SRV discovery. */
  servers: string[];
  dnsServer?: string;
  user?: string;
  caFile?: string;
  startTls: boolean;
  insecureSkipTlsVerify: boolean;
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_S = 5;

function envList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[,\s]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

function parseTimeout(raw: string | undefined, from: string): number {
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_S * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new UsageError(`invalid timeout "${raw}" (${from})`, 'Give the timeout in seconds, e.g. --timeout 10.');
  }
  return Math.round(n * 1000);
}

/**
 * The settings for this run. On Windows the host's own domain is the default: USERDNSDOMAIN, which Windows
 * sets for a user logged on to a domain-joined host, so there only the password has to be supplied (the DC
 * then comes from DNS SRV through the system resolver, see discovery.ts).
 */
export function directorySettings(flags: DirectoryFlags, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): DirectorySettings {
  const servers = flags.server && flags.server.length > 0 ? flags.server : envList(env.GMSA_LDAP_URL);
  const hostDomain = platform === 'win32' && servers.length === 0 ? env.USERDNSDOMAIN : undefined;
  const domain = (flags.domain ?? (env.GMSA_DOMAIN || undefined) ?? hostDomain)?.trim().replace(/\.$/, '').toLowerCase() || undefined;
  const settings: DirectorySettings = {
    servers,
    startTls: flags.starttls === true || /^(1|true|yes)$/i.test(env.GMSA_LDAP_STARTTLS ?? ''),
    insecureSkipTlsVerify: flags.insecureSkipTlsVerify === true,
    timeoutMs: parseTimeout(flags.timeout ?? env.GMSA_LDAP_TIMEOUT, flags.timeout !== undefined ? '--timeout' : 'GMSA_LDAP_TIMEOUT'),
  };
  if (domain) settings.domain = domain;
  const dnsServer = flags.dnsServer ?? env.GMSA_DNS_SERVER;
  if (dnsServer) settings.dnsServer = dnsServer;
  const user = flags.user ?? env.GMSA_LDAP_USER;
  if (user) settings.user = user;
  const caFile = flags.caFile ?? env.GMSA_LDAP_CA;
  if (caFile) settings.caFile = caFile;
  // Refuse malformed values (and any password inside a server URL) before anything reads stdin or connects.
  for (const raw of servers) parseServerUrl(raw, settings.startTls);
  if (settings.dnsServer) parseDnsServer(settings.dnsServer);
  if (servers.length === 0 && !settings.domain) {
    throw new UsageError(
      platform === 'win32'
        ? 'no domain controller given and no domain to discover one from (USERDNSDOMAIN is not set: this host is not joined to a domain, or you are logged on locally)'
        : 'no domain controller given and no domain to discover one from',
      'Pass --domain contoso.com (or set GMSA_DOMAIN), or --server ldaps://dc01.contoso.com (GMSA_LDAP_URL).',
    );
  }
  return settings;
}

/**
 * A secret piped into standard input for `flag` (one trailing newline removed). Empty input is refused,
 * naming the flag and `whose` password it should carry.
 */
export async function readStdinSecret(flag: string, whose: string, readStdin: () => Promise<Buffer>): Promise<string> {
  const text = (await readStdin()).toString('utf8').replace(/\r?\n$/, '');
  if (text === '') {
    throw new UsageError(`${flag} was given but standard input was empty`, `Pipe ${whose} in: printf %s "$PW" | docker gmsa ... ${flag}`);
  }
  return text;
}

/** Where the password comes from: standard input when asked, else GMSA_LDAP_PASSWORD. Never argv. */
export async function readPassword(
  flags: DirectoryFlags,
  env: NodeJS.ProcessEnv,
  readStdin: () => Promise<Buffer>,
): Promise<string | undefined> {
  if (flags.passwordStdin) return readStdinSecret('--password-stdin', 'the password of the user you bind as (--user, GMSA_LDAP_USER)', readStdin);
  return env.GMSA_LDAP_PASSWORD || undefined;
}

/**
 * The bind name as AD accepts it: a UPN, DOMAIN\user, or a DN as given; a bare name gets the domain as
 * UPN suffix.
 */
export function bindName(user: string, domain: string | undefined): string {
  if (user.includes('@') || user.includes('\\') || /^[a-z]+=/i.test(user)) return user;
  return domain ? `${user}@${domain}` : user;
}
