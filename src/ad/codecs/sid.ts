/**
 * Security identifiers (MS-DTYP 2.4.2): binary <-> `S-1-...` text, plus the names of well-known SIDs.
 *
 * Binary form: revision (u8, always 1), sub-authority count (u8, 0..15), identifier authority (6 bytes,
 * big-endian), then that many u32 little-endian sub-authorities. Text form: `S-1-<authority>-<sub>...`
 * where the authority is decimal below 2^32 and `0x` + 12 hex digits from 2^32 on (the way Windows
 * prints it; lower-case, as ConvertSidToStringSid does).
 *
 * Parsing never trusts a length: every read is bounds-checked and failures are InvalidInputError.
 */
import { InvalidInputError } from '../../errors';

export const SID_REVISION = 1;
export const SID_MAX_SUB_AUTHORITIES = 15;
const MAX_AUTHORITY = 2 ** 48 - 1;
const MAX_U32 = 0xffffffff;

/** A SID taken apart. `authority` is exact: at most 2^48 - 1, well inside Number's safe range. */
export interface SidParts {
  authority: number;
  subAuthorities: number[];
}

/**
 * Reads one binary SID that starts at `offset` inside `buf` (which may hold more after it, as inside a
 * security descriptor). Returns the text form and the number of bytes it took. `what` names the field
 * in error messages.
 */
export function readSid(buf: Uint8Array, offset: number, what = 'SID'): { sid: string; length: number } {
  const available = buf.length - offset;
  if (offset < 0 || available < 8) {
    throw new InvalidInputError(
      `${what}: truncated: a SID needs at least 8 bytes at offset ${offset}, ${Math.max(0, available)} available`,
    );
  }
  const revision = buf[offset] as number;
  if (revision !== SID_REVISION) {
    throw new InvalidInputError(`${what}: revision ${revision} at offset ${offset} is not 1`);
  }
  const count = buf[offset + 1] as number;
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw new InvalidInputError(`${what}: ${count} sub-authorities (at most ${SID_MAX_SUB_AUTHORITIES} allowed)`);
  }
  const length = 8 + 4 * count;
  if (available < length) {
    throw new InvalidInputError(
      `${what}: truncated: ${count} sub-authorities need ${length} bytes at offset ${offset}, ${available} available`,
    );
  }
  let authority = 0;
  for (let i = 0; i < 6; i++) authority = authority * 256 + (buf[offset + 2 + i] as number);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = offset + 8 + 4 * i;
    subs.push(
      ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16)) +
        (buf[p + 3] as number) * 0x1000000,
    );
  }
  return { sid: formatSid({ authority, subAuthorities: subs }), length };
}

/** Binary SID (exactly one, nothing after it) to its `S-1-...` text. */
export function sidToString(buf: Uint8Array): string {
  const { sid, length } = readSid(buf, 0, 'SID');
  if (length !== buf.length) {
    throw new InvalidInputError(`SID: ${buf.length - length} unexpected bytes after the ${length}-byte SID ${sid}`);
  }
  return sid;
}

/** Text form of SID parts, as Windows prints it. */
export function formatSid(parts: SidParts): string {
  const a = parts.authority;
  const authority = a <= MAX_U32 ? String(a) : `0x${a.toString(16).padStart(12, '0')}`;
  return ['S', String(SID_REVISION), authority, ...parts.subAuthorities.map(String)].join('-');
}

const SID_TEXT = /^[Ss]-1-(0[xX][0-9a-fA-F]{1,12}|[0-9]{1,15})((?:-[0-9]{1,10})*)$/;

/**
 * Parses `S-1-<authority>(-<sub>)*`: revision 1, authority decimal or `0x` hex (< 2^48), at most 15
 * sub-authorities, each a decimal u32. A lower-case `s-` is accepted. Throws InvalidInputError.
 */
export function parseSid(sid: string): SidParts {
  const parts = tryParseSid(sid);
  if (!parts) {
    throw new InvalidInputError(
      `${JSON.stringify(sid)} is not a valid SID`,
      'A SID looks like S-1-5-21-1004336348-1177238915-682003330-1105.',
    );
  }
  return parts;
}

function tryParseSid(sid: string): SidParts | undefined {
  if (typeof sid !== 'string') return undefined;
  const m = SID_TEXT.exec(sid);
  if (!m) return undefined;
  const authText = m[1] as string;
  const authority = /^0x/i.test(authText) ? parseInt(authText.slice(2), 16) : Number(authText);
  if (!Number.isSafeInteger(authority) || authority > MAX_AUTHORITY) return undefined;
  const rest = m[2] as string;
  const subAuthorities = rest === '' ? [] : rest.slice(1).split('-').map(Number);
  if (subAuthorities.length > SID_MAX_SUB_AUTHORITIES) return undefined;
  if (subAuthorities.some((s) => s > MAX_U32)) return undefined;
  return { authority, subAuthorities };
}

/** True when `sid` is a syntactically valid SID string. */
export function isValidSid(sid: string): boolean {
  return tryParseSid(sid) !== undefined;
}

/** The canonical text of a SID string (upper-case S, no leading zeros, Windows' authority format). */
export function normalizeSid(sid: string): string {
  return formatSid(parseSid(sid));
}

/** `S-1-...` text to the binary form. Throws InvalidInputError on a malformed SID. */
export function sidToBuffer(sid: string): Buffer {
  const { authority, subAuthorities } = parseSid(sid);
  const buf = Buffer.alloc(8 + 4 * subAuthorities.length);
  buf[0] = SID_REVISION;
  buf[1] = subAuthorities.length;
  buf.writeUIntBE(authority, 2, 6);
  subAuthorities.forEach((s, i) => buf.writeUInt32LE(s, 8 + 4 * i));
  return buf;
}

function isNtDomainShape(p: SidParts): boolean {
  return p.authority === 5 && p.subAuthorities[0] === 21;
}

/** A domain SID: S-1-5-21 followed by exactly three more sub-authorities. False for malformed text. */
export function isDomainSid(sid: string): boolean {
  const p = tryParseSid(sid);
  return p !== undefined && isNtDomainShape(p) && p.subAuthorities.length === 4;
}

/**
 * The domain SID of an account SID (S-1-5-21-a-b-c-RID, exactly five sub-authorities), i.e. the SID
 * without its RID; undefined for any other SID (BUILTIN, NT AUTHORITY, a domain SID itself...).
 * Throws InvalidInputError when `sid` is not a SID at all.
 */
export function domainOfAccountSid(sid: string): string | undefined {
  const p = parseSid(sid);
  if (!isNtDomainShape(p) || p.subAuthorities.length !== 5) return undefined;
  return formatSid({ authority: p.authority, subAuthorities: p.subAuthorities.slice(0, 4) });
}

/**
 * The relative identifier: the last sub-authority (1105 for S-1-5-21-a-b-c-1105, 544 for
 * S-1-5-32-544). Undefined for a SID without sub-authorities. Throws InvalidInputError when malformed.
 */
export function ridOf(sid: string): number | undefined {
  const subs = parseSid(sid).subAuthorities;
  return subs[subs.length - 1];
}

/** Names of SIDs that are the same in every domain, as Windows shows them (DOMAIN\name or name). */
export const WELL_KNOWN_SIDS: Readonly<Record<string, string>> = Object.freeze({
  'S-1-0-0': 'NULL SID',
  'S-1-1-0': 'Everyone',
  'S-1-2-0': 'LOCAL',
  'S-1-3-0': 'CREATOR OWNER',
  'S-1-3-1': 'CREATOR GROUP',
  'S-1-3-4': 'OWNER RIGHTS',
  'S-1-5-2': 'NT AUTHORITY\\NETWORK',
  'S-1-5-4': 'NT AUTHORITY\\INTERACTIVE',
  'S-1-5-6': 'NT AUTHORITY\\SERVICE',
  'S-1-5-7': 'NT AUTHORITY\\ANONYMOUS LOGON',
  'S-1-5-9': 'NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS',
  'S-1-5-10': 'NT AUTHORITY\\SELF',
  'S-1-5-11': 'NT AUTHORITY\\Authenticated Users',
  'S-1-5-18': 'NT AUTHORITY\\SYSTEM',
  'S-1-5-19': 'NT AUTHORITY\\LOCAL SERVICE',
  'S-1-5-20': 'NT AUTHORITY\\NETWORK SERVICE',
  'S-1-5-32-544': 'BUILTIN\\Administrators',
  'S-1-5-32-545': 'BUILTIN\\Users',
  'S-1-5-32-546': 'BUILTIN\\Guests',
  'S-1-5-32-548': 'BUILTIN\\Account Operators',
  'S-1-5-32-549': 'BUILTIN\\Server Operators',
  'S-1-5-32-550': 'BUILTIN\\Print Operators',
  'S-1-5-32-551': 'BUILTIN\\Backup Operators',
  'S-1-5-32-554': 'BUILTIN\\Pre-Windows 2000 Compatible Access',
  'S-1-5-32-555': 'BUILTIN\\Remote Desktop Users',
  'S-1-5-32-560': 'BUILTIN\\Windows Authorization Access Group',
  'S-1-5-32-568': 'BUILTIN\\IIS_IUSRS',
  'S-1-5-32-580': 'BUILTIN\\Remote Management Users',
});

/** Well-known RIDs relative to a domain SID (S-1-5-21-a-b-c-<rid>). */
export const DOMAIN_RELATIVE_RIDS: Readonly<Record<number, string>> = Object.freeze({
  500: 'Administrator',
  501: 'Guest',
  502: 'krbtgt',
  512: 'Domain Admins',
  513: 'Domain Users',
  514: 'Domain Guests',
  515: 'Domain Computers',
  516: 'Domain Controllers',
  517: 'Cert Publishers',
  518: 'Schema Admins',
  519: 'Enterprise Admins',
  520: 'Group Policy Creator Owners',
  521: 'Read-only Domain Controllers',
  522: 'Cloneable Domain Controllers',
  525: 'Protected Users',
  526: 'Key Admins',
  527: 'Enterprise Key Admins',
  553: 'RAS and IAS Servers',
  571: 'Allowed RODC Password Replication Group',
  572: 'Denied RODC Password Replication Group',
});

/**
 * The display name of a well-known SID, including the domain-relative ones (Domain Admins, Domain
 * Computers...). A domain-relative name is prefixed with `domainName\` when one is given. Undefined for
 * other SIDs and for malformed text (this is a lookup, it does not throw).
 */
export function wellKnownName(sid: string, domainName?: string): string | undefined {
  const p = tryParseSid(sid);
  if (!p) return undefined;
  const fixed = WELL_KNOWN_SIDS[formatSid(p)];
  if (fixed !== undefined) return fixed;
  if (isNtDomainShape(p) && p.subAuthorities.length === 5) {
    const name = DOMAIN_RELATIVE_RIDS[p.subAuthorities[4] as number];
    if (name !== undefined) return domainName ? `${domainName}\\${name}` : name;
  }
  return undefined;
}

/** SDDL two-letter aliases of SIDs that are the same everywhere (MS-DTYP 2.4.2.4). */
export const SDDL_SID_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'S-1-1-0': 'WD',
  'S-1-3-0': 'CO',
  'S-1-3-1': 'CG',
  'S-1-3-4': 'OW',
  'S-1-5-2': 'NU',
  'S-1-5-4': 'IU',
  'S-1-5-6': 'SU',
  'S-1-5-7': 'AN',
  'S-1-5-9': 'ED',
  'S-1-5-10': 'PS',
  'S-1-5-11': 'AU',
  'S-1-5-12': 'RC',
  'S-1-5-18': 'SY',
  'S-1-5-19': 'LS',
  'S-1-5-20': 'NS',
  'S-1-5-32-544': 'BA',
  'S-1-5-32-545': 'BU',
  'S-1-5-32-546': 'BG',
  'S-1-5-32-547': 'PU',
  'S-1-5-32-548': 'AO',
  'S-1-5-32-549': 'SO',
  'S-1-5-32-550': 'PO',
  'S-1-5-32-551': 'BO',
  'S-1-5-32-552': 'RE',
  'S-1-5-32-554': 'RU',
  'S-1-5-32-555': 'RD',
  'S-1-5-32-556': 'NO',
  'S-1-5-32-558': 'MU',
  'S-1-5-32-559': 'LU',
  'S-1-5-32-568': 'IS',
  'S-1-5-32-569': 'CY',
  'S-1-5-32-573': 'ER',
  'S-1-5-32-578': 'HA',
  'S-1-5-32-579': 'RA',
  'S-1-5-32-580': 'RM',
  'S-1-5-33': 'WR',
  'S-1-16-4096': 'LW',
  'S-1-16-8192': 'ME',
  'S-1-16-8448': 'MP',
  'S-1-16-12288': 'HI',
  'S-1-16-16384': 'SI',
});

/** SDDL aliases of domain-relative RIDs; they apply only to SIDs of the domain the reader is in. */
export const SDDL_DOMAIN_RID_ALIASES: Readonly<Record<number, string>> = Object.freeze({
  500: 'LA',
  501: 'LG',
  512: 'DA',
  513: 'DU',
  514: 'DG',
  515: 'DC',
  516: 'DD',
  517: 'CA',
  518: 'SA',
  519: 'EA',
  520: 'PA',
  521: 'RO',
  522: 'CN',
  525: 'AP',
  526: 'KA',
  527: 'EK',
  553: 'RS',
});

/**
 * The SDDL alias of a SID, or undefined. Domain-relative aliases (DA, DC, DD...) are used only when
 * `domainSid` is given and the SID belongs to that domain, as Windows does for its own domain.
 */
export function sddlAliasOf(sid: string, domainSid?: string): string | undefined {
  const p = tryParseSid(sid);
  if (!p) return undefined;
  const fixed = SDDL_SID_ALIASES[formatSid(p)];
  if (fixed !== undefined) return fixed;
  if (domainSid !== undefined && isNtDomainShape(p) && p.subAuthorities.length === 5) {
    const dom = tryParseSid(domainSid);
    if (dom && formatSid(dom) === formatSid({ authority: 5, subAuthorities: p.subAuthorities.slice(0, 4) })) {
      return SDDL_DOMAIN_RID_ALIASES[p.subAuthorities[4] as number];
    }
  }
  return undefined;
}
