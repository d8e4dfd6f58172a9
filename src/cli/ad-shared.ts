/** The directory connection flags every AD command shares, and opening the connection they describe. */
import { Option, type Command } from 'commander';
import type { Directory } from '../ad/connection';
import type { DirectoryFlags } from '../ad/settings';
import type { Deps } from './deps';
import { warn } from './deps';
import { collect } from './options';

export function addDirectoryOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--domain <dns>', 'domain DNS name, for DC discovery (env GMSA_DOMAIN)'))
    .addOption(new Option('--server <url>', 'domain controller, ldaps://dc01.contoso.com (repeatable; env GMSA_LDAP_URL)').argParser(collect))
    .addOption(new Option('--dns-server <host>', 'DNS server for DC discovery: address or name, optional :port (env GMSA_DNS_SERVER)'))
    .addOption(new Option('--user <name>', 'bind as admin@contoso.com, CONTOSO\\admin or a DN (env GMSA_LDAP_USER)'))
    .addOption(new Option('--password-stdin', 'read the password from standard input (else env GMSA_LDAP_PASSWORD)'))
    .addOption(new Option('--ca-file <pem>', "CA certificate(s) to verify the DC's TLS certificate (env GMSA_LDAP_CA)"))
    .addOption(new Option('--starttls', 'use ldap:// on 389 upgraded with StartTLS instead of ldaps://'))
    .addOption(new Option('--insecure-skip-tls-verify', "do not verify the DC's certificate (labs only)"))
    .addOption(new Option('--timeout <seconds>', 'bound of each network step: DNS, connect, TLS, bind, search (default 5)'));
}

export const DIRECTORY_HELP = `
Connection: --domain/GMSA_DOMAIN finds a DC through DNS SRV records; --server names one. The password is
read only from GMSA_LDAP_PASSWORD or --password-stdin, and TLS to the DC is always verified unless
--insecure-skip-tls-verify.`;

/** Opens a bound connection; the caller closes it. */
export async function connectDirectory(flags: DirectoryFlags, deps: Deps, o: { anonymous?: boolean } = {}): Promise<Directory> {
  const { directorySettings, readPassword } = require('../ad/settings') as typeof import('../ad/settings');
  const { openDirectory } = require('../ad/connection') as typeof import('../ad/connection');
  const settings = directorySettings(flags, deps.env, deps.platform);
  if (settings.insecureSkipTlsVerify) {
    warn(deps, "--insecure-skip-tls-verify: the DC's certificate is not checked; anyone on the path can read the password you bind with.");
  }
  const password = o.anonymous ? undefined : await readPassword(flags, deps.env, () => deps.io.readStdin());
  return openDirectory(settings, {
    ...(password !== undefined ? { password } : {}),
    ...(o.anonymous ? { anonymous: true } : {}),
    onSkip: (url, reason) => warn(deps, `${url} did not answer (${reason}); trying the next domain controller`),
  });
}

/** Runs `fn` with an open directory and always closes it. */
export async function withDirectory<T>(flags: DirectoryFlags, deps: Deps, fn: (dir: Directory) => Promise<T>): Promise<T> {
  const dir = await connectDirectory(flags, deps);
  try {
    return await fn(dir);
  } finally {
    await dir.close();
  }
}

/** What the spec lookup's Active Directory step reads from a command's options. */
export interface LookupFlags {
  offline?: boolean;
  domain?: string;
  server?: string[];
}

/**
 * The options of every command that looks up a spec by account: --offline forbids the directory step;
 * --domain/--server pick the directory (the rest of the connection comes from GMSA_LDAP_* as for the AD
 * commands).
 */
export function addLookupOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--offline', 'never build the spec from Active Directory (env GMSA_OFFLINE=1)'))
    .addOption(new Option('--domain <dns>', 'domain to build the spec from when no spec is found (env GMSA_DOMAIN)'))
    .addOption(new Option('--server <url>', 'domain controller to build the spec from, ldaps://dc01.contoso.com (repeatable; env GMSA_LDAP_URL)').argParser(collect));
}

/** The directory flags of a lookup (the connection settings besides these come from the environment). */
export function lookupDirectory(o: LookupFlags): DirectoryFlags {
  const flags: DirectoryFlags = {};
  if (o.domain !== undefined) flags.domain = o.domain;
  if (o.server !== undefined) flags.server = o.server;
  return flags;
}
