/**
 * The lab's Samba AD DC is what the LDAP side of the plugin is tested against: prove, with oracles that
 * share no code with the plugin (OpenLDAP's ldapsearch, Node's own TLS and DNS resolver), that it is a
 * domain controller for contoso.com that answers LDAPS with a certificate the lab CA verifies, refuses a
 * simple bind without TLS, has the KDS containers and the seed accounts, and publishes its SRV records.
 */
import { execFile } from 'node:child_process';
import { promises as dns } from 'node:dns';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { LabDc, labDc, labDescribe } from '../support/lab';

type Run = { code: number; stdout: string; stderr: string };

labDescribe('lab dc (Samba AD DC)', () => {
  let dc: LabDc;
  let ip: string;

  /**
   * ldapsearch with only the settings given here: no /etc/ldap/ldap.conf, no ~/.ldaprc, no LDAP* of the
   * caller. Resolves with its exit code (ldapsearch exits with the LDAP result code).
   */
  function ldapsearch(args: string[], tlsEnv: Record<string, string> = {}): Promise<Run> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LDAP')) env[k] = v;
    Object.assign(env, { LDAPCONF: '/dev/null', LDAPRC: 'gmsa-lab-no-ldaprc' }, tlsEnv);
    const argv = ['-LLL', '-o', 'nettimeout=5', '-o', 'ldif-wrap=no', ...args];
    return new Promise((resolve) => {
      execFile('ldapsearch', argv, { env, timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  /** ldapsearch over LDAPS, verifying the DC's certificate with the lab CA (and only with it) */
  function ldaps(args: string[]): Promise<Run> {
    return ldapsearch(['-H', dc.ldapUrl, ...args], { LDAPTLS_CACERT: dc.caFile, LDAPTLS_REQCERT: 'demand' });
  }

  const adminBind = (): string[] => ['-x', '-D', dc.user, '-w', dc.password];

  /** the values of one attribute in LDIF output */
  function values(ldif: string, attr: string): string[] {
    const prefix = `${attr.toLowerCase()}: `;
    return ldif
      .split('\n')
      .filter((l) => l.toLowerCase().startsWith(prefix))
      .map((l) => l.slice(prefix.length));
  }

  beforeAll(async () => {
    const found = await labDc();
    if (!found) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = found;
    ip = new URL(dc.ldapUrl).hostname;
  });

  test('scripts/lab env describes the contoso.com DC', () => {
    expect(dc.domain).toBe('contoso.com');
    expect(dc.netbios).toBe('CONTOSO');
    expect(dc.ldapUrl).toMatch(/^ldaps:\/\//);
    expect(dc.user).toBe('Administrator@contoso.com');
    expect(dc.dnsServer).toBe(ip);
    expect(fs.readFileSync(dc.caFile, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
  });

  test('rootDSE over LDAPS, certificate verified with the lab CA: defaultNamingContext DC=contoso,DC=com', async () => {
    const r = await ldaps(['-x', '-b', '', '-s', 'base', 'defaultNamingContext', 'dnsHostName', 'domainFunctionality']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(values(r.stdout, 'defaultNamingContext')).toEqual(['DC=contoso,DC=com']);
    expect(values(r.stdout, 'dnsHostName')).toEqual(['dc01.contoso.com']);
    // 4 = 2008 R2: the highest level a Samba 4.17 DC runs at. functionalprep --function-level=2012_R2
    // adds the 2012 R2 schema updates and the KDS containers, not the level.
    expect(Number(values(r.stdout, 'domainFunctionality')[0])).toBeGreaterThanOrEqual(4);
  });

  test('without the lab CA the LDAPS certificate does not verify (so the test above really verifies)', async () => {
    const r = await ldapsearch(['-H', dc.ldapUrl, '-x', '-b', '', '-s', 'base', 'defaultNamingContext'], {
      LDAPTLS_REQCERT: 'demand',
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  test("the certificate names dc01.contoso.com and the DC's IP, and nothing else verifies (Node TLS)", async () => {
    const ca = fs.readFileSync(dc.caFile);
    const connect = (servername?: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = tls.connect({ host: ip, port: Number(new URL(dc.ldapUrl).port || 636), ca, servername }, () => {
          resolve(socket.authorized ? 'authorized' : `unauthorized: ${String(socket.authorizationError)}`);
          socket.destroy();
        });
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
      });
    expect(await connect()).toBe('authorized'); // the IP itself (no SNI for an IP)
    expect(await connect('dc01.contoso.com')).toBe('authorized');
    expect(await connect('contoso.com')).toBe('authorized');
    expect(await connect('dc02.contoso.com')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('a simple bind as Administrator over LDAPS works', async () => {
    const r = await ldaps([...adminBind(), '-b', 'DC=contoso,DC=com', '-s', 'base', 'objectClass']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(values(r.stdout, 'dn')).toEqual(['DC=contoso,DC=com']);
    expect(values(r.stdout, 'objectClass')).toContain('domainDNS');
  });

  test('a simple bind over plain ldap:// (389) is refused: strongerAuthRequired (8)', async () => {
    const r = await ldapsearch(['-H', `ldap://${ip}:389`, ...adminBind(), '-b', '', '-s', 'base', 'dn']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/Strong\(er\) authentication required \(8\)/);
    expect(r.stdout).toBe('');
  });

  test('the KDS Master Root Keys container exists', async () => {
    const base = 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,DC=contoso,DC=com';
    const r = await ldaps([...adminBind(), '-b', base, '-s', 'base', 'objectClass']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(values(r.stdout, 'dn')).toEqual([base]);
    expect(values(r.stdout, 'objectClass')).toContain('container');
  });

  test('the seed accounts exist: computers WEBHOST01 and WEBHOST02, and labuser without admin rights', async () => {
    expect(dc.computers).toEqual(['WEBHOST01', 'WEBHOST02']);
    const filter = '(|(sAMAccountName=WEBHOST01$)(sAMAccountName=WEBHOST02$)(sAMAccountName=labuser))';
    const r = await ldaps([...adminBind(), '-b', 'DC=contoso,DC=com', filter, 'sAMAccountName', 'objectClass', 'memberOf']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entries = r.stdout.split(/\n\n+/).filter((e) => e.trim() !== '');
    const byName = new Map(entries.map((e) => [values(e, 'sAMAccountName')[0], e]));
    expect([...byName.keys()].sort()).toEqual(['WEBHOST01$', 'WEBHOST02$', 'labuser']);
    expect(values(byName.get('WEBHOST01$')!, 'dn')).toEqual(['CN=WEBHOST01,CN=Computers,DC=contoso,DC=com']);
    expect(values(byName.get('WEBHOST01$')!, 'objectClass')).toContain('computer');
    expect(values(byName.get('WEBHOST02$')!, 'objectClass')).toContain('computer');
    expect(values(byName.get('labuser')!, 'objectClass')).toContain('user');
    expect(values(byName.get('labuser')!, 'memberOf').join('\n')).not.toMatch(/Admins|Administrators/);

    // and labuser can bind with the password scripts/lab env gives
    const asUser = await ldaps(['-x', '-D', dc.lowPrivUser, '-w', dc.lowPrivPassword, '-b', '', '-s', 'base', 'dn']);
    expect(asUser.stderr).toBe('');
    expect(asUser.code).toBe(0);
  });

  test("the DC's DNS (GMSA_DNS_SERVER) answers the DC locator SRV records with both DCs", async () => {
    const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
    resolver.setServers([dc.dnsServer]);
    const ip2 = new URL(dc.dc2Url).hostname;
    const srv = await resolver.resolveSrv(`_ldap._tcp.dc._msdcs.${dc.domain}`);
    expect(srv.map((r) => `${r.name}:${r.port}`).sort()).toEqual(['dc01.contoso.com:389', 'dc02.contoso.com:389']);
    expect(await resolver.resolve4('dc01.contoso.com')).toEqual([ip]);
    expect(await resolver.resolve4('dc02.contoso.com')).toEqual([ip2]);
    const kdc = await resolver.resolveSrv(`_kerberos._tcp.${dc.domain}`);
    expect(kdc.map((r) => `${r.name}:${r.port}`).sort()).toEqual(['dc01.contoso.com:88', 'dc02.contoso.com:88']);
  });

  test('the second DC is a replica of the same domain: it serves what the first one holds', async () => {
    const base = ['-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', '-s', 'base', 'objectGUID'];
    const first = await ldaps(base);
    const second = await ldapsearch(['-H', dc.dc2Url, ...base], { LDAPTLS_CACERT: dc.caFile, LDAPTLS_REQCERT: 'demand' });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/objectGUID:: /);
    expect(second.stdout).toBe(first.stdout);
  });

  test('Samba 4.21+ with a KDS root key usable now: the DC can compute gMSA passwords', async () => {
    const keys = await ldaps(['-x', '-D', dc.user, '-w', dc.password, '-b', 'CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,DC=contoso,DC=com', '-s', 'one', '(objectClass=msKds-ProvRootKey)', 'msKds-UseStartTime']);
    expect(keys.code).toBe(0);
    const starts = [...keys.stdout.matchAll(/^msKds-UseStartTime: (\d+)$/gm)].map((m) => BigInt(m[1]!));
    expect(starts.length).toBeGreaterThan(0);
    // FILETIME: 100 ns ticks since 1601; usable when the start is at least 10 hours in the past
    const nowTicks = BigInt(Date.now()) * 10_000n + 116444736000000000n;
    expect(starts.some((t) => nowTicks - t >= 10n * 3600n * 10_000_000n)).toBe(true);
  });
});
