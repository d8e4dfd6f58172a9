/**
 * `klist get krbtgt` output, parsed. Pure and never throws. Run inside a gMSA container, klist asks the
 * domain for a ticket-granting ticket and lists the cached tickets; the client of those tickets is the
 * identity the container uses on the network (the gMSA, "webapp01$ @ CONTOSO.COM"):
 *
 *   Current LogonId is 0:0x3e4
 *   A ticket to krbtgt has been retrieved successfully.
 *
 *   Cached Tickets: (1)
 *
 *   #0>     Client: webapp01$ @ CONTOSO.COM
 *           Server: krbtgt/CONTOSO.COM @ CONTOSO.COM
 *           KerbTicket Encryption Type: AES-256-CTS-HMAC-SHA1-96
 *           ...
 *
 * When it cannot: "klist failed with 0xc000005e/-1073741730: There are currently no logon servers
 * available to service the logon request."
 */
import { outputLines } from './nltest';

export interface KerberosPrincipal {
  /** "webapp01$", "krbtgt/CONTOSO.COM" */
  name: string;
  /** "CONTOSO.COM" ("" when klist printed none) */
  realm: string;
}

export interface KlistTicket {
  /** The N of "#N>". */
  index?: number;
  client: KerberosPrincipal;
  server: KerberosPrincipal;
  /** "AES-256-CTS-HMAC-SHA1-96" (KerbTicket Encryption Type). */
  encryptionType?: string;
  /** As printed, in the container's locale: "3/21/2019 4:17:53 (local)". */
  startTime?: string;
  endTime?: string;
  renewTime?: string;
  /** Ticket flag names: ["forwardable", "renewable", ...]. */
  flags?: string[];
  /** The domain controller that issued the ticket, when klist names it. */
  kdcCalled?: string;
}

export interface KlistError {
  /** Lower-case NTSTATUS / SSPI code with 0x: "0xc000005e". */
  code: string;
  /** Windows' text for it, as printed. */
  message: string;
}

export interface KlistResult {
  /** "A ticket to krbtgt has been retrieved successfully." */
  retrieved: boolean;
  tickets: KlistTicket[];
  /** "klist failed with 0x.../...: message" (or, failing that, "Error calling API ...: code"). */
  error?: KlistError;
  /** "Current LogonId is 0:0x3e4": the logon session klist ran in. */
  logonId?: string;
  /** The N of "Cached Tickets: (N)". */
  cachedCount?: number;
  /** A ticket to krbtgt was retrieved and nothing failed. */
  ok: boolean;
}

/** Well-known codes `klist get` reports inside a gMSA container. */
export const STATUS_NO_LOGON_SERVERS = '0xc000005e';
export const STATUS_NO_SUCH_LOGON_SESSION = '0xc000005f';
export const STATUS_NO_TRUST_SAM_ACCOUNT = '0xc000018b';
export const SEC_E_NO_CREDENTIALS = '0x8009030e';
export const SEC_E_NO_AUTHENTICATING_AUTHORITY = '0x80090311';

/** "webapp01$ @ CONTOSO.COM" -> { name, realm }; the realm is what follows the last @. */
export function parsePrincipal(text: string): KerberosPrincipal {
  const t = text.trim();
  const at = t.lastIndexOf('@');
  if (at < 0) return { name: t, realm: '' };
  return { name: t.slice(0, at).trim(), realm: t.slice(at + 1).trim() };
}

/** A code printed as hex or as a (possibly negative) decimal -> "0x..." lower case. */
function normalizeCode(text: string): string | undefined {
  if (/^0x[0-9a-f]{1,8}$/i.test(text)) return `0x${Number.parseInt(text.slice(2), 16).toString(16)}`;
  if (/^-?\d{1,10}$/.test(text)) {
    const n = Number.parseInt(text, 10);
    if (n < -0x80000000 || n > 0xffffffff) return undefined;
    return `0x${(n >>> 0).toString(16)}`;
  }
  return undefined;
}

const RETRIEVED = /\bA\s+ticket\s+to\s+krbtgt\s+has\s+been\s+retrieved\s+successfully\b/i;
const LOGON_ID = /^\s*Current\s+LogonId\s+is\s+(\S+)/i;
const CACHED = /^\s*Cached\s+Tickets\s*:\s*\(\s*(\d{1,6})\s*\)/i;
const FAILED = /^\s*klist\s+failed\s+with\s+(0x[0-9a-f]+|-?\d+)(?:\s*\/\s*-?\d+)?\s*:?\s*(.*)$/i;
const API_ERROR = /^\s*Error\s+calling\s+API\s+.*?:\s*(0x[0-9a-f]+|-?\d+)\s*$/i;
const TICKET_START = /^\s*#\s*(\d{1,6})\s*>\s*(.*)$/;
const TICKET_FLAGS = /^\s*Ticket\s+Flags\s+(?:0x[0-9a-f]+)?\s*(?:->\s*(.*))?$/i;
const FIELD = /^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$/;

export function parseKlistGet(output: string): KlistResult {
  const result: KlistResult = { retrieved: false, tickets: [], ok: false };
  let current: KlistTicket | undefined;
  let pendingIndex: number | undefined;
  let apiError: KlistError | undefined;

  for (const raw of outputLines(output)) {
    let line = raw;
    let m: RegExpExecArray | null;
    if ((m = TICKET_START.exec(line))) {
      // "#0>     Client: ..." starts a ticket; the client is usually on the same line.
      current = undefined;
      pendingIndex = Number.parseInt(m[1] ?? '', 10);
      line = m[2] ?? '';
    }
    if (RETRIEVED.test(line)) {
      result.retrieved = true;
      continue;
    }
    if ((m = FAILED.exec(line))) {
      const code = normalizeCode(m[1] ?? '');
      if (code !== undefined && result.error === undefined) result.error = { code, message: (m[2] ?? '').trim() };
      continue;
    }
    if ((m = API_ERROR.exec(line))) {
      const code = normalizeCode(m[1] ?? '');
      if (code !== undefined) apiError ??= { code, message: line.trim() };
      continue;
    }
    if ((m = LOGON_ID.exec(line))) {
      result.logonId ??= m[1];
      continue;
    }
    if ((m = CACHED.exec(line))) {
      result.cachedCount ??= Number.parseInt(m[1] ?? '', 10);
      continue;
    }
    if ((m = TICKET_FLAGS.exec(line))) {
      if (current) current.flags = (m[1] ?? '').split(/\s+/).filter((f) => f !== '');
      continue;
    }
    if (!(m = FIELD.exec(line))) continue;
    const key = (m[1] ?? '').replace(/\s+/g, ' ').toLowerCase();
    const value = (m[2] ?? '').trim();
    if (key === 'client') {
      current = { client: parsePrincipal(value), server: { name: '', realm: '' } };
      if (pendingIndex !== undefined) current.index = pendingIndex;
      pendingIndex = undefined;
      result.tickets.push(current);
      continue;
    }
    if (!current || value === '') continue;
    switch (key) {
      case 'server':
        current.server = parsePrincipal(value);
        break;
      case 'kerbticket encryption type':
        current.encryptionType = value;
        break;
      case 'start time':
        current.startTime = value;
        break;
      case 'end time':
        current.endTime = value;
        break;
      case 'renew time':
        current.renewTime = value;
        break;
      case 'kdc called':
        current.kdcCalled = value;
        break;
      default:
        break;
    }
  }
  if (result.error === undefined && apiError !== undefined) result.error = apiError;
  result.ok = result.retrieved && result.error === undefined;
  return result;
}
