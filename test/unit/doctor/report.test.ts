/** The doctor report: its JSON (counts, OK) and its text (groups, fixes only on FAIL and WARN). */
import { buildReport, renderDoctorReport } from '../../../src/doctor/report';

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
