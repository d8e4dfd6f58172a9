import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatStatus, hexOf, outputLines, parseNltestScVerify, parseStatus } from '../../../src/windows/nltest';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/windows', name), 'utf8');

const SUCCESS = { code: 0, hex: '0x0', name: 'NERR_Success' };

describe('parseNltestScVerify: the guide example', () => {
  const r = parseNltestScVerify(fixture('nltest-success.txt'));

  test('every field', () => {
    expect(r).toEqual({
      trustedDcName: 'dc01.contoso.com',
      connection: SUCCESS,
      verification: SUCCESS,
      completed: true,
      ok: true,
    });
  });

  test('no failure key when nltest did not fail', () => {
    expect('failure' in r).toBe(false);
  });
});

describe('parseNltestScVerify: failures', () => {
  test('1355: I_NetLogonControl failed, nothing else', () => {
    expect(parseNltestScVerify(fixture('nltest-1355-no-such-domain.txt'))).toEqual({
      completed: false,
      failure: { code: 1355, hex: '0x54b', name: 'ERROR_NO_SUCH_DOMAIN' },
      ok: false,
    });
  });

  test('I_NetLogonControl2 failed is read the same way', () => {
    const r = parseNltestScVerify('I_NetLogonControl2 failed: Status = 5 0x5 ERROR_ACCESS_DENIED\r\n');
    expect(r.failure).toEqual({ code: 5, hex: '0x5', name: 'ERROR_ACCESS_DENIED' });
    expect(r.ok).toBe(false);
  });

  test('a failure line makes ok false even next to success lines', () => {
    const text = `${fixture('nltest-success.txt')}I_NetLogonControl failed: Status = 1311 0x51f ERROR_NO_LOGON_SERVERS\n`;
    expect(parseNltestScVerify(text).ok).toBe(false);
  });

  test('1311 on the connection: no DC name, the command still "completed"', () => {
    const r = parseNltestScVerify(fixture('nltest-1311-no-logon-servers.txt'));
    expect(r).toEqual({
      connection: { code: 1311, hex: '0x51f', name: 'ERROR_NO_LOGON_SERVERS' },
      verification: { code: 1311, hex: '0x51f', name: 'ERROR_NO_LOGON_SERVERS' },
      completed: true,
      ok: false,
    });
    expect(r.trustedDcName).toBeUndefined();
  });

  test('1789 on the trust verification only', () => {
    const r = parseNltestScVerify(fixture('nltest-1789-trust-failure.txt'));
    expect(r.trustedDcName).toBe('dc01.contoso.com');
    expect(r.connection).toEqual(SUCCESS);
    expect(r.verification).toEqual({ code: 1789, hex: '0x6fd', name: 'ERROR_TRUSTED_RELATIONSHIP_FAILURE' });
    expect(r.completed).toBe(true);
    expect(r.ok).toBe(false);
  });

  test('ok needs both statuses: one missing is not ok', () => {
    expect(parseNltestScVerify('Trusted DC Connection Status Status = 0 0x0 NERR_Success\n').ok).toBe(false);
    expect(parseNltestScVerify('Trust Verification Status = 0 0x0 NERR_Success\n').ok).toBe(false);
  });
});

describe('parseNltestScVerify: tolerance', () => {
  const expected = {
    trustedDcName: 'DC02.contoso.com',
    connection: SUCCESS,
    verification: SUCCESS,
    completed: true,
    ok: true,
  };

  test('CRLF, a Flags line, blank lines, tabs and doubled spaces', () => {
    expect(parseNltestScVerify(fixture('nltest-success-crlf.txt'))).toEqual(expected);
  });

  test('the same output with CRLF forced (whatever git did to the fixture) and with lone CR', () => {
    const lf = fixture('nltest-success-crlf.txt').replace(/\r\n/g, '\n');
    expect(parseNltestScVerify(lf.replace(/\n/g, '\r\n'))).toEqual(expected);
    expect(parseNltestScVerify(lf.replace(/\n/g, '\r'))).toEqual(expected);
    expect(parseNltestScVerify(lf)).toEqual(expected);
  });

  test('a BOM, terminal escape sequences and indentation', () => {
    const text = '\ufeff\u001b[?25l  Trusted DC Name \\\\dc01.contoso.com\u001b[K\n\u001b]0;nltest\u0007  Trusted DC Connection Status Status = 0 0x0 NERR_Success\n  Trust Verification Status = 0 0x0 NERR_Success\n';
    const r = parseNltestScVerify(text);
    expect(r.trustedDcName).toBe('dc01.contoso.com');
    expect(r.ok).toBe(true);
    expect(r.completed).toBe(false);
  });

  test('case and missing parts of a status: the name comes from the known codes', () => {
    const r = parseNltestScVerify('trusted dc connection status status = 1311\nTRUST VERIFICATION STATUS = 0x6FD\n');
    expect(r.connection).toEqual({ code: 1311, hex: '0x51f', name: 'ERROR_NO_LOGON_SERVERS' });
    expect(r.verification).toEqual({ code: 1789, hex: '0x6fd', name: 'ERROR_TRUSTED_RELATIONSHIP_FAILURE' });
  });

  test('a hex-only error code is never read as a decimal 0', () => {
    const r = parseNltestScVerify('Trusted DC Connection Status Status = 0x51f\nTrust Verification Status = 0x51f\n');
    expect(r.connection?.code).toBe(1311);
    expect(r.ok).toBe(false);
    expect(parseStatus('0abc')).toBeUndefined();
  });

  test('a status line without a number is ignored', () => {
    const r = parseNltestScVerify('Trusted DC Connection Status Status = NERR_Success\nTrust Verification Status = \n');
    expect(r.connection).toBeUndefined();
    expect(r.verification).toBeUndefined();
    expect(r.ok).toBe(false);
  });

  test('the first DC name and the first of each status win', () => {
    const text = `${fixture('nltest-success.txt')}${fixture('nltest-1789-trust-failure.txt').replace('dc01', 'dc09')}`;
    const r = parseNltestScVerify(text);
    expect(r.trustedDcName).toBe('dc01.contoso.com');
    expect(r.verification).toEqual(SUCCESS);
  });

  test('empty output and non-strings', () => {
    expect(parseNltestScVerify('')).toEqual({ completed: false, ok: false });
    expect(parseNltestScVerify(undefined as unknown as string)).toEqual({ completed: false, ok: false });
  });
});

describe('status helpers', () => {
  test('parseStatus', () => {
    expect(parseStatus(' 1355 0x54b ERROR_NO_SUCH_DOMAIN')).toEqual({ code: 1355, hex: '0x54b', name: 'ERROR_NO_SUCH_DOMAIN' });
    expect(parseStatus('42')).toEqual({ code: 42, hex: '0x2a', name: '' });
    expect(parseStatus('nothing')).toBeUndefined();
  });

  test('formatStatus and hexOf', () => {
    expect(formatStatus({ code: 1311, hex: '0x51f', name: 'ERROR_NO_LOGON_SERVERS' })).toBe('1311 0x51f ERROR_NO_LOGON_SERVERS');
    expect(formatStatus({ code: 42, hex: '0x2a', name: '' })).toBe('42 0x2a');
    expect(hexOf(1789)).toBe('0x6fd');
  });

  test('outputLines', () => {
    expect(outputLines('a\r\nb  \rc\n\u0000d')).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('parseNltestScVerify: properties', () => {
  const MARKERS = [/Trusted\s+DC\s+Connection\s+Status/i, /Trust\s+Verification\s+Status/i];
  const lines = [
    ...fixture('nltest-success.txt').split('\n'),
    ...fixture('nltest-1789-trust-failure.txt').split('\n'),
    ...fixture('nltest-1355-no-such-domain.txt').split('\n'),
  ];
  const mixed = fc
    .array(fc.oneof(fc.constantFrom(...lines), fc.string(), fc.string({ unit: 'binary' })), { maxLength: 12 })
    .chain((ls) => fc.constantFrom('\n', '\r\n', '\r').map((eol) => ls.join(eol)));

  test('never throws, and ok only when both status markers are present', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), mixed), (text) => {
        const r = parseNltestScVerify(text);
        expect(typeof r.completed).toBe('boolean');
        if (r.ok) {
          for (const m of MARKERS) expect(text).toMatch(m);
          expect(r.connection?.code).toBe(0);
          expect(r.verification?.code).toBe(0);
          expect(r.failure).toBeUndefined();
        }
      }),
      { numRuns: 500 },
    );
  });
});
