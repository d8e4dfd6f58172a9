/** docker run and docker exec command lines read as the docker CLI reads them, and commands quoted for pasting. */
import { lastValue, parseExecArgs, parseRunArgs, quoteCommand } from '../../../src/engine/docker-args';
import { UsageError } from '../../../src/errors';

describe('docker run/exec argument reading', () => {
  test('finds IMAGE after value flags, clusters and = forms', () => {
    const p = parseRunArgs(['-d', '--name', 'web', '-p', '80:80', '-it', '-uAdmin', '--hostname=h1', '-e', 'A=1', 'img:1', 'cmd', '/c', '-h']);
    expect(p.target).toBe('img:1');
    expect(p.rest).toEqual(['cmd', '/c', '-h']);
    expect(lastValue(p, 'hostname')).toBe('h1');
    expect(lastValue(p, 'user')).toBe('Admin');
    expect(lastValue(p, 'name')).toBe('web');
  });

  test('missing IMAGE and unknown short flags are usage errors', () => {
    expect(() => parseRunArgs(['-d'])).toThrow(/missing IMAGE/);
    expect(() => parseRunArgs(['-Z', 'img'])).toThrow(UsageError);
    expect(() => parseRunArgs(['--name'])).toThrow(/flag needs an argument: --name/);
  });

  test('exec: CONTAINER and COMMAND', () => {
    const p = parseExecArgs(['-it', '-w', 'C:\\', 'c1', 'powershell', '-Command', 'x']);
    expect(p.target).toBe('c1');
    expect(p.rest).toEqual(['powershell', '-Command', 'x']);
  });

  test('commands quote for pasting', () => {
    expect(quoteCommand(['docker', 'run', '--user', 'NT AUTHORITY\\NETWORK SERVICE', "it's"], 'linux')).toBe(`docker run --user 'NT AUTHORITY\\NETWORK SERVICE' 'it'\\''s'`);
    expect(quoteCommand(['docker', 'run', "it's"], 'win32')).toBe(`docker run 'it''s'`);
  });
});
