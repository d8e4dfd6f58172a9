/**
 * What child processes get: every spawn (docker through runDocker/captureDocker, docker-compose through
 * the compose client) starts with childEnv, without the directory password or any other GMSA_* secret.
 * The oracle is the child itself: a real process that prints or writes its own environment.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClient } from '../../../src/compose/client';
import { captureDocker, childEnv, runDocker } from '../../../src/engine/docker-cli';
import { emptyGlobals } from '../../../src/engine/globals';

const SECRETS = {
  GMSA_LDAP_PASSWORD: 'Directory-Pass1!',
  gmsa_ldap_password: 'lower-case-too',
  GMSA_LAB_LOWPRIV_PASSWORD: 'Lab-User-Pass1!',
  GMSA_CCG_SECRET: 'ccg-secret',
  GMSA_API_TOKEN: 'tok',
};
const KEPT = { GMSA_DOMAIN: 'contoso.com', GMSA_LDAP_USER: 'admin@contoso.com', GMSA_LDAP_URL: 'ldaps://dc01', DOCKER_HOST: 'unix:///tmp/x.sock', SSH_AUTH_SOCK: '/tmp/agent' };

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function expectClean(seen: Record<string, string>): void {
  for (const k of Object.keys(SECRETS)) expect(seen).not.toHaveProperty(k);
  expect(Object.values(seen).join('\n')).not.toMatch(/Pass1!|ccg-secret/);
  expect(seen).toMatchObject(KEPT);
}

describe('childEnv', () => {
  test('drops GMSA_* secrets (any case) and keeps the rest', () => {
    const env = childEnv({ ...process.env, ...SECRETS, ...KEPT });
    expectClean(env as Record<string, string>);
    expect(env.PATH).toBe(process.env.PATH);
  });

  test('the docker child of captureDocker gets it', async () => {
    const r = await captureDocker({ ...process.env, ...SECRETS, ...KEPT, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '/usr/bin/env' }, emptyGlobals(), []);
    expect(r.code).toBe(0);
    expectClean(parseEnv(r.stdout));
  });

  test('the docker child of runDocker gets it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gmsa-env-')), 'env');
    const status = await runDocker({ ...process.env, ...SECRETS, ...KEPT, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '/bin/sh' }, emptyGlobals(), ['-c', `env > ${out}`]);
    expect(status).toBe(0);
    expectClean(parseEnv(readFileSync(out, 'utf8')));
  });

  test('the standalone compose client gets it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gmsa-env-')), 'env');
    const status = await runClient({ kind: 'standalone', exe: '/bin/sh' }, { exe: '/bin/sh', args: ['-c', `env > ${out}`] }, { ...process.env, ...SECRETS, ...KEPT }, emptyGlobals());
    expect(status).toBe(0);
    expectClean(parseEnv(readFileSync(out, 'utf8')));
  });
});
