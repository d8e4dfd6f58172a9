import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseKlistGet } from '../../../src/windows/klist';
import { parseNltestScVerify } from '../../../src/windows/nltest';
import {
  CHECK_TITLES,
  checkJson,
  KLIST_COMMAND,
  nltestCommand,
  summarize,
  verifySummary,
  verifyChecks,
  type Check,
  type VerifyInput,
} from '../../../src/windows/verify-checks';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/windows', name), 'utf8');
const run = (name: string, exitCode = 0) => ({ output: fixture(name), exitCode });

const NLTEST_OK = run('nltest-success.txt');
const KLIST_OK = run('klist-two-tickets.txt');
const base: VerifyInput = { domain: 'contoso.com', expectedAccount: 'webapp01', nltest: NLTEST_OK, klist: KLIST_OK };

function check(input: VerifyInput, id: string): Check {
  const c = verifyChecks(input).find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

const PORTS = ['53', '88', '139', '389', '636'];

describe('verifyChecks: all good', () => {
  test('four checks in order, all passing, no next step', () => {
    const checks = verifyChecks(base);
    expect(checks.map((c) => c.id)).toEqual(['secure-channel', 'trust', 'kerberos', 'identity']);
    for (const c of checks) {
      expect(c.ok).toBe(true);
      expect(c.next).toBeUndefined();
      expect(c.title).toBe(CHECK_TITLES[c.id as keyof typeof CHECK_TITLES]);
    }
    expect(checks[0]?.detail).toContain('dc01.contoso.com');
    expect(checks[1]?.detail).toContain('NERR_Success');
    expect(checks[2]?.detail).toContain('webapp01$ @ CONTOSO.COM');
    expect(checks[3]?.detail).toBe('The container authenticates as webapp01$ @ CONTOSO.COM.');
  });

  test("the guide's outputs pass too (its krbtgt/webapp01 server name included)", () => {
    const checks = verifyChecks({ ...base, klist: run('klist-success.txt') });
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  test('the CRLF variant passes', () => {
    expect(check({ ...base, nltest: run('nltest-success-crlf.txt') }, 'trust').ok).toBe(true);
  });

  test('account and domain are compared case-insensitively; a $ or DOMAIN\\ in the expected name is tolerated', () => {
    expect(check({ ...base, expectedAccount: 'WebApp01', domain: 'CONTOSO.com.' }, 'identity').ok).toBe(true);
    expect(check({ ...base, expectedAccount: 'CONTOSO\\webapp01$' }, 'identity').ok).toBe(true);
  });

  test('only the checks whose output was given', () => {
    expect(verifyChecks({ domain: 'contoso.com', nltest: NLTEST_OK }).map((c) => c.id)).toEqual(['secure-channel', 'trust']);
    expect(verifyChecks({ domain: 'contoso.com', klist: KLIST_OK }).map((c) => c.id)).toEqual(['kerberos', 'identity']);
    expect(verifyChecks({ domain: 'contoso.com' })).toEqual([]);
  });
});

describe('secure-channel and trust', () => {
  test('1355 no such domain: both fail; DNS, DC reachability and the spec domain', () => {
    const input = { ...base, nltest: run('nltest-1355-no-such-domain.txt', 1) };
    const sc = check(input, 'secure-channel');
    expect(sc.ok).toBe(false);
    expect(sc.detail).toContain('1355 0x54b ERROR_NO_SUCH_DOMAIN');
    expect(sc.next).toMatch(/DNS servers/);
    expect(sc.next).toContain('DomainJoinConfig.DnsName');
    expect(sc.next).toContain('contoso.com');
    for (const p of PORTS) expect(sc.next).toContain(p);
    const trust = check(input, 'trust');
    expect(trust.ok).toBe(false);
    expect(trust.next).toMatch(/secure-channel check first/);
  });

  test('1311 no logon servers: ports and reachability; the same-gMSA race only before 17763', () => {
    const input = { ...base, nltest: run('nltest-1311-no-logon-servers.txt') };
    const recent = check({ ...input, windowsBuild: 20348 }, 'secure-channel');
    expect(recent.ok).toBe(false);
    expect(recent.detail).toBe('Trusted DC Connection Status is 1311 0x51f ERROR_NO_LOGON_SERVERS.');
    for (const p of PORTS) expect(recent.next).toContain(p);
    expect(recent.next).not.toMatch(/one container per gMSA/);

    const old = check({ ...input, windowsBuild: 17134 }, 'secure-channel');
    expect(old.next).toMatch(/Before build 17763.*one container per gMSA/);

    const unknown = check(input, 'secure-channel');
    expect(unknown.next).toMatch(/Before build 17763.*one container per gMSA/);

    const trust = check(input, 'trust');
    expect(trust.ok).toBe(false);
    expect(trust.detail).toContain('1311');
    expect(trust.next).toMatch(/secure-channel check first/);
  });

  test('1789 trust failure before 17763 with another hostname: says the hostname rule and which hostname', () => {
    const input = { ...base, nltest: run('nltest-1789-trust-failure.txt'), windowsBuild: 14393, hostname: 'web-1' };
    expect(check(input, 'secure-channel').ok).toBe(true);
    const trust = check(input, 'trust');
    expect(trust.ok).toBe(false);
    expect(trust.detail).toBe('Trust Verification Status is 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE.');
    expect(trust.next).toContain('--hostname webapp01');
    expect(trust.next).toContain('(it is "web-1")');
    expect(trust.next).toMatch(/one container per gMSA/);
    expect(trust.next).toContain('docker gmsa account test webapp01 --host HOST');
    expect(trust.next).toContain('docker gmsa kds status');
  });

  test('1789 before 17763 with the right hostname: the race, not the hostname', () => {
    const trust = check({ ...base, nltest: run('nltest-1789-trust-failure.txt'), windowsBuild: 16299, hostname: 'WEBAPP01' }, 'trust');
    expect(trust.next).not.toContain('--hostname');
    expect(trust.next).toMatch(/one container per gMSA/);
  });

  test('1789 from 17763 on: no hostname rule, unique hostnames, host access and KDS key', () => {
    const trust = check({ ...base, nltest: run('nltest-1789-trust-failure.txt'), windowsBuild: 17763, hostname: 'web-1' }, 'trust');
    expect(trust.next).not.toContain('--hostname');
    expect(trust.next).not.toMatch(/one container per gMSA/);
    expect(trust.next).toMatch(/own hostname/);
    expect(trust.next).toContain('docker gmsa account test webapp01 --host HOST');
    expect(trust.next).toContain('docker gmsa kds status');
  });

  test('1789 with the build unknown: the hostname rule is given conditionally', () => {
    const trust = check({ ...base, nltest: run('nltest-1789-trust-failure.txt') }, 'trust');
    expect(trust.next).toMatch(/If the host is older than Windows Server 2019.*--hostname webapp01/);
  });

  test('1789 on the connection itself gets the trust advice', () => {
    const nl = 'Trusted DC Connection Status Status = 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE\nTrust Verification Status = 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE\n';
    const sc = check({ ...base, nltest: { output: nl, exitCode: 0 }, windowsBuild: 14393 }, 'secure-channel');
    expect(sc.next).toContain('--hostname webapp01');
  });

  test('access denied: run nltest as ContainerAdministrator', () => {
    const sc = check({ ...base, nltest: { output: 'I_NetLogonControl failed: Status = 5 0x5 ERROR_ACCESS_DENIED', exitCode: 5 } }, 'secure-channel');
    expect(sc.next).toContain('ContainerAdministrator');
  });

  test('1787 no trust SAM account: the spec names and host access', () => {
    const sc = check({ ...base, nltest: { output: 'Trusted DC Connection Status Status = 1787 0x6fb ERROR_NO_TRUST_SAM_ACCOUNT', exitCode: 0 } }, 'secure-channel');
    expect(sc.next).toContain('MachineAccountName');
    expect(sc.next).toContain('docker gmsa account test webapp01');
  });

  test('an unknown status: reachability and host access', () => {
    const sc = check({ ...base, nltest: { output: 'Trusted DC Connection Status Status = 1234 0x4d2', exitCode: 0 } }, 'secure-channel');
    expect(sc.detail).toContain('1234 0x4d2');
    expect(sc.next).toContain('389');
    expect(sc.next).toContain('docker gmsa account test');
  });

  test('unrecognised output: says what nltest printed and its exit code', () => {
    const sc = check({ ...base, nltest: { output: '\n  The parameter is incorrect.\n', exitCode: 87 } }, 'secure-channel');
    expect(sc.ok).toBe(false);
    expect(sc.detail).toContain('exit code 87');
    expect(sc.detail).toContain('"The parameter is incorrect."');
    expect(sc.next).toContain('nltest /sc_verify:DOMAIN');
  });

  test('nltest missing from the image', () => {
    const sc = check({ ...base, nltest: { output: "'nltest' is not recognized as an internal or external command,", exitCode: 9009 } }, 'secure-channel');
    expect(sc.detail).toMatch(/could not be started/);
    expect(sc.next).toContain('nltest.exe');
  });

  test('connection fine but no trust line: the trust check says so', () => {
    const trust = check({ ...base, nltest: { output: 'Trusted DC Connection Status Status = 0 0x0 NERR_Success', exitCode: 0 } }, 'trust');
    expect(trust.ok).toBe(false);
    expect(trust.detail).toContain('"Trust Verification Status"');
  });
});

describe('kerberos', () => {
  test('0xc000005e: the same advice as no logon servers', () => {
    const input = { ...base, klist: run('klist-0xc000005e-no-logon-servers.txt', 1), windowsBuild: 17134 };
    const k = check(input, 'kerberos');
    expect(k.ok).toBe(false);
    expect(k.detail).toBe('klist failed with 0xc000005e: There are currently no logon servers available to service the logon request.');
    for (const p of PORTS) expect(k.next).toContain(p);
    expect(k.next).toMatch(/one container per gMSA/);
    const id = check(input, 'identity');
    expect(id.ok).toBe(false);
    expect(id.next).toBe('Fix the kerberos check first.');
  });

  test('no credentials (klist as a local user): run as Network Service', () => {
    const out = 'Current LogonId is 0:0x8c4d1\nklist failed with 0x8009030e/-2146893042: No credentials are available in the security package\n';
    const k = check({ ...base, klist: { output: out, exitCode: 1 } }, 'kerberos');
    expect(k.ok).toBe(false);
    expect(k.next).toContain('NT AUTHORITY\\NETWORK SERVICE');
    expect(k.next).toContain('klist get krbtgt');
    expect(k.next).not.toContain('1709');
  });

  test('Network Service advice on a build that cannot run as Network Service says so', () => {
    const out = 'klist failed with 0xc000005f/-1073741729: A specified logon session does not exist.';
    const k = check({ ...base, klist: { output: out, exitCode: 1 }, windowsBuild: 14393 }, 'kerberos');
    expect(k.next).toMatch(/16299 \(1709\)/);
  });

  test('no trust SAM account: spec names, host access, KDS', () => {
    const out = 'klist failed with 0xc000018b/-1073741429: The SAM database on the Windows Server does not have a computer account for this workstation trust relationship.';
    const k = check({ ...base, klist: { output: out, exitCode: 1 } }, 'kerberos');
    expect(k.next).toContain('MachineAccountName');
    expect(k.next).toContain('docker gmsa kds status');
  });

  test('unknown klist error: reachability', () => {
    const k = check({ ...base, klist: { output: 'klist failed with 0xc0000001/-1073741823:', exitCode: 1 } }, 'kerberos');
    expect(k.detail).toBe('klist failed with 0xc0000001.');
    expect(k.next).toContain('88');
  });

  test('unrecognised output and a missing klist', () => {
    const k = check({ ...base, klist: { output: '', exitCode: 1 } }, 'kerberos');
    expect(k.detail).toContain('no output');
    const missing = check({ ...base, klist: { output: 'The system cannot find the file specified.', exitCode: 126 } }, 'kerberos');
    expect(missing.next).toContain('klist.exe');
  });
});

describe('identity', () => {
  test('another gMSA: says which, and how to fix the spec', () => {
    const id = check({ ...base, klist: run('klist-other-gmsa.txt') }, 'identity');
    expect(check({ ...base, klist: run('klist-other-gmsa.txt') }, 'kerberos').ok).toBe(true);
    expect(id.ok).toBe(false);
    expect(id.detail).toBe('The container authenticates as sqlapp02$ @ CONTOSO.COM, not as webapp01$.');
    expect(id.next).toContain('credentialspec=');
    expect(id.next).toContain('MachineAccountName');
  });

  test('another realm', () => {
    const out = fixture('klist-two-tickets.txt').replace(/webapp01\$ @ CONTOSO\.COM/g, 'webapp01$ @ FABRIKAM.COM');
    const id = check({ ...base, klist: { output: out, exitCode: 0 } }, 'identity');
    expect(id.ok).toBe(false);
    expect(id.detail).toContain('realm FABRIKAM.COM is not CONTOSO.COM');
    expect(id.next).toContain('DnsName');
  });

  test('a user rather than a gMSA: run as Network Service', () => {
    const out = fixture('klist-two-tickets.txt').replace(/webapp01\$/g, 'jdoe');
    const id = check({ ...base, klist: { output: out, exitCode: 0 } }, 'identity');
    expect(id.ok).toBe(false);
    expect(id.detail).toContain('jdoe @ CONTOSO.COM');
    expect(id.detail).toContain('expected webapp01$');
    expect(id.next).toContain('Network Service');
  });

  test('the krbtgt ticket is the one compared, whatever its position', () => {
    const out = [
      'A ticket to krbtgt has been retrieved successfully.',
      '#0>\tClient: sqlapp02$ @ CONTOSO.COM',
      '\tServer: cifs/fs01.contoso.com @ CONTOSO.COM',
      '#1>\tClient: webapp01$ @ CONTOSO.COM',
      '\tServer: krbtgt/CONTOSO.COM @ CONTOSO.COM',
    ].join('\n');
    expect(check({ ...base, klist: { output: out, exitCode: 0 } }, 'identity').ok).toBe(true);
  });

  test('no expected account: any gMSA of the domain passes, and the detail says nothing was compared', () => {
    const id = check({ domain: 'contoso.com', klist: run('klist-other-gmsa.txt') }, 'identity');
    expect(id.ok).toBe(true);
    expect(id.detail).toMatch(/no expected gMSA/);
  });

  test('retrieved but no ticket listed', () => {
    const id = check({ ...base, klist: { output: 'A ticket to krbtgt has been retrieved successfully.\n', exitCode: 0 } }, 'identity');
    expect(id.ok).toBe(false);
    expect(id.detail).toMatch(/no cached ticket/);
  });
});

describe('checkJson: the JSON shape of a check', () => {
  test('docker-style keys, Next always present (null on a pass)', () => {
    const checks = verifyChecks({ ...base, nltest: run('nltest-1789-trust-failure.txt'), klist: run('klist-other-gmsa.txt') });
    const json = checks.map(checkJson);
    for (const j of json) expect(Object.keys(j)).toEqual(['ID', 'Title', 'OK', 'Detail', 'Next']);
    const trust = json.find((j) => j.ID === 'trust');
    expect(trust).toMatchObject({ OK: false, Title: CHECK_TITLES.trust });
    expect(trust?.Next).toEqual(expect.any(String));
    expect(json.find((j) => j.ID === 'secure-channel')).toMatchObject({ OK: true, Next: null });
  });
});

describe('summarize and verifySummary', () => {
  test('all passed', () => {
    expect(verifySummary(verifyChecks(base))).toEqual({ ok: true, total: 4, passed: 4, failed: [], text: 'All 4 checks passed.' });
    expect(summarize(verifyChecks(base))).toBe('All 4 checks passed.');
  });

  test('failures: ids, counts and the first next step', () => {
    const checks = verifyChecks({ ...base, nltest: run('nltest-1789-trust-failure.txt'), klist: run('klist-other-gmsa.txt') });
    const s = verifySummary(checks);
    expect(s.ok).toBe(false);
    expect(s.total).toBe(4);
    expect(s.passed).toBe(2);
    expect(s.failed).toEqual(['trust', 'identity']);
    expect(s.text).toBe('2 of 4 checks failed: trust, identity.');
    expect(s.next).toBe(checks.find((c) => c.id === 'trust')?.next);
    expect(summarize(checks)).toBe(s.text);
  });

  test('nothing ran, and a single check', () => {
    expect(verifySummary([])).toEqual({ ok: false, total: 0, passed: 0, failed: [], text: 'No checks ran.' });
    expect(summarize([])).toBe('No checks ran.');
    expect(summarize([{ id: 'x', title: 'X', ok: true, detail: '' }])).toBe('The check passed.');
    expect(verifySummary([{ id: 'x', title: 'X', ok: false, detail: '' }])).toEqual({ ok: false, total: 1, passed: 0, failed: ['x'], text: '1 of 1 check failed: x.' });
  });
});

describe('commands', () => {
  test('what verify runs inside the container', () => {
    expect(nltestCommand('contoso.com')).toEqual(['nltest', '/sc_verify:contoso.com']);
    expect(KLIST_COMMAND).toEqual(['klist', 'get', 'krbtgt']);
  });
});

describe('verifyChecks: properties', () => {
  test('never throws; every failed check has a next step; passing implies the parsers said ok', () => {
    const output = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        ...[
          'nltest-success.txt',
          'nltest-1311-no-logon-servers.txt',
          'nltest-1355-no-such-domain.txt',
          'nltest-1789-trust-failure.txt',
          'klist-success.txt',
          'klist-two-tickets.txt',
          'klist-other-gmsa.txt',
          'klist-0xc000005e-no-logon-servers.txt',
        ].map(fixture),
      ),
    );
    const toolRun = fc.option(fc.record({ output, exitCode: fc.integer() }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          domain: fc.oneof(fc.constant('contoso.com'), fc.string()),
          expectedAccount: fc.option(fc.oneof(fc.constant('webapp01'), fc.string()), { nil: undefined }),
          nltest: toolRun,
          klist: toolRun,
          windowsBuild: fc.option(fc.oneof(fc.constantFrom(14393, 17134, 17763, 20348), fc.integer()), { nil: undefined }),
          hostname: fc.option(fc.string(), { nil: undefined }),
        }),
        (input) => {
          const checks = verifyChecks(input);
          for (const c of checks) {
            if (!c.ok) expect(typeof c.next).toBe('string');
            else expect(c.next).toBeUndefined();
            expect(c.detail).not.toBe('');
          }
          const byId = new Map(checks.map((c) => [c.id, c]));
          if (byId.get('secure-channel')?.ok && byId.get('trust')?.ok) expect(parseNltestScVerify(input.nltest?.output ?? '').ok).toBe(true);
          if (byId.get('kerberos')?.ok) expect(parseKlistGet(input.klist?.output ?? '').ok).toBe(true);
          if (byId.get('identity')?.ok) expect(byId.get('kerberos')?.ok).toBe(true);
          const s = verifySummary(checks);
          expect(s.ok).toBe(checks.length > 0 && checks.every((c) => c.ok));
        },
      ),
      { numRuns: 300 },
    );
  });
});
