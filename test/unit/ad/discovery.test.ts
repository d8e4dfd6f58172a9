import { directorySettings } from '../../../src/ad/settings';
import { discoverCandidates, dnsServerAddress, makeResolver, orderSrv, parseDnsServer, parseServerUrl, redactServerUrl, type Resolver } from '../../../src/ad/discovery';
import { DirectoryUnreachableError, UsageError } from '../../../src/errors';

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

describe('--dns-server forms', () => {
  test.each([
    ['10.0.0.2', { host: '10.0.0.2' }],
    ['10.0.0.2:5353', { host: '10.0.0.2', port: 5353 }],
    ['::1', { host: '::1' }],
    ['fd00::2', { host: 'fd00::2' }],
    ['[fd00::2]', { host: 'fd00::2' }],
    ['[fd00::2]:53', { host: 'fd00::2', port: 53 }],
    ['dns1.contoso.com', { host: 'dns1.contoso.com' }],
    ['dns1.contoso.com:53', { host: 'dns1.contoso.com', port: 53 }],
    ['localhost', { host: 'localhost' }],
  ])('%s', (raw, parsed) => expect(parseDnsServer(raw)).toEqual(parsed));

  test.each(['a:b:c', '10.0.0.2:0', '10.0.0.2:70000', '[dns1]:53', 'dns one', '', ':53', 'x:'])('%j is a usage error naming the flag', (raw) => {
    expect(() => parseDnsServer(raw)).toThrow(UsageError);
    expect(() => parseDnsServer(raw)).toThrow(/invalid DNS server .*--dns-server or GMSA_DNS_SERVER/);
  });

  test('a malformed --dns-server is refused by the settings, before anything connects', () => {
    expect(() => directorySettings({ domain: 'contoso.com', dnsServer: 'a:b:c' }, {}, 'linux')).toThrow(/invalid DNS server "a:b:c"/);
    expect(() => directorySettings({ domain: 'contoso.com' }, { GMSA_DNS_SERVER: '10.0.0.2:x' }, 'linux')).toThrow(UsageError);
  });

  test('a host name is resolved with the given lookup, in the form dns.Resolver takes', async () => {
    const lookup = async (h: string) => ({ address: h === 'dns6' ? 'fd00::2' : '10.0.0.2' });
    expect(await dnsServerAddress('dns1.contoso.com', 1000, lookup)).toBe('10.0.0.2');
    expect(await dnsServerAddress('dns1.contoso.com:5353', 1000, lookup)).toBe('10.0.0.2:5353');
    expect(await dnsServerAddress('dns6:53', 1000, lookup)).toBe('[fd00::2]:53');
    expect(await dnsServerAddress('[::1]:53', 1000, lookup)).toBe('[::1]:53');
    expect(await dnsServerAddress('10.0.0.9', 1000, lookup)).toBe('10.0.0.9');
  });

  test('a name that does not resolve, or a resolver that hangs, fails within the timeout and says so', async () => {
    const missing = async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(dnsServerAddress('nowhere.invalid', 1000, missing)).rejects.toThrow(/cannot find the address of the DNS server nowhere\.invalid \(--dns-server\): ENOTFOUND/);
    const hang = () => new Promise<{ address: string }>(() => undefined);
    const t0 = Date.now();
    await expect(dnsServerAddress('slow.example', 200, hang)).rejects.toThrow(/did not answer in 0\.2 s/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('a DNS server that does not answer', () => {
  const timedOut = (): Resolver => {
    const fail = async (): Promise<never> => Promise.reject(Object.assign(new Error('queryA ETIMEOUT'), { code: 'ETIMEOUT' }));
    return { resolveSrv: fail, resolve4: fail };
  };

  test('SRV: the error says the DNS server did not answer in N s and names it', async () => {
    const s = directorySettings({ domain: 'contoso.com', dnsServer: '10.0.0.1', timeout: '2' }, {}, 'linux');
    await expect(discoverCandidates(s, timedOut())).rejects.toThrow('the DNS server 10.0.0.1 did not answer in 2 s (looking up _ldap._tcp.dc._msdcs.contoso.com)');
  });

  test('the A lookup of a --server name: the same, never a later misleading ENOTFOUND', async () => {
    const s = directorySettings({ server: ['ldaps://dc01.contoso.com'], dnsServer: '10.0.0.1', timeout: '1' }, {}, 'linux');
    await expect(discoverCandidates(s, timedOut())).rejects.toThrow('the DNS server 10.0.0.1 did not answer in 1 s (looking up dc01.contoso.com)');
  });

  test('a DC whose name got no answer is a failed candidate; the others are still tried', async () => {
    const s = directorySettings({ server: ['ldaps://dc01.contoso.com', 'ldaps://10.0.0.7'], dnsServer: '10.0.0.1', timeout: '1' }, {}, 'linux');
    const [named, byIp] = await discoverCandidates(s, timedOut());
    expect(named?.dnsFailure?.message).toBe('the DNS server 10.0.0.1 did not answer in 1 s (looking up dc01.contoso.com)');
    expect(byIp).toEqual({ url: 'ldaps://10.0.0.7:636', tlsName: '10.0.0.7', connectHost: '10.0.0.7', port: 636, transport: 'ldaps' });
  });

  test('a real resolver on a silent UDP socket ends at the timeout', async () => {
    const { createSocket } = await import('node:dgram');
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const { port } = sock.address();
      const r = makeResolver(`127.0.0.1:${port}`, 600);
      const t0 = Date.now();
      await expect(r.resolveSrv('_ldap._tcp.dc._msdcs.contoso.com')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(Date.now() - t0).toBeLessThan(3600); // coarse: a hang guard
    } finally {
      sock.close();
    }
  });
});

describe('--server values carry no credentials', () => {
  test.each([
    ['ldaps://admin:S3cret!@dc01.contoso.com', true],
    ['ldaps://CONTOSO%5Cadmin:S3cret!@dc01.contoso.com:636', true],
    ['admin:S3cret!@dc01.contoso.com', true],
    ['ldaps://admin@dc01.contoso.com', false],
    ['ldaps://a:p@ss@dc01.contoso.com', true],
    ['ldaps://a:p w@dc01', true],
  ])('%s is refused without showing the password', (raw, withPassword) => {
    let err: unknown;
    try {
      parseServerUrl(raw, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const e = err as UsageError;
    expect(e.message).toMatch(/carries a user name/);
    expect(e.message).toMatch(withPassword ? /and a password/ : /user name;/);
    expect(`${e.message}\n${e.hint}`).not.toMatch(/S3cret|admin|p w|ss@/);
    expect(e.message).toContain('***@dc01');
  });

  test('from GMSA_LDAP_URL too, before anything is read or connected', () => {
    expect(() => directorySettings({}, { GMSA_LDAP_URL: 'ldaps://u:pw@dc01' }, 'linux')).toThrow(/ldaps:\/\/\*\*\*@dc01 \(--server or GMSA_LDAP_URL\) carries a user name and a password/);
    expect(redactServerUrl('ldaps://u:pw@dc01:636')).toBe('ldaps://***@dc01:636');
  });
});
