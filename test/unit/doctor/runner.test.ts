/** The runner: concurrency, SKIP with why, FAIL with the error's hint, network checks cut at the deadline. */
import { DoctorContext } from '../../../src/doctor/context';
import { buildReport, renderDoctorReport } from '../../../src/doctor/report';
import { DEADLINE_MARGIN_MS, runChecks } from '../../../src/doctor/runner';
import { pass, Skip, warn, type Check } from '../../../src/doctor/types';
import { DirectoryUnreachableError } from '../../../src/errors';

const ctx = (timeout = '0.2'): DoctorContext =>
  new DoctorContext({ host: 'WEBHOST01', spnFor: [], directory: { timeout } }, { deps: { env: {} } as never, openDirectory: () => Promise.reject(new Error('no')), now: () => new Date(0) });

const check = (id: string, run: Check['run'], network = false): Check => ({ id, group: 'network', title: id, network, run });
const never = (): Promise<never> => new Promise(() => undefined);

describe('runChecks', () => {
  test('outcomes in list order: PASS, SKIP (why), FAIL (message and hint), a hung network check cut at the deadline', async () => {
    const start = Date.now();
    const results = await runChecks(
      [
        check('a', async () => pass('fine')),
        check('b', async () => {
          throw new Skip('no --container given');
        }),
        check('c', async () => {
          throw new DirectoryUnreachableError('no domain controller answered', 'Name one with --server.');
        }),
        check('d', never, true),
        check('e', async () => new Promise((r) => setTimeout(() => r(warn('slow but not a network check')), 1200))),
      ],
      ctx('0.2'),
    );
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['a', 'PASS'],
      ['b', 'SKIP'],
      ['c', 'FAIL'],
      ['d', 'FAIL'],
      ['e', 'WARN'],
    ]);
    expect(results[1]?.detail).toBe('no --container given');
    expect(results[2]).toMatchObject({ detail: 'no domain controller answered', fix: 'Name one with --server.' });
    expect(results[3]?.detail).toBe(`no answer within ${(200 + DEADLINE_MARGIN_MS) / 1000} s (--timeout 0.2)`);
    // ran concurrently: the whole run took about as long as the slowest check, not the sum
    expect(Date.now() - start).toBeLessThan(1200 + 1000);
  });

  test('--timeout feeds the deadline; the default is 5 s', () => {
    expect(ctx('2').timeoutMs).toBe(2000);
    expect(new DoctorContext({ host: 'H', spnFor: [], directory: {} }, { deps: { env: {} } as never, openDirectory: () => Promise.reject(new Error('no')), now: () => new Date(0) }).timeoutMs).toBe(5000);
  });
});

describe('the report', () => {
  test('JSON counts and OK, and the text with fixes only on FAIL and WARN', () => {
    const r = buildReport(
      [
        { id: 'engine-reachable', group: 'engine', title: 'Engine reachable', status: 'PASS', detail: 'unix:///x.sock', fix: 'ignored' },
        { id: 'network-tcp-88', group: 'network', title: 'TCP 88 (Kerberos)', status: 'FAIL', detail: 'dc01:88: connection refused', fix: 'Open TCP 88' },
        { id: 'ad-spn-for', group: 'ad', title: 'SPNs for --spn-for', status: 'SKIP', detail: 'no --spn-for NAME given' },
      ],
      { account: 'webapp01', host: 'WEBHOST01', container: undefined, image: undefined },
    );
    expect(r).toMatchObject({ Account: 'webapp01', OK: false, Counts: { Pass: 1, Warn: 0, Fail: 1, Skip: 1 } });
    expect(r.Checks[0]?.Fix).toBeNull();
    expect(renderDoctorReport(r)).toBe(
      [
        'docker gmsa doctor: webapp01, host WEBHOST01',
        '',
        'Engine',
        '  PASS  engine-reachable  Engine reachable: unix:///x.sock',
        '',
        'Network (from this machine to the DC)',
        '  FAIL  network-tcp-88    TCP 88 (Kerberos): dc01:88: connection refused',
        '                          fix: Open TCP 88',
        '',
        'Active Directory',
        '  SKIP  ad-spn-for        SPNs for --spn-for: no --spn-for NAME given',
        '',
        '1 passed, 0 warnings, 1 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });
});
