import { bindName, directorySettings, readPassword, readStdinSecret } from '../../../src/ad/settings';
import { UsageError } from '../../../src/errors';

describe('directory settings', () => {
  test('flags override environment; timeout in seconds, default 5', () => {
    const env = { GMSA_DOMAIN: 'Contoso.COM.', GMSA_LDAP_URL: 'ldaps://a, ldaps://b', GMSA_LDAP_USER: 'u', GMSA_LDAP_CA: '/ca.pem', GMSA_DNS_SERVER: '10.0.0.1' };
    expect(directorySettings({}, env, 'linux')).toEqual({
      domain: 'contoso.com',
      servers: ['ldaps://a', 'ldaps://b'],
      user: 'u',
      caFile: '/ca.pem',
      dnsServer: '10.0.0.1',
      startTls: false,
      insecureSkipTlsVerify: false,
      timeoutMs: 5000,
    });
    const s = directorySettings({ server: ['ldaps://c'], user: 'v', timeout: '2.5', starttls: true }, env, 'linux');
    expect(s).toMatchObject({ servers: ['ldaps://c'], user: 'v', timeoutMs: 2500, startTls: true });
  });

  test('on a domain-joined Windows host the domain is the host\'s (USERDNSDOMAIN); flags and GMSA_DOMAIN still win', () => {
    const host = { USERDNSDOMAIN: 'CONTOSO.COM', USERDOMAIN: 'CONTOSO' };
    expect(directorySettings({}, host, 'win32')).toMatchObject({ domain: 'contoso.com', servers: [] });
    expect(directorySettings({}, { ...host, GMSA_DOMAIN: 'fabrikam.com' }, 'win32').domain).toBe('fabrikam.com');
    expect(directorySettings({ domain: 'corp.example' }, host, 'win32').domain).toBe('corp.example');
    // Only Windows sets it for a domain logon; elsewhere it means nothing.
    expect(() => directorySettings({}, host, 'linux')).toThrow(UsageError);
    expect(() => directorySettings({}, {}, 'win32')).toThrow(/USERDNSDOMAIN is not set/);
  });

  test('nothing to connect to, and bad timeouts, are usage errors', () => {
    expect(() => directorySettings({}, {}, 'linux')).toThrow(UsageError);
    expect(() => directorySettings({ domain: 'x.com', timeout: 'soon' }, {}, 'linux')).toThrow(/invalid timeout "soon"/);
    expect(() => directorySettings({ domain: 'x.com', timeout: '0' }, {}, 'linux')).toThrow(UsageError);
  });

  test('the password comes from stdin when asked, else the environment, never elsewhere', async () => {
    expect(await readPassword({ passwordStdin: true }, { GMSA_LDAP_PASSWORD: 'env' }, async () => Buffer.from('from-stdin\n'))).toBe('from-stdin');
    expect(await readPassword({}, { GMSA_LDAP_PASSWORD: 'env' }, async () => Buffer.from('x'))).toBe('env');
    expect(await readPassword({}, {}, async () => Buffer.from('x'))).toBeUndefined();
    await expect(readPassword({ passwordStdin: true }, {}, async () => Buffer.alloc(0))).rejects.toThrow(/standard input was empty/);
  });

  test('bind names: UPN, DOMAIN\\user and DNs as given; a bare name gets the domain', () => {
    expect(bindName('admin', 'contoso.com')).toBe('admin@contoso.com');
    expect(bindName('admin@contoso.com', 'x')).toBe('admin@contoso.com');
    expect(bindName('CONTOSO\\admin', 'x')).toBe('CONTOSO\\admin');
    expect(bindName('CN=Admin,CN=Users,DC=contoso,DC=com', 'x')).toBe('CN=Admin,CN=Users,DC=contoso,DC=com');
  });
});

describe('secrets from standard input', () => {
  test('an empty stdin names the flag and whose password it carries', async () => {
    await expect(readStdinSecret('--host-password-stdin', 'the machine account password of WEBHOST01', async () => Buffer.from('\n'))).rejects.toThrow(
      '--host-password-stdin was given but standard input was empty',
    );
    const e = await readStdinSecret('--host-password-stdin', 'the machine account password of WEBHOST01', async () => Buffer.alloc(0)).catch((x: UsageError) => x);
    expect((e as UsageError).hint).toMatch(/machine account password of WEBHOST01/);
    expect((e as UsageError).hint).not.toMatch(/GMSA_LDAP_PASSWORD/);
  });
});
