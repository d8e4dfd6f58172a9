/**
 * `nltest /sc_verify:DOMAIN` output, parsed. Pure: the caller runs nltest inside the container and hands
 * over what it printed. Never throws; anything it does not recognise is simply left out of the result.
 *
 * What nltest prints when the container's secure channel works:
 *
 *   Flags: b0 HAS_IP  HAS_TIMESERV
 *   Trusted DC Name \\dc01.contoso.com
 *   Trusted DC Connection Status Status = 0 0x0 NERR_Success
 *   Trust Verification Status = 0 0x0 NERR_Success
 *   The command completed successfully
 *
 * and when it cannot even ask (no domain controller found for the name, not an administrator...):
 *
 *   I_NetLogonControl failed: Status = 1355 0x54b ERROR_NO_SUCH_DOMAIN
 */

/** A Win32 / NET status as nltest prints it: "1311 0x51f ERROR_NO_LOGON_SERVERS". */
export interface Status {
  code: number;
  /** Lower-case, with 0x: "0x51f". */
  hex: string;
  /** "NERR_Success", "ERROR_NO_LOGON_SERVERS"... (from the known codes when nltest printed none). */
  name: string;
}

export interface NltestResult {
  /** The domain controller the channel is set up with, without the leading \\ ("dc01.contoso.com"). */
  trustedDcName?: string;
  /** "Trusted DC Connection Status Status = ..." */
  connection?: Status;
  /** "Trust Verification Status = ..." */
  verification?: Status;
  /** nltest printed "The command completed successfully" (it does so even when a status is an error). */
  completed: boolean;
  /** "I_NetLogonControl failed: Status = ..." (or I_NetLogonControl2): nltest got no answer at all. */
  failure?: Status;
  /** The connection and the trust verification both report 0 (NERR_Success), and nothing failed. */
  ok: boolean;
}

/** Status codes nltest reports while verifying a container's secure channel, with their names. */
export const NETLOGON_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'NERR_Success',
  5: 'ERROR_ACCESS_DENIED',
  1311: 'ERROR_NO_LOGON_SERVERS',
  1355: 'ERROR_NO_SUCH_DOMAIN',
  1722: 'RPC_S_SERVER_UNAVAILABLE',
  1786: 'ERROR_NO_TRUST_LSA_SECRET',
  1787: 'ERROR_NO_TRUST_SAM_ACCOUNT',
  1788: 'ERROR_TRUSTED_DOMAIN_FAILURE',
  1789: 'ERROR_TRUSTED_RELATIONSHIP_FAILURE',
  1792: 'ERROR_NETLOGON_NOT_STARTED',
};

/** Named codes, so callers need not repeat the numbers. */
export const NERR_SUCCESS = 0;
export const ERROR_ACCESS_DENIED = 5;
export const ERROR_NO_LOGON_SERVERS = 1311;
export const ERROR_NO_SUCH_DOMAIN = 1355;
export const RPC_S_SERVER_UNAVAILABLE = 1722;
export const ERROR_NO_TRUST_SAM_ACCOUNT = 1787;
export const ERROR_TRUSTED_RELATIONSHIP_FAILURE = 1789;

// Escape sequences a console (ConPTY behind `docker exec -t`) may add: CSI and OSC.
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
const STRAY_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]/g;

/**
 * Console output as trimmed-right lines: CRLF, lone CR, a BOM, NULs and terminal escape sequences are
 * all tolerated. Shared by the Windows output parsers.
 */
export function outputLines(output: string): string[] {
  const text = typeof output === 'string' ? output : '';
  return text
    .replace(ESCAPES, '')
    .replace(/\r\n?/g, '\n')
    .replace(STRAY_CONTROLS, '')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
}

/** "0x54b" for 1355. */
export function hexOf(code: number): string {
  return `0x${(code >>> 0).toString(16)}`;
}

/**
 * Reads "1355 0x54b ERROR_NO_SUCH_DOMAIN" (the text after "Status ="). Either number may be missing; the
 * name then comes from the known codes ("" when unknown). Undefined when there is no number at all.
 */
export function parseStatus(text: string): Status | undefined {
  // Each part must end at a word boundary: "0x6fd" is not the decimal 0 followed by the name "x6fd".
  const m = /^\s*(?:(\d{1,10})(?![\w]))?\s*(?:(0x[0-9a-f]{1,8})(?![\w]))?\s*([A-Za-z_][A-Za-z0-9_]*)?/i.exec(text);
  if (!m) return undefined;
  const [, dec, hex, name] = m;
  if (dec === undefined && hex === undefined) return undefined;
  const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!.slice(2), 16);
  if (!Number.isSafeInteger(code)) return undefined;
  return {
    code,
    hex: hex !== undefined ? hex.toLowerCase() : hexOf(code),
    name: name ?? NETLOGON_STATUS_NAMES[code] ?? '',
  };
}

/** "1311 0x51f ERROR_NO_LOGON_SERVERS" */
export function formatStatus(s: Status): string {
  return [String(s.code), s.hex, s.name].filter((x) => x !== '').join(' ');
}

const DC_NAME = /^\s*Trusted\s+DC\s+Name\b[\s:]*(.*)$/i;
const CONNECTION = /^\s*Trusted\s+DC\s+Connection\s+Status\s+Status\s*[=:]\s*(.*)$/i;
const VERIFICATION = /^\s*Trust\s+Verification\s+Status\s*[=:]\s*(.*)$/i;
const FAILURE = /^\s*I_NetLogonControl2?\s+failed\s*:?\s*Status\s*[=:]\s*(.*)$/i;
const COMPLETED = /^\s*The\s+command\s+completed\s+successfully\b/i;

export function parseNltestScVerify(output: string): NltestResult {
  const result: NltestResult = { completed: false, ok: false };
  for (const line of outputLines(output)) {
    let m: RegExpExecArray | null;
    if ((m = CONNECTION.exec(line))) {
      result.connection ??= parseStatus(m[1] ?? '');
    } else if ((m = VERIFICATION.exec(line))) {
      result.verification ??= parseStatus(m[1] ?? '');
    } else if ((m = FAILURE.exec(line))) {
      result.failure ??= parseStatus(m[1] ?? '');
    } else if ((m = DC_NAME.exec(line))) {
      const name = (m[1] ?? '').trim().replace(/^\\+/, '').trim();
      if (name !== '' && result.trustedDcName === undefined) result.trustedDcName = name;
    } else if (COMPLETED.test(line)) {
      result.completed = true;
    }
  }
  for (const key of ['connection', 'verification', 'failure'] as const) {
    if (result[key] === undefined) delete result[key];
  }
  result.ok = result.failure === undefined && result.connection?.code === NERR_SUCCESS && result.verification?.code === NERR_SUCCESS;
  return result;
}
