/**
 * The compose pipeline as the command runs it (compose/run.ts): convert given as compose's command or as
 * its own subcommand prints the same model; --dry-run prints the client's command line with the
 * rewritten copies, keeps them, and never touches the user's file; a project without a gMSA service
 * goes to the client as it is.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseComposeArgs } from '../../../src/compose/args';
import { composeCommand, convertCompose } from '../../../src/compose/run';
import { NotFoundError } from '../../../src/errors';
import { fakeDeps, project, STORE_ROOT } from './helpers';

const FILE = `services:
  web:
    image: mcr.microsoft.com/windows/servercore/iis:ltsc2019
    x-gmsa: webapp01
  db:
    image: mcr.microsoft.com/windows/servercore:ltsc2019
`;

describe('compose/run', () => {
  test('convert as compose\'s command merges the options on both sides and prints what convert prints', async () => {
    const dir = project({ 'app.yaml': FILE });
    const viaCommand = fakeDeps({ cwd: dir });
    await composeCommand(parseComposeArgs(['-f', 'app.yaml', 'convert', '--root', STORE_ROOT, '-p', 'shop']), viaCommand.deps);
    const direct = fakeDeps({ cwd: dir });
    await convertCompose(parseComposeArgs(['-f', 'app.yaml', '-p', 'shop'], { root: STORE_ROOT }), direct.deps);
    expect(viaCommand.out()).toBe(direct.out());
    expect(viaCommand.out()).toContain('credentialspec=file://contoso_webapp01.json');
    expect(viaCommand.out()).not.toContain('x-gmsa');
    expect(readFileSync(join(dir, 'app.yaml'), 'utf8')).toBe(FILE);
  });

  test('--dry-run prints the client command over the kept rewritten copy and --project-directory', async () => {
    const dir = project({ 'compose.yaml': FILE });
    const f = fakeDeps({ cwd: dir, env: { PATH: '/nonexistent' } });
    await composeCommand(parseComposeArgs(['--dry-run', 'up', '-d'], { root: STORE_ROOT }), f.deps);
    const lines = f.out().trim().split('\n');
    const kept = /^# (\S+): rewritten from (\S+) \(kept\)$/.exec(lines[1] ?? '');
    expect(kept?.[2]).toBe(join(dir, 'compose.yaml'));
    const copy = kept?.[1] as string;
    try {
      expect(lines[0]).toBe(`docker compose -f ${copy} --project-directory ${dir} up -d`);
      expect(readFileSync(copy, 'utf8')).toContain('credentialspec=file://contoso_webapp01.json');
      expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toBe(FILE);
      expect(f.err()).toMatch(/neither docker compose .* nor docker-compose was found/);
    } finally {
      rmSync(join(copy, '..'), { recursive: true, force: true });
    }
  });

  test('a project without a gMSA service goes to the client unchanged, with no copy', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  db:\n    image: busybox\n' });
    const f = fakeDeps({ cwd: dir, env: { PATH: '/nonexistent' } });
    await composeCommand(parseComposeArgs(['--dry-run', 'ps']), f.deps);
    expect(f.out()).toBe('docker compose ps\n');
    expect(existsSync(join(dir, 'compose.yaml'))).toBe(true);
  });

  test('convert without a compose file names the files it looked for', async () => {
    const dir = project({ 'readme.txt': 'x' });
    const f = fakeDeps({ cwd: dir });
    const err = await convertCompose(parseComposeArgs([]), f.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/no compose file found: none of compose\.yaml/);
  });
});
