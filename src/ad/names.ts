/**
 * The rules for the names the AD commands take from a user, in one place: the gMSA name (which becomes a
 * container's host name and the account's dNSHostName, so it must be a NetBIOS computer name and a DNS
 * label at once), DNS host names, service principal names, group names, and the domain part of a
 * qualified name (DOMAIN\name, name@dns.domain). Pure: no directory, no I/O.
 *
 * Each rule has a `...Problem` form (what is wrong, or undefined) and a `check...` form that throws an
 * InvalidInputError naming the value and the fix.
 */
import type { NameProblem } from '../credspec/model';
import { splitAccountName } from '../credspec/model';
import { InvalidInputError } from '../errors';

export type { NameProblem };

/** NetBIOS computer names (and so gMSA names) are at most 15 characters. */
export const MAX_GMSA_NAME_LENGTH = 15;
/** A DNS label is at most 63 octets, a DNS name 253 characters in text form. */
export const MAX_DNS_LABEL_LENGTH = 63;
export const MAX_DNS_NAME_LENGTH = 253;
/** Group names: at most 63 characters (cn allows 64; Windows tools stop at 63). */
export const MAX_GROUP_NAME_LENGTH = 63;

/** Characters that are invisible or reorder text on a terminal: shown as \u{...} in messages, never raw. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/** A value as messages show it: quoted, with control and bidi characters written as \u{XXXX}. */
export function shown(value: string): string {
  const escaped = value.replace(UNPRINTABLE, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}}`);
  return `"${escaped.replace(/"/g, '\\"')}"`;
}

/** One character as messages name it: 'x', a space, or U+XXXX for anything not plainly printable. */
export function describeChar(ch: string): string {
  if (ch === ' ') return 'a space';
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x21 || cp === 0x7f || new RegExp(UNPRINTABLE.source, 'u').test(ch) || /\s/u.test(ch)) {
    return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return cp < 0x80 ? `'${ch}'` : `'${ch}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

function firstMatch(value: string, allowed: RegExp): string | undefined {
  for (const ch of value) if (!allowed.test(ch)) return ch;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// gMSA names

const GMSA_FIX = `A gMSA name becomes the container's host name: use 1 to ${MAX_GMSA_NAME_LENGTH} letters, digits or hyphens, with a letter somewhere and no hyphen first or last, e.g. webapp01.`;

/**
 * What is wrong with a gMSA name (the bare name: no domain part; one trailing `$` is allowed and ignored),
 * as a NetBIOS computer name and a DNS label: ASCII letters, digits and hyphens, 1-15 characters, not
 * all digits, no leading or trailing hyphen.
 */
export function gmsaNameProblem(bare: string): NameProblem | undefined {
  const name = bare.endsWith('$') ? bare.slice(0, -1) : bare;
  const problem = (code: string, message: string): NameProblem => ({ code, message, fix: GMSA_FIX });
  if (name.length === 0) return problem('gmsa-name-empty', 'the name is empty');
  const bad = firstMatch(name, /^[A-Za-z0-9-]$/);
  if (bad !== undefined) {
    const why = bad === '.' ? "'.' (a dot would make it a DNS name of several labels)" : describeChar(bad);
    return problem('gmsa-name-invalid-chars', `it contains ${why}; only letters, digits and hyphens are allowed`);
  }
  if (name.length > MAX_GMSA_NAME_LENGTH) {
    return problem('gmsa-name-too-long', `it is ${name.length} characters long; a NetBIOS computer name has at most ${MAX_GMSA_NAME_LENGTH}`);
  }
  if (/^[0-9]+$/.test(name)) return problem('gmsa-name-digits', 'it is all digits; a host name needs at least one letter or hyphen');
  if (name.startsWith('-') || name.endsWith('-')) return problem('gmsa-name-hyphen', 'it starts or ends with a hyphen, which a DNS label may not');
  return undefined;
}

/** The bare gMSA name (domain part and trailing $ removed) of `input`, or an InvalidInputError. */
export function checkGmsaName(input: string): string {
  const { name } = splitAccountName(input);
  const problem = gmsaNameProblem(name);
  if (problem) throw new InvalidInputError(`invalid gMSA name ${shown(input)}: ${problem.message}`, problem.fix);
  return name;
}

// ---------------------------------------------------------------------------------------------------------
// DNS host names

/** What is wrong with a host's fully qualified DNS name (dNSHostName): letters, digits, hyphens per label. */
export function dnsHostNameProblem(fqdn: string): NameProblem | undefined {
  const fix = 'Give a DNS host name such as webapp01.contoso.com: labels of letters, digits and hyphens, separated by dots, no trailing dot.';
  const problem = (message: string): NameProblem => ({ code: 'dns-host-name-invalid', message, fix });
  if (fqdn.length === 0) return problem('it is empty');
  if (fqdn.length > MAX_DNS_NAME_LENGTH) return problem(`it is ${fqdn.length} characters long; a DNS name has at most ${MAX_DNS_NAME_LENGTH}`);
  const bad = firstMatch(fqdn, /^[A-Za-z0-9.-]$/);
  if (bad !== undefined) return problem(`it contains ${describeChar(bad)}`);
  if (fqdn.endsWith('.')) return problem('it ends with a dot');
  for (const label of fqdn.split('.')) {
    if (label.length === 0) return problem('it has an empty label (two dots in a row, or a leading dot)');
    if (label.length > MAX_DNS_LABEL_LENGTH) return problem(`its label "${label.slice(0, 20)}..." is longer than ${MAX_DNS_LABEL_LENGTH} characters`);
    if (label.startsWith('-') || label.endsWith('-')) return problem(`its label "${label}" starts or ends with a hyphen`);
  }
  if (/^[0-9]+$/.test(fqdn.split('.').pop() as string)) return problem('its last label is all digits (an address is not a host name)');
  return undefined;
}

export function checkDnsHostName(fqdn: string, what = '--dns-host-name'): string {
  const problem = dnsHostNameProblem(fqdn);
  if (problem) throw new InvalidInputError(`invalid ${what} ${shown(fqdn)}: ${problem.message}`, problem.fix);
  return fqdn;
}

// ---------------------------------------------------------------------------------------------------------
// Service principal names

const SPN_FIX = 'An SPN has the form service/host[:port][/name], without spaces, e.g. http/web.contoso.com or MSSQLSvc/sql01.contoso.com:1433.';
const SERVICE_CLASS = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SPN_HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
/** A port (1-65535) or, as SQL Server writes it, a named instance (MSSQLSvc/host:INSTANCE). */
const SPN_PORT_OR_INSTANCE = /^(?:[0-9]{1,5}|[A-Za-z][A-Za-z0-9_$#-]{0,15})$/;

/** What is wrong with a service principal name `service/host[:port][/name]`, if anything. */
export function spnProblem(spn: string): NameProblem | undefined {
  const problem = (message: string): NameProblem => ({ code: 'spn-invalid', message, fix: SPN_FIX });
  if (spn.length === 0) return problem('it is empty');
  const bad = /[\s\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.exec(spn);
  if (bad) return problem(`it contains ${describeChar(bad[0])}`);
  const parts = spn.split('/');
  if (parts.length < 2 || parts.length > 3) return problem('it is not service/host[:port][/name]');
  const [service = '', hostPort = '', name] = parts;
  if (!SERVICE_CLASS.test(service)) return problem(`its service class ${shown(service)} is not letters, digits, '.', '_' or '-'`);
  const colon = hostPort.indexOf(':');
  const host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
  const port = colon >= 0 ? hostPort.slice(colon + 1) : undefined;
  if (host.length === 0 || host.length > MAX_DNS_NAME_LENGTH || !host.split('.').every((l) => SPN_HOST_LABEL.test(l))) {
    return problem(`its host ${shown(host)} is not a host name (letters, digits, hyphens, dot-separated)`);
  }
  if (port !== undefined) {
    if (!SPN_PORT_OR_INSTANCE.test(port)) return problem(`${shown(port)} after ':' is neither a port nor an instance name`);
    if (/^[0-9]+$/.test(port) && (Number(port) < 1 || Number(port) > 65535)) return problem(`its port ${port} is not between 1 and 65535`);
  }
  if (name !== undefined && name.length === 0) return problem("it ends with '/' but gives no service name");
  return undefined;
}

export function checkSpn(spn: string): string {
  const problem = spnProblem(spn);
  if (problem) throw new InvalidInputError(`invalid SPN ${shown(spn)}: ${problem.message}`, problem.fix);
  return spn;
}

// ---------------------------------------------------------------------------------------------------------
// Group names

/** The characters AD refuses in a pre-Windows 2000 (sAMAccountName) name. */
const GROUP_FORBIDDEN = /["/\\[\]:;|=,+*?<>\p{Cc}]/u;

/** What is wrong with a security group name (its sAMAccountName and cn), if anything. */
export function groupNameProblem(name: string): NameProblem | undefined {
  const fix = `Use up to ${MAX_GROUP_NAME_LENGTH} characters without " / \\ [ ] : ; | = , + * ? < > or control characters, e.g. webapp01Hosts.`;
  const problem = (message: string): NameProblem => ({ code: 'group-name-invalid', message, fix });
  if (name.length === 0) return problem('it is empty');
  const bad = GROUP_FORBIDDEN.exec(name) ?? /[\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.exec(name);
  if (bad) return problem(`it contains ${describeChar(bad[0])}, which Active Directory does not allow in a group name`);
  if ([...name].length > MAX_GROUP_NAME_LENGTH) return problem(`it is ${[...name].length} characters long; at most ${MAX_GROUP_NAME_LENGTH}`);
  if (/^\s|\s$/u.test(name)) return problem('it starts or ends with white space');
  if (/^[0-9. ]+$/.test(name)) return problem('it consists only of digits, dots or spaces');
  if (name.endsWith('.')) return problem('it ends with a dot');
  return undefined;
}

export function checkGroupName(name: string, what = '--group'): string {
  const problem = groupNameProblem(name);
  if (problem) throw new InvalidInputError(`invalid ${what} ${shown(name)}: ${problem.message}`, problem.fix);
  return name;
}

// ---------------------------------------------------------------------------------------------------------
// The domain part of a qualified name

/** The connected domain, as far as names are concerned. */
export interface DomainNames {
  dnsName: string;
  netbiosName: string;
}

/**
 * Refuses DOMAIN\name when DOMAIN is not the connected domain (by NetBIOS or DNS name), and name@suffix
 * when the suffix is not its DNS (or NetBIOS) name: the account would silently be looked up in the
 * connected domain instead. Names without a domain part pass.
 */
/** Whether a domain as a user writes it (NetBIOS or DNS name, a trailing dot allowed) is `domain`; without case. */
export function namesDomain(qualifier: string, domain: DomainNames): boolean {
  const q = qualifier.replace(/\.$/, '').toLowerCase();
  return q === domain.netbiosName.toLowerCase() || q === domain.dnsName.toLowerCase();
}

export function checkSameDomain(input: string, domain: DomainNames): void {
  const { domain: qualifier } = splitAccountName(input);
  if (qualifier === undefined || namesDomain(qualifier, domain)) return;
  const upn = !input.includes('\\');
  throw new InvalidInputError(
    `${shown(input)} names an account of ${upn ? 'the DNS domain' : 'the domain'} ${shown(qualifier)}, but the directory connected to is ${domain.netbiosName} (${domain.dnsName}); accounts of other domains are not supported`,
    `Give the name without a domain part to use ${domain.netbiosName}'s account, or connect to a domain controller of that domain (--domain/--server) and run the command there.`,
  );
}
