/** The runner: concurrency, SKIP with why, FAIL with the error's hint, network checks cut at the deadline. */
import { DoctorContext } from '../../../src/doctor/context';
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
