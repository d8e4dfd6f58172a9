import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCaPem, describeConnectionFailure, isConnectionFailure, mapLdapError, openDirectory } from '../../../src/ad/connection';
import { StepTimeout, withDeadline } from '../../../src/ad/deadline';
import type { Candidate } from '../../../src/ad/discovery';
import { directorySettings } from '../../../src/ad/settings';
import { DirectoryError, DirectoryUnreachableError, InvalidInputError } from '../../../src/errors';

const ldapError = (code: number, message: string): Error => Object.assign(new Error(message), { code });
const netError = (code: string, message = code): Error => Object.assign(new Error(message), { code });
const dc: Candidate = { url: 'ldaps://dc01.contoso.com:636', tlsName: 'dc01.contoso.com', connectHost: '10.0.0.5', port: 636, transport: 'ldaps' };

describe('LDAP result codes become messages a person can act on', () => {
  test.each([
    [49, '80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 52e, v4563', /rejected the credentials: the password is wrong/],
    [49, '80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775, v4563', /the account is locked out/],
    [49, 'invalid credentials', /rejected the credentials$/],
    [8, 'Transport encryption required.', /requires an encrypted connection/],
    [50, 'insufficient access', /insufficient access rights to create the gMSA webapp01/],
    [19, 'constraint', /constraint violation/],
    [65, 'objectclass', /object class violation/],
    [53, 'nope', /unwilling to create the gMSA webapp01: nope/],
  ])('result %i (%s)', (code, message, expected) => {
    const e = mapLdapError(ldapError(code, message), 'create the gMSA webapp01', 'ldaps://dc01:636');
    expect(e).toBeInstanceOf(DirectoryError);
    expect(e.message).toMatch(expected);
    expect(e.hint).toBeTruthy();
  });

  test('an operation that timed out says the DC did not answer in N s, and what it was doing', () => {
    const e = mapLdapError(new Error('SearchRequest: Operation timed out'), 'read the rootDSE', 'ldaps://dc01:636', 2000);
    expect(e).toBeInstanceOf(DirectoryUnreachableError);
    expect(e.message).toBe('ldaps://dc01:636 did not answer in 2 s while trying to read the rootDSE');
    expect(e.hint).toMatch(/raise --timeout/);
  });

  test('a lost connection is "unreachable" and says a re-run is safe', () => {
    const e = mapLdapError(new Error('Connection closed'), 'add WEBHOST01 to webapp01Hosts', 'ldaps://dc01:636');
    expect(e).toBeInstanceOf(DirectoryUnreachableError);
    expect(e.hint).toMatch(/safe to repeat/);
  });

  test('network and TLS failures are worth trying the next DC; LDAP refusals are not', () => {
    expect(isConnectionFailure(netError('ECONNREFUSED'))).toBe(true);
    expect(isConnectionFailure(netError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe(true);
    expect(isConnectionFailure(new Error('Connection timeout'))).toBe(true);
    expect(isConnectionFailure(ldapError(49, 'invalid credentials'))).toBe(false);
  });

  test('TLS failures name the cause and the fix', () => {
    expect(describeConnectionFailure(netError('SELF_SIGNED_CERT_IN_CHAIN'), dc)).toEqual({
      reason: 'its TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)',
      hint: "Pass the DC's CA certificate with --ca-file (GMSA_LDAP_CA).",
    });
    expect(describeConnectionFailure(netError('ERR_TLS_CERT_ALTNAME_INVALID'), dc).reason).toBe('its TLS certificate does not name dc01.contoso.com');
    expect(describeConnectionFailure(netError('ECONNREFUSED'), dc).reason).toBe('connection refused on port 636');
    expect(describeConnectionFailure(new Error('Connection timeout'), dc).reason).toBe('no answer within the timeout');
  });
});

describe('the CA file must hold PEM certificates', () => {
  let pem: Buffer;
  let der: Buffer;
  let key: Buffer;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'gmsa-ca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=Test CA', '-days', '2', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-outform', 'der', '-out', join(dir, 'c.der')], { stdio: 'ignore' });
    pem = readFileSync(join(dir, 'c.pem'));
    der = readFileSync(join(dir, 'c.der'));
    key = readFileSync(join(dir, 'k.pem'));
  });

  const refusal = (data: Buffer): InvalidInputError => {
    try {
      checkCaPem('/etc/ca.pem', data);
    } catch (e) {
      return e as InvalidInputError;
    }
    throw new Error('accepted');
  };

  test('one or several PEM certificates (with text around them) pass', () => {
    expect(() => checkCaPem('/etc/ca.pem', pem)).not.toThrow();
    expect(() => checkCaPem('/etc/ca.pem', Buffer.concat([Buffer.from('subject=CN=Test CA\n'), pem, pem]))).not.toThrow();
  });

  test.each([
    ['an empty file', () => Buffer.alloc(0), /it is empty/],
    ['a text file', () => Buffer.from('TOP-SECRET-CONTENT\nline 2\n'), /no -----BEGIN CERTIFICATE----- block/],
    ['a private key', () => key, /it holds PRIVATE KEY but no CERTIFICATE/],
    ['a DER certificate', () => der, /binary \(DER\) form/],
    ['a damaged PEM block', () => Buffer.from('-----BEGIN CERTIFICATE-----\nTk9UIEEgQ0VSVA==\n-----END CERTIFICATE-----\n'), /block does not parse/],
  ])('%s is refused, naming the file, never its contents', (_what, data, why) => {
    const e = refusal(data());
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toMatch(/^the CA file \/etc\/ca\.pem \(--ca-file, GMSA_LDAP_CA\) is not a PEM certificate: /);
    expect(e.message).toMatch(why);
    expect(`${e.message}${e.hint}`).not.toMatch(/TOP-SECRET|Tk9U|MII/);
  });

  test('the DER case says how to convert', () => {
    expect(refusal(der).hint).toMatch(/openssl x509 -inform der -in \/etc\/ca\.pem -out ca\.pem/);
  });
});

describe('every network step ends within the timeout', () => {
  test('withDeadline: the work wins, or the step is torn down and fails as ETIMEOUT', async () => {
    expect(await withDeadline(Promise.resolve(7), 1000, 'x')).toBe(7);
    let torn = false;
    const t0 = Date.now();
    await expect(withDeadline(new Promise(() => undefined), 150, 'StartTLS', () => (torn = true))).rejects.toMatchObject({ code: 'ETIMEOUT', message: 'StartTLS: no answer in 0.15 s' });
    expect(torn).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(isConnectionFailure(new StepTimeout('StartTLS', 1000))).toBe(true);
    expect(describeConnectionFailure(new StepTimeout('StartTLS', 1000), dc, 1000).reason).toBe('no answer within the timeout (1 s)');
  });

  test('a DC that accepts StartTLS and then never shakes hands fails at the timeout, not never', async () => {
    const held: Socket[] = [];
    // Answers the first LDAP message (the StartTLS extended request) with success, then stays silent.
    const server = createServer((sock) => {
      held.push(sock);
      sock.once('data', (d: Buffer) => {
        const id = d[2] === 0x02 && d[3] === 0x01 ? (d[4] as number) : 1;
        sock.write(Buffer.from([0x30, 0x0c, 0x02, 0x01, id, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const s = directorySettings({ server: [`ldap://127.0.0.1:${port}`], starttls: true, timeout: '0.5' }, {}, 'linux');
      const t0 = Date.now();
      await expect(openDirectory(s, { anonymous: true })).rejects.toThrow(/127\.0\.0\.1:\d+: no answer within the timeout \(0\.5 s\)/);
      expect(Date.now() - t0).toBeLessThan(3500); // coarse: a hang guard
    } finally {
      held.forEach((k) => k.destroy());
      server.close();
    }
  });
});
