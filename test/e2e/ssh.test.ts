/**
 * `-H ssh://USER@HOST:PORT` reaches the engine as the docker CLI does: through the system's ssh client
 * running `docker system dial-stdio` on the far side. The `ssh` on PATH here is a stand-in that records its
 * arguments and environment and runs the remote command on this machine, where the real docker CLI's
 * `system dial-stdio` connects to a stand-in Windows engine. The docker CLI, run with the same ssh, is the
 * oracle for the ssh command line.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, docker, plugin, socketPath, tempDir } from '../support/cli';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

const FAKE_SSH = `#!/bin/sh
{ for a in "$@"; do printf '%s\\n' "$a"; done; echo '<end>'; } >> "$FAKE_SSH_LOG"
env > "$FAKE_SSH_LOG.env"
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
host=$1
shift
if [ "$host" = "nohost" ]; then
  echo "ssh: Could not resolve hostname nohost: Name or service not known" >&2
  exit 255
fi
DOCKER_HOST="$FAKE_SSH_ENGINE" exec "$@"
`;

/** The argument lists of every ssh run so far, oldest first. */
function sshRuns(log: string): string[][] {
  const runs: string[][] = [];
  let cur: string[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line === '<end>') {
      runs.push(cur);
      cur = [];
    } else if (line !== '') cur.push(line);
  }
  return runs;
}

describe('ssh:// endpoints', () => {
  let engine: WindowsEngineHandle;
  const dir = tempDir('ssh');
  const bin = join(dir, 'bin');
  const log = join(dir, 'ssh.log');
  const env = cleanEnv({ DOCKER_CONFIG: join(dir, 'cfg'), FAKE_SSH_LOG: log, GMSA_LDAP_PASSWORD: 'Directory-Pass1!' });

  beforeAll(async () => {
    mkdirSync(bin);
    writeFileSync(join(bin, 'ssh'), FAKE_SSH);
    chmodSync(join(bin, 'ssh'), 0o755);
    writeFileSync(log, '');
    env.PATH = `${bin}:${env.PATH ?? ''}`;
    engine = await startWindowsEngine({ socketPath: socketPath('sshwin'), fixture: 'windows-20348-engine-24.0' });
    env.FAKE_SSH_ENGINE = `unix://${engine.socketPath}`;
    expect((await plugin(['install'], env)).status).toBe(0);
  });

  afterAll(async () => {
    await engine.close();
  });

  test('docker gmsa -H ssh://USER@HOST:PORT talks to the engine, without a warning, with the docker CLI\'s ssh command', async () => {
    const oracle = await docker(['-H', 'ssh://deploy@winhost:2222', 'version', '--format', '{{.Server.Os}}'], env);
    expect(oracle.stdout.trim()).toBe('windows');
    const cliArgs = sshRuns(log).at(-1) as string[];

    const r = await docker(['-H', 'ssh://deploy@winhost:2222', 'gmsa', 'host', '--format', 'json'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ OSType: 'windows', WindowsBuild: 20348 });

    const ours = sshRuns(log).at(-1) as string[];
    const batch = ours.indexOf('BatchMode=yes');
    expect(ours[batch - 1]).toBe('-o');
    expect([...ours.slice(0, batch - 1), ...ours.slice(batch + 1)]).toEqual(cliArgs);
    expect(ours).toEqual(expect.arrayContaining(['-l', 'deploy', '-p', '2222', '--', 'winhost', 'docker', 'system', 'dial-stdio']));
    expect(readFileSync(`${log}.env`, 'utf8')).not.toMatch(/GMSA_LDAP_PASSWORD|Directory-Pass1!/);
  });

  test('an ssh failure names the endpoint and says what ssh said', async () => {
    const r = await plugin(['-H', 'ssh://deploy@nohost', 'host'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: cannot connect to the Docker engine at ssh:\/\/deploy@nohost \(context "default", from -H\) over ssh: ssh ended \(exit status 255\): ssh: Could not resolve hostname nohost/m);
    expect(r.stderr).toMatch(/^Hint: Check that `ssh deploy@nohost docker version` works without a prompt/m);
    expect(r.stderr).not.toMatch(/DeprecationWarning/);
  });
});
