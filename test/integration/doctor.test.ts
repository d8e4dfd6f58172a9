/**
 * docker gmsa doctor on the lab: the real Samba DC and stand-in Windows engines (20348 and 17134), driven
 * through the built plugin and the real docker CLI. A healthy setup has no FAIL; each broken setup is
 * made here and must give exactly the FAIL it should, with its fix. Accounts are made with the plugin and
 * checked/removed with ldapsearch/ldapdelete/ldbsearch (OpenLDAP and Samba tools, no shared code).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { cleanEnv, docker, plugin, socketPath, tempDir, type RunResult } from '../support/cli';
import { labDc, labDescribe, type LabDc } from '../support/lab';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(String(stdout))));
  });
}
const ldif = (text: string, attr: string): string[] => [...text.replace(/\n /g, '').matchAll(new RegExp(`^${attr}: (.*)$`, 'gim'))].map((m) => m[1] as string);

interface Report {
  OK: boolean;
  Checks: { ID: string; Status: string; Detail: string; Fix: string | null }[];
}

const NS = 'NT AUTHORITY\\NETWORK SERVICE';
const FORWARD_IP = '127.0.91.7';

/** TCP and UDP forwarders from FORWARD_IP to the DC, for every port but the ones left closed. */
async function forwarder(target: string, tcpPorts: number[], udpPorts: number[]): Promise<() => Promise<void>> {
  const servers: Server[] = [];
  const udps: UdpSocket[] = [];
  const sockets = new Set<Socket>();
  for (const port of tcpPorts) {
    const s = createServer((client) => {
      const up = connect({ host: target, port });
      sockets.add(client).add(up);
      client.pipe(up).pipe(client);
      const end = (): void => {
        client.destroy();
        up.destroy();
        sockets.delete(client);
        sockets.delete(up);
      };
      for (const sock of [client, up]) {
        sock.on('error', end);
        sock.on('close', end);
      }
    });
    await new Promise<void>((res, rej) => s.once('error', rej).listen(port, FORWARD_IP, () => res()));
    servers.push(s);
  }
  for (const port of udpPorts) {
    const s = createSocket('udp4');
    s.on('message', (msg, from) => {
      const up = createSocket('udp4');
      let open = true;
      const close = (): void => {
        if (open) up.close();
        open = false;
      };
      up.on('message', (answer) => {
        s.send(answer, from.port, from.address);
        close();
      });
      up.send(msg, port, target);
      setTimeout(close, 3000).unref();
    });
    await new Promise<void>((res) => s.bind(port, FORWARD_IP, () => res()));
    udps.push(s);
  }
  return async () => {
    for (const sock of sockets) sock.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    for (const u of udps) u.close();
  };
}

labDescribe('docker gmsa doctor on the lab', () => {
  let dc: LabDc;
  const tag = randomBytes(2).toString('hex');
  const A = `doca${tag}`; // host WEBHOST01 allowed
  const B = `docb${tag}`; // its host/NAME SPN removed
  const config = tempDir('doctor-cfg');
  const engines: Record<'ws2022' | 'ws1803', { handle: WindowsEngineHandle; root: string }> = {} as never;
  let base: NodeJS.ProcessEnv;
  const envFor = (engine: 'ws2022' | 'ws1803'): NodeJS.ProcessEnv => ({ ...base, DOCKER_HOST: `unix://${engines[engine].handle.socketPath}` });
  const gmsa = (engine: 'ws2022' | 'ws1803', args: string[]): Promise<RunResult> => plugin(args, envFor(engine));
  const ldapsearch = (filter: string, ...attrs: string[]): Promise<string> =>
    sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', filter, ...attrs], { ...process.env, LDAPTLS_CACERT: dc.caFile });

  /** Runs doctor with --format json; returns the exit status, the report and the FAIL ids. */
  async function doctor(engine: 'ws2022' | 'ws1803', args: string[], input?: string): Promise<{ status: number; report: Report; fails: string[]; byId: (id: string) => Report['Checks'][number] }> {
    const r = await plugin(['doctor', ...args, '--format', 'json'], envFor(engine), input);
    expect(r.stderr).not.toMatch(/unexpected failure/);
    const report = JSON.parse(r.stdout) as Report;
    const byId = (id: string): Report['Checks'][number] => {
      const c = report.Checks.find((x) => x.ID === id);
      if (!c) throw new Error(`no check ${id}`);
      return c;
    };
    return { status: r.status, report, fails: report.Checks.filter((c) => c.Status === 'FAIL').map((c) => c.ID), byId };
  }

  beforeAll(async () => {
    const d = await labDc();
    if (!d) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    base = cleanEnv({ ...dc.env, DOCKER_CONFIG: config });
    for (const [name, fixture] of [
      ['ws2022', 'windows-20348-engine-24.0'],
      ['ws1803', 'windows-17134-engine-18.09'],
    ] as const) {
      const root = tempDir(`doctor-${name}`);
      mkdirSync(join(root, 'CredentialSpecs'));
      engines[name] = { handle: await startWindowsEngine({ socketPath: socketPath(name), fixture, rootDir: root }), root };
    }
    await Promise.all(
      [A, B].map(async (acct) => {
        const made = await gmsa('ws2022', ['account', 'create', acct, '--hosts', 'WEBHOST01']);
        expect(made.status).toBe(0);
        const specs = await Promise.all((['ws2022', 'ws1803'] as const).map((e) => gmsa(e, ['spec', 'create', acct, '--root', engines[e].root])));
        for (const r of specs) expect(r.status).toBe(0);
      }),
    );
    expect((await gmsa('ws2022', ['account', 'spn', 'rm', B, `host/${B}`])).status).toBe(0);
    // the oracle agrees the SPN is gone
    expect(ldif(await ldapsearch(`(sAMAccountName=${B}$)`, 'servicePrincipalName'), 'servicePrincipalName')).toEqual([`host/${B}.contoso.com`]);
  }, 180_000);

  afterAll(async () => {
    for (const e of Object.values(engines)) await e?.handle.close();
    if (!dc) return;
    const dns = ldif(await ldapsearch(`(|(sAMAccountName=${A}$)(sAMAccountName=${B}$)(sAMAccountName=${A}Hosts)(sAMAccountName=${B}Hosts))`, 'dn'), 'dn');
    if (dns.length > 0) await sh('ldapdelete', ['-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, ...dns], { ...process.env, LDAPTLS_CACERT: dc.caFile });
  });

  test('a healthy setup: no FAIL, exit 0, the checks that matter PASS', async () => {
    const r = await doctor('ws2022', [A, '--host', 'WEBHOST01']);
    expect(r.fails).toEqual([]);
    expect(r.status).toBe(0);
    for (const id of ['engine-reachable', 'engine-windows', 'engine-build', 'engine-store', 'engine-api', 'spec-found', 'spec-valid', 'spec-ad', 'spec-name', 'network-srv', 'network-tcp-88', 'network-tcp-389', 'network-tcp-445', 'network-dns-udp', 'network-cldap', 'ad-account', 'ad-spn', 'ad-spn-duplicates', 'ad-host-access', 'ad-kds', 'ad-etypes']) {
      expect([id, r.byId(id).Status]).toEqual([id, 'PASS']);
    }
    expect(r.byId('ad-host-access').Detail).toContain(`through ${A}Hosts`);
    expect(r.byId('container-user')).toMatchObject({ Status: 'SKIP', Detail: 'no --container given' });
  });

  test("with the host's machine password: the password is really retrieved as the host, and both answers agree", async () => {
    const pw = `Doc-${tag}-Host1!`;
    await sh('chroot', [dc.root, 'samba-tool', 'user', 'setpassword', 'WEBHOST01$', `--newpassword=${pw}`, '-H', join(dc.stateDir, 'private', 'sam.ldb')]);
    const ok = await doctor('ws2022', [A, '--host', 'WEBHOST01', '--host-password-stdin'], pw);
    expect(ok.byId('ad-host-access').Status).toBe('PASS');
    expect(ok.byId('ad-host-access').Detail).toMatch(/bound as WEBHOST01\$ it retrieved it \(256 bytes, changes next \d{4}-/);
    expect(JSON.stringify(ok.report)).not.toContain(pw);
    // a host outside the group: no password from the DC, the computed answer agrees, one FAIL
    await sh('chroot', [dc.root, 'samba-tool', 'user', 'setpassword', 'WEBHOST02$', `--newpassword=${pw}`, '-H', join(dc.stateDir, 'private', 'sam.ldb')]);
    const no = await doctor('ws2022', [A, '--host', 'WEBHOST02', '--host-password-stdin'], pw);
    expect(no.fails).toEqual(['ad-host-access']);
    expect(no.byId('ad-host-access').Detail).toMatch(/^WEBHOST02\$ is not allowed/);
  });

  test("a HostAccountConfig spec: the CCG plugin's portable account must be allowed; its secret is checked and used, never shown", async () => {
    const user = `ccg${tag}`;
    const pw = `Ccg-${tag}-Portable1!`;
    const samba = (...args: string[]): Promise<string> => sh('chroot', [dc.root, 'samba-tool', ...args, '-H', join(dc.stateDir, 'private', 'sam.ldb')]);
    await samba('user', 'create', user, pw);
    try {
      const made = await gmsa('ws2022', ['spec', 'create', A, '--name', `ccg_${A}.json`, '--root', engines.ws2022.root, '--ccg-plugin', 'azure-keyvault', '--ccg-input', 'ObjectId=0f1e2d3c-aaaa-bbbb-cccc-000000000001;SecretUri=https://v.vault.azure.net/secrets/ccg']);
      expect(made.status).toBe(0);
      const spec = ['--spec', `ccg_${A}.json`];
      // Nothing names the account: SKIP with how to name it; a plain spec: SKIP, the host retrieves it.
      expect((await doctor('ws2022', [A, ...spec])).byId('ad-portable-account')).toMatchObject({ Status: 'SKIP', Detail: expect.stringMatching(/--portable-account/) });
      expect((await doctor('ws2022', [A, '--host', 'WEBHOST01'])).byId('ad-portable-account')).toMatchObject({ Status: 'SKIP', Detail: expect.stringMatching(/no HostAccountConfig/) });
      // Outside the host group: FAIL with the command that lets it in.
      const outside = await doctor('ws2022', [A, ...spec, '--portable-account', `CONTOSO\\${user}`]);
      expect(outside.byId('ad-portable-account')).toMatchObject({ Status: 'FAIL', Fix: `docker gmsa account hosts add ${A} ${user}` });
      expect(outside.byId('ad-portable-account').Detail).toMatch(new RegExp(`^${user}, the portable account, is not allowed .*CCG event 8.*allowed: ${A}Hosts`));
      expect((await gmsa('ws2022', ['account', 'hosts', 'add', A, user])).status).toBe(0);
      // the oracle: the user is a member now
      expect(ldif(await ldapsearch(`(sAMAccountName=${A}Hosts)`, 'member'), 'member').some((m) => m.toLowerCase().startsWith(`cn=${user},`))).toBe(true);
      // The secret as Azure Key Vault keeps it: the password is really retrieved as the portable account.
      const ok = await doctor('ws2022', [A, ...spec, '--portable-secret-stdin'], `CONTOSO\\${user}:${pw}\n`);
      expect(ok.byId('ad-portable-account').Status).toBe('PASS');
      expect(ok.byId('ad-portable-account').Detail).toMatch(new RegExp(`through ${A}Hosts; bound as ${user} it retrieved it \\(256 bytes\\)`));
      expect(JSON.stringify(ok.report)).not.toContain(pw);
      // The JSON form with the domain pasted into the user name (credentials-fetcher#178), and a wrong password.
      const pasted = await doctor('ws2022', [A, ...spec, '--portable-secret-stdin'], JSON.stringify({ username: `CONTOSO\\${user}`, password: pw, domainName: 'contoso.com' }));
      expect(pasted.byId('ad-portable-account')).toMatchObject({ Status: 'FAIL', Detail: expect.stringMatching(/carries a domain part/) });
      expect(JSON.stringify(pasted.report)).not.toContain(pw);
      const wrong = await doctor('ws2022', [A, ...spec, '--portable-secret-stdin'], JSON.stringify({ username: user, password: 'not-it', domainName: 'contoso.com' }));
      expect(wrong.byId('ad-portable-account').Status).toBe('FAIL');
      expect(wrong.byId('ad-portable-account').Detail).toMatch(new RegExp(`the DC rejected the password given for ${user}`));
    } finally {
      await samba('user', 'delete', user).catch(() => '');
    }
  });

  test("a spec with the gMSA's own SID: spec-valid FAILs and says so", async () => {
    const sid = ldif(await sh('chroot', [dc.root, 'ldbsearch', '-H', join(dc.stateDir, 'private', 'sam.ldb'), `(sAMAccountName=${A}$)`, 'objectSid']), 'objectSid')[0] as string;
    const spec = JSON.parse(readFileSync(join(engines.ws2022.root, 'CredentialSpecs', `contoso_${A}.json`), 'utf8'));
    spec.DomainJoinConfig.Sid = sid;
    const file = join(tempDir('doctor-spec'), 'bad.json');
    writeFileSync(file, JSON.stringify(spec, null, 2));
    const r = await doctor('ws2022', [A, '--host', 'WEBHOST01', '--spec', file]);
    expect(r.fails).toEqual(['spec-valid']);
    expect(r.status).toBe(1);
    expect(r.byId('spec-valid').Detail).toContain(`is an account SID`);
    expect(r.byId('spec-valid').Detail).toContain(`gMSA's own SID`);
    expect(r.byId('spec-valid').Fix).toBe(`docker gmsa spec validate ${file} (each finding has a fix)`);
  });

  test('a host outside the group: ad-host-access FAILs with the command that adds it', async () => {
    const r = await doctor('ws2022', [A, '--host', 'WEBHOST02']);
    expect(r.fails).toEqual(['ad-host-access']);
    expect(r.byId('ad-host-access').Detail).toBe(`WEBHOST02$ is not allowed to retrieve ${A}'s password; allowed: ${A}Hosts`);
    expect(r.byId('ad-host-access').Fix).toBe(`docker gmsa account hosts add ${A} WEBHOST02 (then reboot the host or run klist purge -li 0x3e7 on it)`);
  });

  test('the host/NAME SPN removed: ad-spn FAILs with the command that adds it back', async () => {
    const r = await doctor('ws2022', [B, '--host', 'WEBHOST01']);
    expect(r.fails).toEqual(['ad-spn']);
    expect(r.byId('ad-spn').Fix).toBe(`docker gmsa account spn add ${B} host/${B}`);
  });

  test('--spn-for a name no SPN covers', async () => {
    const r = await doctor('ws2022', [A, '--host', 'WEBHOST01', '--spn-for', `shop${tag}.contoso.com`]);
    expect(r.fails).toEqual(['ad-spn-for']);
    expect(r.byId('ad-spn-for').Fix).toBe(`docker gmsa account spn add ${A} HTTP/shop${tag}.contoso.com`);
  });

  test('a closed port (88) on the path to the DC: exactly network-tcp-88 FAILs', async () => {
    const host = new URL(dc.ldapUrl).hostname;
    const stop = await forwarder(host, [53, 135, 389, 445, 636], [53, 389]);
    try {
      const r = await doctor('ws2022', [A, '--host', 'WEBHOST01', '--server', `ldaps://${FORWARD_IP}:636`, '--insecure-skip-tls-verify', '--timeout', '2']);
      expect(r.fails).toEqual(['network-tcp-88']);
      expect(r.byId('network-tcp-88').Detail).toBe(`${FORWARD_IP}:88: connection refused`);
      expect(r.byId('network-tcp-88').Fix).toBe(`Open TCP 88 from the container hosts to the DC (firewall), then: Test-NetConnection ${FORWARD_IP} -Port 88`);
      expect(r.byId('network-cldap').Status).toBe('PASS');
    } finally {
      await stop();
    }
  });

  test('a container running as ContainerAdministrator: container-user FAILs and says how to run as Network Service', async () => {
    const env = envFor('ws2022');
    const run = await docker(['run', '-d', '--name', `ca${tag}`, '--security-opt', `credentialspec=file://contoso_${A}.json`, 'mcr.microsoft.com/windows/servercore:ltsc2022', 'ping', '-t', 'localhost'], env);
    expect(run.status).toBe(0);
    const r = await doctor('ws2022', ['--container', `ca${tag}`, '--host', 'WEBHOST01']);
    expect(r.fails).toEqual(['container-user']);
    expect(r.byId('container-user').Detail).toMatch(/^ContainerAdministrator does not use the gMSA/);
    expect(r.byId('container-user').Fix).toMatch(/docker gmsa dockerfile --iis \| --service NAME \| --console/);
    expect(r.byId('container-verify').Status).toBe('PASS');
    expect(r.report.Checks.find((c) => c.ID === 'spec-found')?.Detail).toContain(`${A}:`);
  });

  test('a wrong hostname on 17134: container-hostname FAILs (and nltest inside fails with it)', async () => {
    const env = envFor('ws1803');
    const run = await docker(['run', '-d', '--name', `wh${tag}`, '--hostname', 'wrongname', '--user', NS, '--security-opt', `credentialspec=file://contoso_${A}.json`, 'local/app:1', 'ping', '-t', 'localhost'], env);
    expect(run.status).toBe(0);
    const r = await doctor('ws1803', [A, '--container', `wh${tag}`, '--host', 'WEBHOST01']);
    expect(r.byId('container-hostname')).toMatchObject({ Status: 'FAIL', Detail: `hostname wrongname is not the gMSA name ${A}, which build 17134 requires (inbound NTLM and name/SID translation fail)` });
    expect(r.byId('container-hostname').Fix).toBe(`docker rm -f wh${tag} && docker gmsa run ${A} ... (it picks the hostname the build needs)`);
    // nltest in the stand-in follows the pre-2019 rule too: trust fails with 1789
    expect(r.fails).toEqual(['container-hostname', 'container-verify']);
    expect(r.byId('container-verify').Detail).toBe('trust: Trust Verification Status is 1789 0x6fd ERROR_TRUSTED_RELATIONSHIP_FAILURE.');
  });

  test('two containers sharing a hostname on 20348: container-hostname FAILs naming the other', async () => {
    const env = envFor('ws2022');
    for (const n of ['s1', 's2']) {
      const run = await docker(['run', '-d', '--name', `${n}${tag}`, '--hostname', `shared${tag}`, '--user', NS, '--security-opt', `credentialspec=file://contoso_${A}.json`, 'mcr.microsoft.com/windows/servercore:ltsc2022', 'ping', '-t', 'localhost'], env);
      expect(run.status).toBe(0);
    }
    const r = await doctor('ws2022', [A, '--container', `s1${tag}`, '--host', 'WEBHOST01']);
    expect(r.fails).toEqual(['container-hostname']);
    expect(r.byId('container-hostname').Detail).toBe(`s2${tag} also runs with ${A} and hostname shared${tag}: containers sharing a gMSA and a hostname lose trust with the domain`);
  });
});
