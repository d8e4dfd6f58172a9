/** `docker gmsa sql` through the real command tree. */
import { runInProcess } from '../../support/in-process';

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(['gmsa', ...args]);
}

describe('docker gmsa sql (command line)', () => {
  test('sql with --netbios needs no directory; --format json', async () => {
    const r = await run(['sql', 'webapp01', '--netbios', 'CONTOSO', '--database', 'AppDb', '--roles', 'db_datareader', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ Login: 'CONTOSO\\webapp01$', Database: 'AppDb', Roles: ['db_datareader'], ConnectionString: 'Server=<sql-server>;Database=AppDb;Integrated Security=True' });
    expect(doc.Script).toContain('CREATE LOGIN [CONTOSO\\webapp01$] FROM WINDOWS;');
  });
});
