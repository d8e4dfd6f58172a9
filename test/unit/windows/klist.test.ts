import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseKlistGet, parsePrincipal } from '../../../src/windows/klist';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/windows', name), 'utf8');

describe('parseKlistGet: the guide example', () => {
  const r = parseKlistGet(fixture('klist-success.txt'));

  test('every field', () => {
    expect(r).toEqual({
      retrieved: true,
      logonId: '0:0xaa79ef8',
      cachedCount: 2,
      tickets: [
        {
          index: 0,
          client: { name: 'webapp01$', realm: 'CONTOSO.COM' },
          server: { name: 'krbtgt/webapp01', realm: 'CONTOSO.COM' },
          encryptionType: 'AES-256-CTS-HMAC-SHA1-96',
          flags: ['forwardable', 'renewable', 'pre_authent', 'name_canonicalize'],
          startTime: '3/21/2019 4:17:53 (local)',
          endTime: '3/21/2019 14:17:53 (local)',
          renewTime: '3/28/2019 4:17:42 (local)',
        },
      ],
      ok: true,
    });
  });

  test('an empty "Kdc Called:" leaves kdcCalled out; no error key', () => {
    expect(r.tickets[0]?.kdcCalled).toBeUndefined();
    expect('error' in r).toBe(false);
  });

  test('CRLF makes no difference', () => {
    expect(parseKlistGet(fixture('klist-success.txt').replace(/\r?\n/g, '\r\n'))).toEqual(r);
  });
});

describe('parseKlistGet: tickets', () => {
  test('two cached tickets, tab-indented, with the KDC', () => {
    const r = parseKlistGet(fixture('klist-two-tickets.txt'));
    expect(r.ok).toBe(true);
    expect(r.logonId).toBe('0:0x3e7');
    expect(r.cachedCount).toBe(2);
    expect(r.tickets).toHaveLength(2);
    const [first, second] = r.tickets;
    expect(first).toEqual({
      index: 0,
      client: { name: 'webapp01$', realm: 'CONTOSO.COM' },
      server: { name: 'krbtgt/CONTOSO.COM', realm: 'CONTOSO.COM' },
      encryptionType: 'AES-256-CTS-HMAC-SHA1-96',
      flags: ['forwardable', 'renewable', 'initial', 'pre_authent', 'name_canonicalize'],
      startTime: '11/28/2026 9:02:11 (local)',
      endTime: '11/28/2026 19:02:11 (local)',
      renewTime: '12/5/2026 9:02:11 (local)',
      kdcCalled: 'dc01.contoso.com',
    });
    expect(second?.index).toBe(1);
    expect(second?.server).toEqual({ name: 'ldap/dc01.contoso.com/contoso.com', realm: 'CONTOSO.COM' });
    expect(second?.flags).toContain('ok_as_delegate');
    expect(second?.startTime).toBe('11/28/2026 9:02:12 (local)');
  });

  test('another gMSA as the client', () => {
    const r = parseKlistGet(fixture('klist-other-gmsa.txt'));
    expect(r.ok).toBe(true);
    expect(r.tickets.map((t) => t.client)).toEqual([{ name: 'sqlapp02$', realm: 'CONTOSO.COM' }]);
  });

  test('variable spacing around "#N>", "Client:" and "@"; "#N>" alone on its line', () => {
    const r = parseKlistGet('A ticket to krbtgt has been retrieved successfully.\n#3>\n  Client :webapp01$@CONTOSO.COM\n  Server:   krbtgt/CONTOSO.COM   @   CONTOSO.COM\n#4>Client: other$ @ FABRIKAM.COM\n');
    expect(r.tickets).toEqual([
      { index: 3, client: { name: 'webapp01$', realm: 'CONTOSO.COM' }, server: { name: 'krbtgt/CONTOSO.COM', realm: 'CONTOSO.COM' } },
      { index: 4, client: { name: 'other$', realm: 'FABRIKAM.COM' }, server: { name: '', realm: '' } },
    ]);
  });

  test('ticket fields before any Client line are ignored', () => {
    const r = parseKlistGet('Server: krbtgt/CONTOSO.COM @ CONTOSO.COM\nStart Time: now\n');
    expect(r.tickets).toEqual([]);
  });

  test('parsePrincipal: the realm follows the last @, none when there is no @', () => {
    expect(parsePrincipal(' webapp01$ @ CONTOSO.COM ')).toEqual({ name: 'webapp01$', realm: 'CONTOSO.COM' });
    expect(parsePrincipal('user@contoso.com @ CONTOSO.COM')).toEqual({ name: 'user@contoso.com', realm: 'CONTOSO.COM' });
    expect(parsePrincipal('webapp01$')).toEqual({ name: 'webapp01$', realm: '' });
  });
});

describe('parseKlistGet: failures', () => {
  test('0xc000005e: code and message from "klist failed with", not from the API line', () => {
    const r = parseKlistGet(fixture('klist-0xc000005e-no-logon-servers.txt'));
    expect(r).toEqual({
      retrieved: false,
      tickets: [],
      logonId: '0:0x3e4',
      error: { code: '0xc000005e', message: 'There are currently no logon servers available to service the logon request.' },
      ok: false,
    });
  });

  test('upper-case hex is normalised; a decimal-only code becomes hex', () => {
    expect(parseKlistGet('klist failed with 0x8009030E/-2146893042: No credentials are available in the security package').error).toEqual({
      code: '0x8009030e',
      message: 'No credentials are available in the security package',
    });
    expect(parseKlistGet('klist failed with -1073741730: There are currently no logon servers').error?.code).toBe('0xc000005e');
  });

  test('only an "Error calling API" line: that is the error', () => {
    const r = parseKlistGet('Current LogonId is 0:0x3e4\nError calling API LsaCallAuthenticationPackage (GetTicket substatus): 1312\n');
    expect(r.error).toEqual({ code: '0x520', message: 'Error calling API LsaCallAuthenticationPackage (GetTicket substatus): 1312' });
    expect(r.ok).toBe(false);
  });

  test('a failure next to a success line is not ok', () => {
    const r = parseKlistGet(`${fixture('klist-success.txt')}\nklist failed with 0xc000005e/-1073741730: no logon servers\n`);
    expect(r.retrieved).toBe(true);
    expect(r.ok).toBe(false);
  });

  test('tickets without the retrieval line (plain klist output) are not ok', () => {
    const r = parseKlistGet(fixture('klist-two-tickets.txt').replace('A ticket to krbtgt has been retrieved successfully.', ''));
    expect(r.tickets).toHaveLength(2);
    expect(r.retrieved).toBe(false);
    expect(r.ok).toBe(false);
  });

  test('empty output and non-strings', () => {
    expect(parseKlistGet('')).toEqual({ retrieved: false, tickets: [], ok: false });
    expect(parseKlistGet(null as unknown as string)).toEqual({ retrieved: false, tickets: [], ok: false });
  });
});

describe('parseKlistGet: properties', () => {
  const MARKER = /A\s+ticket\s+to\s+krbtgt\s+has\s+been\s+retrieved\s+successfully/i;
  const lines = [
    ...fixture('klist-two-tickets.txt').split('\n'),
    ...fixture('klist-0xc000005e-no-logon-servers.txt').split('\n'),
    '#0>',
    'Client:',
    'Ticket Flags',
  ];
  const mixed = fc
    .array(fc.oneof(fc.constantFrom(...lines), fc.string(), fc.string({ unit: 'binary' })), { maxLength: 16 })
    .chain((ls) => fc.constantFrom('\n', '\r\n', '\r').map((eol) => ls.join(eol)));

  test('never throws, and ok only when the success marker is present and nothing failed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), mixed), (text) => {
        const r = parseKlistGet(text);
        expect(Array.isArray(r.tickets)).toBe(true);
        for (const t of r.tickets) {
          expect(typeof t.client.name).toBe('string');
          expect(typeof t.server.realm).toBe('string');
        }
        if (r.ok) {
          expect(text).toMatch(MARKER);
          expect(text).not.toMatch(/klist\s+failed\s+with/i);
        }
      }),
      { numRuns: 500 },
    );
  });
});
