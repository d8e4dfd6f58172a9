/**
 * What the AD commands refuse, and how fast they give up, against the lab's real Samba AD DC: names that
 * would break later, names of another domain, credentials in a server URL, a CA file that is not a
 * certificate, DNS servers given by name, silent DNS servers, and what `account test` prints. Every
 * directory check is made with ldapsearch (OpenLDAP), which shares no code with the plugin; every
 * account made here has a unique name and is deleted with ldapdelete at the end.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, plugin, tempDir, type RunResult } from '../support/cli';
import { labDc, labDescribe, type LabDc } from '../support/lab';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    child.stdin?.on('error', () => undefined); // a tool that reads no stdin may close it first
    child.stdin?.end(input ?? '');
  });
}

/** A UDP socket on loopback that receives DNS queries and never answers. */
async function silentDns(): Promise<{ sock: UdpSocket; port: number }> {
  const sock = createSocket('udp4');
  sock.on('message', () => undefined);
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: sock.address().port };
}

/** A UDP relay on 127.0.0.1 to the DC's DNS server, so the test can reach it by the name `localhost`. */
async function dnsRelay(target: string): Promise<{ sock: UdpSocket; port: number }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, from) => {
    const up = createSocket('udp4');
    up.on('message', (answer) => {
      sock.send(answer, from.port, from.address);
      up.close();
    });
    up.on('error', () => up.close());
    up.send(msg, 53, target);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: sock.address().port };
}

labDescribe('AD commands refuse what would break later, and give up in time', () => {
  let dc: LabDc;
  let env: NodeJS.ProcessEnv;
  const tag = randomBytes(2).toString('hex');
  const created: string[] = []; // gMSA names to delete (with their <NAME>Hosts group)
  const extraDns: string[] = []; // other objects to delete
  const gmsa = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string): Promise<RunResult> => plugin(args, { ...env, ...extra }, input);
  const ldapsearch = async (filter: string, ...attrs: string[]): Promise<string> => {
    const r = await sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', filter, ...attrs], {
      ...process.env,
      LDAPTLS_CACERT: dc.caFile,
    });
    if (r.code !== 0) throw new Error(`ldapsearch ${filter}: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .trim();
  };
  const make = async (name: string): Promise<void> => {
    created.push(name);
    const r = await gmsa(['account', 'create', name, '--hosts', 'WEBHOST01']);
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.status).toBe(0);
  };

  beforeAll(async () => {
    const d = await labDc();
    if (!d) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    env = cleanEnv(dc.env);
  });

  afterAll(async () => {
    if (!dc) return;
    const dns = [...created.flatMap((n) => [`CN=${n},CN=Managed Service Accounts,DC=contoso,DC=com`, `CN=${n}Hosts,CN=Users,DC=contoso,DC=com`]), ...extraDns];
    if (dns.length > 0) await sh('ldapdelete', ['-c', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, ...dns], { ...process.env, LDAPTLS_CACERT: dc.caFile });
  });

  describe('account create checks every name before planning', () => {
    test('a name longer than 15 characters says so (not [object Object])', async () => {
      const r = await gmsa(['account', 'create', 'ThisNameIsTooLong01', '--hosts', 'WEBHOST01']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'Error: invalid gMSA name "ThisNameIsTooLong01": it is 19 characters long; a NetBIOS computer name has at most 15\n' +
          "Hint: A gMSA name becomes the container's host name: use 1 to 15 letters, digits or hyphens, with a letter somewhere and no hyphen first or last, e.g. webapp01.\n",
      );
    });

    const bad = `bad${tag}`;
    test.each([
      [`(${bad})`, [], /invalid gMSA name "\(bad[0-9a-f]{4}\)": it contains '\('/],
      [`${bad}#`, [], /invalid gMSA name .*: it contains '#'/],
      [`${bad}%`, [], /it contains '%'/],
      [`${bad}.`, [], /it contains '\.' \(a dot would make it a DNS name/],
      [`${bad}\u202E`, [], /invalid gMSA name "bad[0-9a-f]{4}\\u\{202E\}": it contains U\+202E/],
      [`${bad}\u{1F600}`, [], /it contains '\u{1F600}' \(U\+1F600\)/u],
      ['123456', [], /all digits/],
      [`${bad}-`, [], /starts or ends with a hyphen/],
      [bad, ['--spn', 'bad spn'], /invalid SPN "bad spn": it contains a space/],
      [bad, ['--spn', 'http/ok.contoso.com,http'], /invalid SPN "http": it is not service\/host/],
      [bad, ['--group', 'a*b'], /invalid --group "a\*b": it contains '\*', which Active Directory does not allow/],
      [bad, ['--group', `h${'x'.repeat(63)}`], /64 characters long; at most 63/],
      [bad, ['--dns-host-name', `${bad}.contoso.com.`], /invalid --dns-host-name .*ends with a dot/],
    ])('%j %j is refused, and nothing is created', async (name, extra, why) => {
      const r = await gmsa(['account', 'create', name, '--hosts', 'WEBHOST01', ...extra]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^Error: /);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/\nHint: \S/);
      expect(r.stderr).not.toMatch(/\u202E|object Object|bug in docker gmsa/);
    });

    test('none of the refused names reached the directory', async () => {
      expect(await ldapsearch(`(|(cn=*${bad}*)(cn=123456*)(cn=a\\2ab))`, 'dn')).toBe('');
    });

    test('account spn add checks SPNs with the same rule', async () => {
      const r = await gmsa(['account', 'spn', 'add', 'webapp01', 'bad spn']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^Error: invalid SPN "bad spn": it contains a space\nHint: An SPN has the form service\/host\[:port\]\[\/name\]/);
    });
  });

  describe('names of another domain are refused, not resolved in this one', () => {
    const account = `xd${tag}`;
    beforeAll(async () => make(account));

    test.each([
      [['account', 'test', `OTHER\\${account}`, '--host', 'WEBHOST01'], /"OTHER\\xd[0-9a-f]{4}" names an account of the domain "OTHER"/],
      [['account', 'test', account, '--host', 'OTHER\\WEBHOST01'], /"OTHER\\WEBHOST01" names an account of the domain "OTHER"/],
      [['account', 'show', `${account}$@fabrikam.com`], /names an account of the DNS domain "fabrikam\.com"/],
      [['account', 'spn', 'add', `OTHER\\${account}`, `http/${account}.contoso.com`], /names an account of the domain "OTHER"/],
      [['spec', 'create', `OTHER\\${account}`, '--path', '-'], /names an account of the domain "OTHER"/],
      [['account', 'create', `OTHER\\${account}`, '--hosts', 'WEBHOST01'], /names an account of the domain "OTHER"/],
      [['account', 'create', account, '--hosts', 'WEBHOST01,FABRIKAM\\WEBHOST02'], /"FABRIKAM\\WEBHOST02" names an account/],
    ])('%j', async (args, why) => {
      const r = await gmsa(args);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/the directory connected to is CONTOSO \(contoso\.com\); accounts of other domains are not supported/);
      expect(r.stderr).toMatch(/^Hint: .*connect to a domain controller of that domain/m);
    });

    test('the domain’s own NetBIOS and DNS names are accepted', async () => {
      const a = await gmsa(['account', 'test', `CONTOSO\\${account}$`, '--host', `WEBHOST01$@contoso.com`, '--format', 'json']);
      expect(a.stderr).toBe('');
      expect(JSON.parse(a.stdout)).toMatchObject({ Account: account, Host: 'WEBHOST01', Allowed: true });
      const spec = await gmsa(['spec', 'create', `${account}@CONTOSO.COM`, '--path', '-']);
      expect(spec.status).toBe(0);
      expect((JSON.parse(spec.stdout) as { DomainJoinConfig: { MachineAccountName: string } }).DomainJoinConfig.MachineAccountName).toBe(account);
    });
  });

  describe('no credentials in a server URL, and a CA file must be a certificate', () => {
    test.each([
      [['--server', 'ldaps://Administrator:Pw-On-Argv1!@127.100.0.1'], {}],
      [[], { GMSA_LDAP_URL: 'ldaps://Administrator:Pw-On-Argv1!@127.100.0.1:636' }],
      [['--server', 'Administrator:Pw-On-Argv1!@dc01.contoso.com'], {}],
    ])('%j %j is refused before connecting, without echoing the password', async (args, extra) => {
      const r = await gmsa(['account', 'ls', ...args], extra);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^Error: the directory server (ldaps:\/\/)?\*\*\*@(127\.100\.0\.1|dc01\.contoso\.com)\S* \(--server or GMSA_LDAP_URL\) carries a user name and a password; a server URL may not\n/);
      expect(r.stderr).toMatch(/--user \(GMSA_LDAP_USER\)/);
      expect(r.stderr).not.toMatch(/Pw-On-Argv1|Administrator/);
    });

    test('a file that is not a PEM certificate is named as such (its contents never shown); the lab CA works', async () => {
      const dir = tempDir('ca');
      const text = join(dir, 'notes.txt');
      writeFileSync(text, 'SECRET-NOTES-42\n');
      const der = join(dir, 'ca.cer');
      expect((await sh('openssl', ['x509', '-in', dc.caFile, '-outform', 'der', '-out', der])).code).toBe(0);
      const key = join(dir, 'key.pem');
      expect((await sh('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key])).code).toBe(0);

      const t = await gmsa(['account', 'ls', '--ca-file', text]);
      expect(t.status).toBe(1);
      expect(t.stderr).toMatch(new RegExp(`^Error: the CA file ${text.replace(/[/.]/g, '\\$&')} \\(--ca-file, GMSA_LDAP_CA\\) is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block\\n`));
      expect(t.stderr).not.toMatch(/SECRET-NOTES|not trusted/);
      const d = await gmsa(['account', 'ls'], { GMSA_LDAP_CA: der });
      expect(d.status).toBe(1);
      expect(d.stderr).toMatch(/binary \(DER\) form/);
      expect(d.stderr).toMatch(/Hint: Convert it to PEM: openssl x509 -inform der/);
      const k = await gmsa(['account', 'ls', '--ca-file', key]);
      expect(k.stderr).toMatch(/it holds PRIVATE KEY but no CERTIFICATE/);
      expect(k.stderr).not.toContain(readFileSync(key, 'utf8').split('\n')[1] as string);
      const ok = await gmsa(['account', 'ls', '-q', '--ca-file', dc.caFile]);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
    });
  });

  describe('DNS servers: by name, and silent ones end at the timeout', () => {
    let silent: { sock: UdpSocket; port: number };
    let relay: { sock: UdpSocket; port: number };
    beforeAll(async () => {
      silent = await silentDns();
      relay = await dnsRelay(dc.dnsServer);
    });
    afterAll(() => {
      silent?.sock.close();
      relay?.sock.close();
    });

    test('--dns-server as a host name with a port finds the DC through SRV records', async () => {
      const byName = await gmsa(['account', 'ls', '-q', '--dns-server', `localhost:${relay.port}`], { GMSA_LDAP_URL: '', GMSA_DNS_SERVER: '' });
      expect(byName.stderr).toBe('');
      expect(byName.status).toBe(0);
      const byAddress = await gmsa(['account', 'ls', '-q'], { GMSA_LDAP_URL: '', GMSA_DNS_SERVER: `127.0.0.1:${relay.port}` });
      expect(byAddress.stderr).toBe('');
      expect(byAddress.stdout).toBe(byName.stdout);
      const unknown = await gmsa(['account', 'ls', '--dns-server', 'no-such-dns.invalid'], { GMSA_LDAP_URL: '' });
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(/^Error: cannot find the address of the DNS server no-such-dns\.invalid \(--dns-server\): (ENOTFOUND|EAI_AGAIN)\nHint: Give the DNS server by its IP address/);
      const malformed = await gmsa(['account', 'ls', '--dns-server', 'a:b:c'], { GMSA_LDAP_URL: '' });
      expect(malformed.status).toBe(2);
      expect(malformed.stderr).toMatch(/^Error: invalid DNS server "a:b:c"/);
    });

    // Coarse bounds only (a hang guard, never a speed measurement): timeout + 3 s.
    test.each([
      ['SRV discovery', ['--timeout', '1'], { GMSA_LDAP_URL: '' }, 1, /_ldap\._tcp\.dc\._msdcs\.contoso\.com/],
      ['SRV discovery at the default 5 s', [], { GMSA_LDAP_URL: '' }, 5, /_ldap\._tcp\.dc\._msdcs\.contoso\.com/],
      ['the A lookup of a --server host name', ['--timeout', '1', '--server', 'ldaps://dc01.contoso.com'], {}, 1, /looking up dc01\.contoso\.com/],
    ])('%s', async (_what, args, extra, seconds, lookingUp) => {
      const t0 = Date.now();
      const r = await gmsa(['account', 'ls', '--dns-server', `127.0.0.1:${silent.port}`, ...args], extra);
      const took = Date.now() - t0;
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^Error: the DNS server 127\\.0\\.0\\.1:${silent.port} did not answer in ${seconds} s \\(looking up `));
      expect(r.stderr).toMatch(lookingUp);
      expect(r.stderr).not.toMatch(/ENOTFOUND|bug in docker gmsa/);
      expect(took).toBeLessThan((seconds + 3) * 1000);
    });

    test('a DC name the DNS server does not answer for is skipped, and the next DC is used', async () => {
      const t0 = Date.now();
      const r = await gmsa(['account', 'ls', '-q', '--dns-server', `127.0.0.1:${silent.port}`, '--timeout', '1', '--server', 'ldaps://dc01.contoso.com', '--server', dc.ldapUrl]);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`ldaps://dc01\\.contoso\\.com:636 did not answer \\(the DNS server 127\\.0\\.0\\.1:${silent.port} did not answer in 1 s \\(looking up dc01\\.contoso\\.com\\)\\); trying the next domain controller`));
      expect(Date.now() - t0).toBeLessThan(4000);
    });
  });

  describe('account test says its answer once, and names the right password', () => {
    const account = `at${tag}`;
    beforeAll(async () => make(account));

    test('positive: the answer on stdout, exit 0', async () => {
      const r = await gmsa(['account', 'test', account, '--host', 'WEBHOST01']);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(
        `WEBHOST01 may retrieve the password of ${account} (through ${account}Hosts).\n` +
          "If the host still cannot use it, it may not know its new group yet: reboot it or run 'klist purge -li 0x3e7' there.\n",
      );
    });

    test('negative: the answer once (stdout), a command that fixes it, exit 1, nothing repeated on stderr', async () => {
      const r = await gmsa(['account', 'test', account, '--host', 'WEBHOST02']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(
        `WEBHOST02 may NOT retrieve the password of ${account}.\n` +
          `Allowed are: ${account}Hosts. Grant the host: docker gmsa account create ${account} --hosts WEBHOST02\n`,
      );
      const json = await gmsa(['account', 'test', account, '--host', 'WEBHOST02', '--format', 'json']);
      expect(json.status).toBe(1);
      expect(json.stderr).toBe('');
      expect(JSON.parse(json.stdout)).toEqual({ Account: account, Host: 'WEBHOST02', Allowed: false, Via: [], DeniedBy: [], AllowedPrincipals: [`${account}Hosts`], PasswordRead: null });
      const tpl = await gmsa(['account', 'test', account, '--host', 'WEBHOST02', '--format', '{{.Allowed}}']);
      expect([tpl.status, tpl.stdout, tpl.stderr]).toEqual([1, 'false\n', '']);
    });

    test('when only another group is allowed, the suggested command names it, and it works', async () => {
      const other = `ag${tag}`;
      created.push(other);
      extraDns.push(`CN=${other}Alt,CN=Users,DC=contoso,DC=com`);
      expect((await gmsa(['account', 'create', other, '--hosts', 'WEBHOST01', '--group', `${other}Alt`])).status).toBe(0);
      const r = await gmsa(['account', 'test', other, '--host', 'WEBHOST02']);
      expect(r.status).toBe(1);
      const suggested = new RegExp(`Grant the host: (docker gmsa account create ${other} --hosts WEBHOST02 --group ${other}Alt)\n$`).exec(r.stdout);
      expect(suggested).not.toBeNull();
      const args = (suggested?.[1] as string).split(' ').slice(2);
      expect((await gmsa(args)).status).toBe(0);
      const group = await ldapsearch(`(sAMAccountName=${other}Alt)`, 'member');
      expect(group).toMatch(/member: CN=WEBHOST02,/i);
      expect(await ldapsearch(`(sAMAccountName=${other}Hosts)`, 'dn')).toBe(''); // no second group was made
      expect((await gmsa(['account', 'test', other, '--host', 'WEBHOST02'])).status).toBe(0);
    });

    test('--host-password-stdin with nothing on stdin names the host password, not the admin one', async () => {
      const r = await gmsa(['account', 'test', account, '--host', 'WEBHOST01', '--host-password-stdin'], {}, '');
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'Error: --host-password-stdin was given but standard input was empty\n' +
          'Hint: Pipe the machine account password of WEBHOST01 in: printf %s "$PW" | docker gmsa ... --host-password-stdin\n',
      );
    });

    test('a computer given as the gMSA is named for what it is', async () => {
      const r = await gmsa(['account', 'test', 'WEBHOST02', '--host', 'WEBHOST01']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^Error: CN=WEBHOST02,CN=Computers,DC=contoso,DC=com is a computer account, not a group managed service account\n/i);
    });
  });
});
