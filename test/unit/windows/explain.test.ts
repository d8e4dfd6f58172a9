/**
 * explain: every entry of troubleshooting.md, in every number form a user may paste. The expected codes
 * below are written by hand from the reference (not read from the table under test); the test computes
 * each form itself.
 */
import { explain } from '../../../src/windows/explain';
import { EXPLAIN_ENTRIES } from '../../../src/windows/explain-table';

const names = (input: string): string[] => explain(input).map((m) => m.entry.name);

/** [name, code]: NTSTATUS values, also reachable through the HRESULT that wraps them (bit 0x10000000). */
const NTSTATUS: [string, number][] = [
  ['RPC_NT_SERVER_UNAVAILABLE', 0xc0020017],
  ['STATUS_BAD_VALIDATION_CLASS', 0xc00000a7],
  ['STATUS_ACCESS_DENIED', 0xc0000022],
  ['STATUS_NO_LOGON_SERVERS', 0xc000005e],
  ['STATUS_LOGON_FAILURE', 0xc000006d],
  ['STATUS_TIME_DIFFERENCE_AT_DC', 0xc0000133],
  ['STATUS_NO_TRUST_SAM_ACCOUNT', 0xc000018b],
  ['STATUS_TRUSTED_DOMAIN_FAILURE', 0xc000018c],
  ['STATUS_KDC_UNKNOWN_ETYPE', 0xc00002fd],
  ['the container OS does not match the host OS', 0xc0370101],
];
const HRESULT: [string, number][] = [
  ['E_ACCESSDENIED', 0x80070005],
  ['CO_E_RUNAS_LOGON_FAILURE', 0x8000401a],
  ['SEC_E_NO_AUTHENTICATING_AUTHORITY', 0x80090311],
  ['SEC_E_NO_CREDENTIALS', 0x8009030e],
  ['SEC_E_LOGON_DENIED', 0x8009030c],
  ['SEC_E_WRONG_PRINCIPAL', 0x80090322],
];
const WIN32: [string, number][] = [
  ['NERR_Success', 0],
  ['ERROR_ACCESS_DENIED', 5],
  ['ERROR_NO_LOGON_SERVERS', 1311],
  ['ERROR_LOGON_FAILURE', 1326],
  ['ERROR_NO_SUCH_DOMAIN', 1355],
  ['RPC_S_SERVER_UNAVAILABLE', 1722],
  ['ERROR_NO_TRUST_LSA_SECRET', 1786],
  ['ERROR_NO_TRUST_SAM_ACCOUNT', 1787],
  ['ERROR_TRUSTED_RELATIONSHIP_FAILURE', 1789],
];
const KERBEROS: [string, number][] = [
  ['KDC_ERR_C_PRINCIPAL_UNKNOWN', 0x6],
  ['KDC_ERR_S_PRINCIPAL_UNKNOWN', 0x7],
  ['KDC_ERR_ETYPE_NOSUPP', 0xe],
  ['KDC_ERR_PREAUTH_FAILED', 0x18],
  ['KRB_AP_ERR_SKEW', 0x25],
];
/** [log, id]. */
const EVENTS: [string, number][] = [
  ['Microsoft-Windows-Containers-CCG/Admin', 1],
  ['Microsoft-Windows-Containers-CCG/Admin', 2],
  ['Microsoft-Windows-Containers-CCG/Admin', 3],
  ['Microsoft-Windows-Containers-CCG/Admin', 4],
  ['Microsoft-Windows-Containers-CCG/Admin', 6],
  ['Microsoft-Windows-Containers-CCG/Admin', 7],
  ['Microsoft-Windows-Containers-CCG/Admin', 8],
  ...[1000, 1003, 1005, 1006, 1007, 1013, 1014, 1015, 1016, 1018].map((n): [string, number] => ['Microsoft-AKSGMSAPlugin/Admin', n]),
  ['System (source NETLOGON)', 5720],
  ['Microsoft-Windows-Hyper-V-Compute-Admin', 11507],
];

const hex = (v: number): string => (v >>> 0).toString(16);
const signed = (v: number): string => String(v | 0);

describe('explain: every code in every form', () => {
  test.each([...NTSTATUS, ...HRESULT])('%s: decimal, 0x hex, bare hex (both cases), signed decimal', (name, code) => {
    for (const form of [String(code >>> 0), `0x${hex(code)}`, `0x${hex(code).toUpperCase()}`, hex(code), hex(code).toUpperCase(), signed(code)]) {
      expect([form, names(form)]).toEqual([form, expect.arrayContaining([name])]);
    }
  });

  test.each(NTSTATUS)('%s: the HRESULT that wraps it (bit 0x10000000), in every form', (name, code) => {
    const hr = (code | 0x10000000) >>> 0;
    for (const form of [String(hr), `0x${hex(hr)}`, hex(hr).toUpperCase(), signed(hr)]) {
      const ms = explain(form);
      expect([form, ms.map((m) => m.entry.name)]).toEqual([form, [name]]);
      expect(ms[0]?.reading).toMatch(/wraps NTSTATUS 0x/);
    }
  });

  test.each(WIN32)('%s: decimal, 0x hex, bare hex; in nltest\'s Status line', (name, code) => {
    const forms = [String(code), `0x${hex(code)}`, `0x${hex(code).toUpperCase()}`];
    if (/[a-f]/.test(hex(code))) forms.push(hex(code), hex(code).toUpperCase());
    for (const form of forms) expect([form, names(form)]).toEqual([form, expect.arrayContaining([name])]);
    expect(names(`Trust Verification Status = ${code} 0x${hex(code)} SOMETHING`)).toEqual([name]);
  });

  test.each(WIN32.filter(([, c]) => c > 0))('%s: through HRESULT_FROM_WIN32 (0x8007xxxx) and FACILITY_NTWIN32 (0xC007xxxx)', (name, code) => {
    for (const v of [(0x80070000 | code) >>> 0, (0xc0070000 | code) >>> 0]) {
      for (const form of [`0x${hex(v)}`, String(v), signed(v)]) {
        const got = names(form);
        expect([form, got]).toEqual([form, expect.arrayContaining([name === 'ERROR_ACCESS_DENIED' && v === 0x80070005 ? 'E_ACCESSDENIED' : name])]);
      }
    }
  });

  test.each(KERBEROS)('%s: 0x hex, decimal, bare hex; in a klist line', (name, code) => {
    for (const form of [`0x${hex(code)}`, `0x${hex(code).toUpperCase()}`, String(code), hex(code)]) {
      expect([form, names(form)]).toEqual([form, expect.arrayContaining([name])]);
    }
    expect(names(`klist failed with 0x${hex(code)}/${code}: Kerberos error`)).toContain(name);
  });

  test.each(EVENTS)('%s event %i: the id alone, "event N", and "Event ID: N" with the log named', (log, id) => {
    const matchesEvent = (input: string): boolean => explain(input).some((m) => m.entry.kind === 'event' && m.entry.code === id && m.entry.eventLog === log);
    expect(matchesEvent(String(id))).toBe(true);
    expect(matchesEvent(`event ${id}`)).toBe(true);
    expect(matchesEvent(`Log Name: ${log}  Event ID: ${id}  Level: Error`)).toBe(true);
    // Event ids are decimal only: their hex form names no event.
    expect(explain(`0x${hex(id)}`).some((m) => m.entry.kind === 'event')).toBe(false);
  });

  test('the hand-written lists above cover every coded entry of the table', () => {
    const listed = new Set([...NTSTATUS, ...HRESULT, ...WIN32, ...KERBEROS].map(([n]) => n));
    for (const e of EXPLAIN_ENTRIES) {
      if (e.kind === 'event') expect(EVENTS.some(([log, id]) => log === e.eventLog && id === e.code)).toBe(true);
      else if (e.kind !== 'message') expect([e.name, listed.has(e.name)]).toEqual([e.name, true]);
    }
  });

  test('every entry has a cause, a next step and a log', () => {
    for (const e of EXPLAIN_ENTRIES) {
      expect(e.cause.length).toBeGreaterThan(20);
      expect(e.next.length).toBeGreaterThan(10);
      expect(e.log.length).toBeGreaterThan(3);
    }
  });
});

describe('explain: the numbers users post', () => {
  test('winapi error #3489792023 is RPC_NT_SERVER_UNAVAILABLE, read as 0xD0020017 and unwrapped', () => {
    const [m, ...rest] = explain('hcsshim::CreateComputeSystem 4ef2b1c9: The requested operation failed. (extra info: {"SystemType":"Container"}) winapi error #3489792023');
    expect(rest).toEqual([]);
    expect(m?.entry.name).toBe('RPC_NT_SERVER_UNAVAILABLE');
    expect(m?.matched).toBe('3489792023');
    expect(m?.reading).toBe('3489792023 = 0xD0020017, an HRESULT that wraps NTSTATUS 0xC0020017');
    expect(m?.entry.next).toMatch(/docker gmsa doctor/);
    expect(m?.entry.log).toMatch(/Hyper-V-Compute-Admin/);
  });

  test('3489661095 is STATUS_BAD_VALIDATION_CLASS and -1073741790 is STATUS_ACCESS_DENIED', () => {
    expect(names('3489661095')).toEqual(['STATUS_BAD_VALIDATION_CLASS']);
    expect(names('-1073741790')).toEqual(['STATUS_ACCESS_DENIED']);
  });

  test("nltest's line: decimal and hex of one code give one answer", () => {
    expect(names('Trust Verification Status = 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE')).toEqual(['ERROR_TRUSTED_RELATIONSHIP_FAILURE']);
    expect(names('Status = 1789 0x6fd')).toEqual(['ERROR_TRUSTED_RELATIONSHIP_FAILURE']);
  });

  test('a CCG event text names event 8 and nothing else', () => {
    const text =
      'Log Name: Microsoft-Windows-Containers-CCG/Admin Source: Microsoft-Windows-Containers-CCG Date: 2026-03-01 10:22:33 Event ID: 8 ' +
      'Level: Error Description: Container Credential Guard failed to fetch gMSA credentials: The attempted logon is invalid.';
    const ms = explain(text);
    expect(ms.map((m) => [m.entry.kind, m.entry.code])).toEqual([['event', 8]]);
    expect(ms[0]?.entry.next).toMatch(/docker gmsa account hosts add/);
  });

  test('timestamps, GUIDs and container ids in a line do not match', () => {
    expect(explain('2026-03-01T10:22:33Z container 3f2a9c1b0d4e started, spec {b8453a02-7d3f-4dc2-9c73-c3d57f725694} 1 2 3')).toEqual([]);
  });

  test('a bare digits word that means nothing as decimal is read as hex, and says so', () => {
    const [m] = explain('80090322');
    expect(m?.entry.name).toBe('SEC_E_WRONG_PRINCIPAL');
    expect(m?.reading).toBe('80090322 read as hex 0x80090322');
    // but 1311 is the Win32 code, not 0x1311
    expect(names('1311')).toEqual(['ERROR_NO_LOGON_SERVERS']);
  });

  test('names and messages without numbers', () => {
    expect(names('SEC_E_WRONG_PRINCIPAL')).toEqual(['SEC_E_WRONG_PRINCIPAL']);
    expect(names('error: ERROR_NO_LOGON_SERVERS')).toEqual(['ERROR_NO_LOGON_SERVERS']);
    expect(names('The trust relationship between this workstation and the primary domain failed.')).toEqual(['ERROR_TRUSTED_RELATIONSHIP_FAILURE']);
    expect(names('Test-ADServiceAccount: WARNING: Test failed ... either this computer does not have permission to use the group MSA or ...')).toEqual([
      'Test-ADServiceAccount returned False',
    ]);
    expect(names('The computer gmsa_xyz does not have a local security database account')).toEqual(['no local security database account for the computer']);
  });

  test('a small number without context gives every reading (Kerberos 0x6 and CCG event 6)', () => {
    expect(names('6').sort()).toEqual(['CCG plugin could not fetch its credentials', 'KDC_ERR_C_PRINCIPAL_UNKNOWN'].sort());
    expect(names('event 6 from Microsoft-Windows-Containers-CCG/Admin')).toEqual(['CCG plugin could not fetch its credentials']);
  });
});
