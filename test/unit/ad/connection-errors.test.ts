import { describeConnectionFailure, isConnectionFailure, mapLdapError } from '../../../src/ad/connection';
import type { Candidate } from '../../../src/ad/discovery';
import { DirectoryError, DirectoryUnreachableError } from '../../../src/errors';

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
