/** `docker gmsa dockerfile` through the real command tree: the kind of app, usage errors, exit codes. */
import { runInProcess } from '../../support/in-process';

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(['gmsa', ...args]);
}

describe('docker gmsa dockerfile (command line)', () => {
  test('dockerfile needs exactly one kind of app (usage error, exit 2)', async () => {
    expect(await run(['dockerfile'])).toMatchObject({ code: 2, err: expect.stringMatching(/^Error: say what the app is\nHint: Give exactly one of --iis/) });
    expect((await run(['dockerfile', '--iis', '--console'])).err).toMatch(/^Error: --iis and --console cannot be used together/);
    expect((await run(['dockerfile', '--console', '--app-pool', 'x'])).err).toMatch(/^Error: --app-pool goes with --iis/);
    expect((await run(['dockerfile', '--iis', '--shell', 'bash'])).code).toBe(2);
    expect(await run(['dockerfile', '--console'])).toMatchObject({ code: 0, out: expect.stringContaining('USER "NT AUTHORITY\\NETWORK SERVICE"\n') });
  });
});
