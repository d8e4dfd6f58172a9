/**
 * Default trust (no --ca-file) against the lab's real DC, through the installed launcher, which keeps
 * NODE_EXTRA_CA_CERTS from Node's start and builds the same trust itself (util/trust.ts). The oracle is
 * Node's own handling of the variable: the npm bin (`node dist/docker-gmsa.js`), where Node loads the
 * file as it starts, must answer exactly alike, also where OpenSSL's SSL_CERT_FILE would widen trust under
 * the launcher's --use-openssl-ca.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { cleanEnv, plugin, run, tempDir, type RunResult } from '../support/cli';
import { labDc, labDescribe, type LabDc } from '../support/lab';

labDescribe('TLS to the DC with no --ca-file: NODE_EXTRA_CA_CERTS, as Node itself honours it', () => {
  let dc: LabDc;
  let launcher: string;
  let base: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dc = (await labDc()) as LabDc;
    const config = tempDir('trustcfg');
    const installed = await plugin(['install'], cleanEnv({ DOCKER_CONFIG: config }));
    expect(installed.status).toBe(0);
    launcher = join(config, 'cli-plugins', 'docker-gmsa');
    const { GMSA_LDAP_CA: _ca, ...labEnv } = dc.env;
    base = cleanEnv({ ...labEnv, DOCKER_CONFIG: config });
    // What this machine's environment trusts is no part of these tests: each sets what it needs.
    for (const k of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) delete base[k];
  });

  const both = async (args: string[], env: NodeJS.ProcessEnv): Promise<{ launcher: RunResult; bin: RunResult }> => ({
    launcher: await run(launcher, ['gmsa', ...args], env),
    bin: await plugin(args, env),
  });

  /** Under `env` the DC is not trusted, the same refusal both ways, and --ca-file still trusts its CA. */
  const refusedUnlessCaFile = async (env: NodeJS.ProcessEnv): Promise<void> => {
    const r = await both(['account', 'ls'], env);
    expect(r.bin.status).not.toBe(0);
    expect(r.bin.stderr).toMatch(/TLS certificate is not trusted/);
    expect(r.launcher).toEqual(r.bin);
    const withCa = await both(['account', 'ls', '--ca-file', dc.caFile], env);
    expect(withCa.bin).toMatchObject({ status: 0, stderr: '' });
    expect(withCa.launcher).toEqual(withCa.bin);
  };

  test('the lab CA in NODE_EXTRA_CA_CERTS: the DC is trusted, and the launcher answers as Node does', async () => {
    const r = await both(['account', 'ls'], { ...base, NODE_EXTRA_CA_CERTS: dc.caFile });
    expect(r.bin).toMatchObject({ status: 0, stderr: '' });
    expect(r.bin.stdout).toMatch(/^NAME\s+DNS HOST NAME/);
    expect(r.launcher).toEqual(r.bin);
  });

  test('a file of other CAs: not trusted, the same refusal both ways; --ca-file still trusts only its CA', async () => {
    const other = join(tempDir('trustca'), 'other.pem');
    writeFileSync(other, rootCertificates.slice(0, 3).join('\n'));
    await refusedUnlessCaFile({ ...base, NODE_EXTRA_CA_CERTS: other });
  });

  test('no NODE_EXTRA_CA_CERTS, or one that cannot be read: not trusted, a warning naming the file', async () => {
    const none = await both(['account', 'ls'], base);
    expect(none.bin.stderr).toMatch(/TLS certificate is not trusted/);
    expect(none.launcher).toEqual(none.bin);
    const gone = await both(['account', 'ls'], { ...base, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
    expect(gone.launcher.status).toBe(gone.bin.status);
    expect(gone.launcher.stdout).toBe(gone.bin.stdout);
    expect(gone.launcher.stderr).toMatch(/^Warning: ignoring the extra CA certificates in \/nonexistent\/ca\.pem \(NODE_EXTRA_CA_CERTS\)/);
    expect(gone.bin.stderr).toMatch(/Ignoring extra certs from `\/nonexistent\/ca\.pem`/);
  });

  test('SSL_CERT_FILE naming the lab CA (what OpenSSL would load under the launcher\'s --use-openssl-ca): trusted no more than by the npm bin', async () => {
    await refusedUnlessCaFile({ ...base, SSL_CERT_FILE: dc.caFile });
  });
});
