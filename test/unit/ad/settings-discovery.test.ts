import { bindName, directorySettings, readPassword } from '../../../src/ad/settings';
import { discoverCandidates, orderSrv, parseServerUrl, type Resolver } from '../../../src/ad/discovery';
import { DirectoryUnreachableError, UsageError } from '../../../src/errors';

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

describe('DC discovery', () => {
  test('server URLs: ldaps by default, ports, and plain ldap only with StartTLS', () => {
    expect(parseServerUrl('dc01.contoso.com', false)).toEqual({ url: 'ldaps://dc01.contoso.com:636', tlsName: 'dc01.contoso.com', port: 636, transport: 'ldaps' });
    expect(parseServerUrl('ldap://dc01:3389', true)).toMatchObject({ port: 3389, transport: 'starttls' });
    expect(() => parseServerUrl('ldap://dc01', false)).toThrow(/refusing a simple bind over plain LDAP/);
    expect(() => parseServerUrl('http://dc01', false)).toThrow(UsageError);
    expect(() => parseServerUrl('ldaps://dc01/DC=x', false)).toThrow(UsageError);
  });

  test('SRV records: lowest priority first, then highest weight', () => {
    const ordered = orderSrv([
      { name: 'c', port: 389, priority: 10, weight: 0 },
      { name: 'a', port: 389, priority: 0, weight: 10 },
      { name: 'b', port: 389, priority: 0, weight: 90 },
    ]);
    expect(ordered.map((r) => r.name)).toEqual(['b', 'a', 'c']);
  });

  const resolver = (srv: Record<string, { name: string; port: number; priority: number; weight: number }[]>, a: Record<string, string>): Resolver => ({
    resolveSrv: async (n) => {
      const r = srv[n];
      if (!r) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return r;
    },
    resolve4: async (n) => {
      const ip = a[n];
      if (!ip) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [ip];
    },
  });

  test('discovery asks SRV, connects to the resolved address on 636, verifies the name', async () => {
    const r = resolver({ '_ldap._tcp.dc._msdcs.contoso.com': [{ name: 'dc01.contoso.com.', port: 389, priority: 0, weight: 100 }] }, { 'dc01.contoso.com': '10.1.2.3' });
    const c = await discoverCandidates(directorySettings({ domain: 'contoso.com', dnsServer: '10.0.0.1' }, {}, 'linux'), r);
    expect(c).toEqual([{ url: 'ldaps://dc01.contoso.com:636', tlsName: 'dc01.contoso.com', connectHost: '10.1.2.3', port: 636, transport: 'ldaps' }]);
    const st = await discoverCandidates(directorySettings({ domain: 'contoso.com', dnsServer: '10.0.0.1', starttls: true }, {}, 'linux'), r);
    expect(st[0]).toMatchObject({ url: 'ldap://dc01.contoso.com:389', port: 389, transport: 'starttls' });
  });

  test('on Windows the DC comes from the host domain\'s SRV records', async () => {
    const asked: string[] = [];
    const r = resolver({ '_ldap._tcp.dc._msdcs.contoso.com': [{ name: 'dc02.contoso.com.', port: 389, priority: 0, weight: 100 }] }, {});
    const c = await discoverCandidates(directorySettings({}, { USERDNSDOMAIN: 'CONTOSO.COM' }, 'win32'), {
      resolveSrv: (n) => (asked.push(n), r.resolveSrv(n)),
      resolve4: r.resolve4,
    });
    expect(asked).toEqual(['_ldap._tcp.dc._msdcs.contoso.com']);
    // No address of our own for the name: the connection resolves it through the system resolver.
    expect(c).toEqual([{ url: 'ldaps://dc02.contoso.com:636', tlsName: 'dc02.contoso.com', connectHost: 'dc02.contoso.com', port: 636, transport: 'ldaps' }]);
  });

  test('a failed SRV lookup names the record, the DNS server and the way out', async () => {
    await expect(discoverCandidates(directorySettings({ domain: 'nowhere.test', dnsServer: '10.0.0.1' }, {}, 'linux'), resolver({}, {}))).rejects.toThrow(DirectoryUnreachableError);
    await expect(discoverCandidates(directorySettings({ domain: 'nowhere.test', dnsServer: '10.0.0.1' }, {}, 'linux'), resolver({}, {}))).rejects.toThrow(
      /_ldap\._tcp\.dc\._msdcs\.nowhere\.test.*10\.0\.0\.1/,
    );
  });
});
