/**
 * Two real domain controllers (the lab's dc01 and dc02, Samba 4.22, one domain, replicating): the plugin
 * sees both through discovery, fails over when the first one is dead, and a command whose DC dies in the
 * middle of its work either finishes on the other one or fails with a clear message; a re-run converges.
 * Oracles: ldapsearch against each DC, and Samba's own replication command.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { cleanEnv, plugin, type RunResult } from '../support/cli';
import { LAB_SCRIPT, labDc, labDescribe, type LabDc } from '../support/lab';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

labDescribe('two domain controllers: discovery, failover, convergence', () => {
  let dc: LabDc;
  let env: NodeJS.ProcessEnv;
  let ip1: string;
  let ip2: string;
  const tag = randomBytes(2).toString('hex');
  const gmsa = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> => plugin(args, { ...env, ...extra });
  /** the sAMAccountNames ldapsearch finds on one DC for a filter */
  const onDc = async (url: string, filter: string): Promise<string[]> => {
    const out = await sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', url, '-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', filter, 'sAMAccountName'], {
      ...process.env,
      LDAPCONF: '/dev/null',
      LDAPTLS_CACERT: dc.caFile,
      LDAPTLS_REQCERT: 'demand',
    });
    return [...out.matchAll(/^sAMAccountName: (.*)$/gm)].map((m) => m[1]!).sort();
  };
  /** pull the domain partition from dc01 into dc02 now (Samba's own replication, as `repadmin /syncall`) */
  // (retried briefly: right after a DC restart its replication partner may still hold a dead connection)
  const replicate = async (): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sh('chroot', [dc.root, 'samba-tool', 'drs', 'replicate', 'dc02', 'dc01', 'DC=contoso,DC=com', '-U', 'Administrator'], { ...process.env, PASSWD: dc.password });
      } catch (err) {
        if (attempt >= 10 || !/WERR_NETNAME_DELETED|NT_STATUS_CONNECTION|WERR_DS_DRA/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  beforeAll(async () => {
    const d = await labDc();
    if (!d) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    env = cleanEnv(dc.env);
    ip1 = new URL(dc.ldapUrl).hostname;
    ip2 = new URL(dc.dc2Url).hostname;
  });

  afterAll(async () => {
    // the first DC is back for every later test, whatever happened here
    await sh('bash', [LAB_SCRIPT, 'up', 'dc']);
  });

  test('the second DC serves the plugin as the first does', async () => {
    // Earlier suites create and delete gMSAs on the first DC: the lists agree once replication has
    // caught up (a few seconds), so they are read again until they do, within a bound.
    let one = await gmsa(['account', 'ls', '-q']);
    let two = await gmsa(['account', 'ls', '-q', '--server', dc.dc2Url]);
    for (let i = 0; i < 30 && two.stdout !== one.stdout; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      one = await gmsa(['account', 'ls', '-q']);
      two = await gmsa(['account', 'ls', '-q', '--server', dc.dc2Url]);
    }
    expect(one.status).toBe(0);
    expect(two.stderr).toBe('');
    expect(two.status).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });

  test('a write on one DC reaches the other (replication), and spec create gives the same bytes from either', async () => {
    const account = `repl${tag}`;
    expect((await gmsa(['account', 'create', account, '--hosts', 'WEBHOST01'])).status).toBe(0);
    await replicate();
    expect(await onDc(dc.dc2Url, `(sAMAccountName=${account}$)`)).toEqual([`${account}$`]);
    const a = await gmsa(['spec', 'create', account, '--path', '-']);
    const b = await gmsa(['spec', 'create', account, '--path', '-', '--server', dc.dc2Url]);
    expect(a.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  test('the first DC really stopped: a command fails over to the second', async () => {
    await sh('bash', [LAB_SCRIPT, 'down', 'dc']);
    try {
      const r = await gmsa(['account', 'ls', '-q', '--server', `ldaps://${ip1}`, '--server', `ldaps://${ip2}`, '--timeout', '2']);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`${ip1.replace(/\./g, '\\.')}:636`));
      expect(r.stdout).toMatch(/WEBHOST01|repl/i);
    } finally {
      await sh('bash', [LAB_SCRIPT, 'up', 'dc']);
    }
  });

  describe('the first DC dies in the middle of account create', () => {
    let proxy: Server;
    const open: Socket[] = [];
    afterEach(() => {
      open.forEach((s) => s.destroy());
      proxy?.close();
    });

    test('it finishes on the second DC or fails clearly; a re-run converges on both', async () => {
      const account = `die${tag}`;
      // dc01 behind a proxy that dies for good (listener closed, every connection cut) after N chunks
      let chunks = 0;
      const cutAfter = 8;
      proxy = createServer((client) => {
        const upstream = connect(636, ip1);
        open.push(client, upstream);
        client.on('data', (d) => {
          chunks += 1;
          if (chunks > cutAfter) {
            proxy.close();
            open.forEach((s) => s.destroy());
          } else upstream.write(d);
        });
        upstream.on('data', (d) => client.write(d));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
      });
      // on the DC's own address (another port), reached by the name its certificate carries
      await new Promise<void>((r) => proxy.listen(0, ip1, r));
      const port = (proxy.address() as { port: number }).port;
      const servers = ['--server', `ldaps://dc01.contoso.com:${port}`, '--server', dc.dc2Url, '--timeout', '3'];
      const first = await gmsa(['account', 'create', account, '--hosts', 'WEBHOST01,WEBHOST02', ...servers]);
      expect(chunks).toBeGreaterThan(cutAfter); // dc01 did die during the command
      expect(first.stderr).not.toMatch(/unexpected failure|bug in docker gmsa/);
      if (first.status !== 0) expect(first.stderr).toMatch(/^Error: .+\nHint: .+/m);

      // whatever dc01 took before it died reaches dc02; the re-run then finds what is there and adds the rest
      await replicate();
      const again = await gmsa(['account', 'create', account, '--hosts', 'WEBHOST01,WEBHOST02', '--server', dc.dc2Url]);
      expect(again.stderr).not.toMatch(/unexpected failure/);
      expect(again.status).toBe(0);
      const third = await gmsa(['account', 'create', account, '--hosts', 'WEBHOST01,WEBHOST02', '--server', dc.dc2Url]);
      expect(third.status).toBe(0);
      expect(third.stdout).toMatch(/nothing to do|already/i);
      expect(await onDc(dc.dc2Url, `(sAMAccountName=${account}*)`)).toEqual([`${account}$`, `${account}Hosts`]);
      const test2 = await gmsa(['account', 'test', account, '--host', 'WEBHOST02', '--server', dc.dc2Url]);
      expect(test2.status).toBe(0);
    });
  });
});
