/**
 * The AD lifecycle of a gMSA against the lab's Samba DC, checked with ldapsearch (shares no code with the
 * plugin): `account create NAME` without --hosts, `account hosts add|rm`, `account rm [--keep-group] --yes`;
 * every command run twice changes nothing the second time.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cleanEnv, plugin } from '../support/cli';
import { labDc, labDescribe, type LabDc } from '../support/lab';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(String(stdout))));
  });
}

labDescribe('account create without --hosts', () => {
  const name = `lc${randomBytes(3).toString('hex')}`;
  let dc: LabDc;
  let env: NodeJS.ProcessEnv;
  const tls = (): NodeJS.ProcessEnv => ({ ...process.env, LDAPTLS_CACERT: dc.caFile });
  /** Entries as LDIF, without comments and referrals. */
  const ldapsearch = async (filter: string, ...attrs: string[]): Promise<string> =>
    (await sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', filter, ...attrs], tls()))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');

  beforeAll(async () => {
    const d = await labDc();
    if (!d) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    env = cleanEnv(dc.env);
  });
  afterAll(async () => {
    if (!dc) return;
    for (const dn of [`CN=${name},CN=Managed Service Accounts,DC=contoso,DC=com`, `CN=${name}Hosts,CN=Users,DC=contoso,DC=com`]) {
      await sh('ldapdelete', ['-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, dn], tls()).catch(() => '');
    }
  });

  test('creates the gMSA and its empty host group; a second run changes nothing; hosts come later', async () => {
    const r = await plugin(['account', 'create', name], env);
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.status).toBe(0);
    const gmsa = await ldapsearch(`(sAMAccountName=${name}$)`, 'objectClass', 'msDS-GroupMSAMembership');
    expect(gmsa).toMatch(/^objectClass: msDS-GroupManagedServiceAccount$/m);
    expect(gmsa).toMatch(/^msDS-GroupMSAMembership:: /m);
    const group = await ldapsearch(`(sAMAccountName=${name}Hosts)`, 'member', 'objectClass');
    expect(group).toMatch(/^objectClass: group$/m);
    expect(group).not.toMatch(/^member:/m);

    const again = await plugin(['account', 'create', name], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(`${name} is already set up; nothing to change.\n`);

    const hosts = await plugin(['account', 'create', name, '--hosts', 'WEBHOST01'], env);
    expect(hosts.status).toBe(0);
    expect(await ldapsearch(`(sAMAccountName=${name}Hosts)`, 'member')).toMatch(/^member: CN=WEBHOST01,/im);
  });

  test('account hosts add|rm: membership checked by ldapsearch, idempotent; unknown hosts refused for add', async () => {
    const add = await plugin(['account', 'hosts', 'add', name, 'WEBHOST02'], env);
    expect(add.stderr).not.toMatch(/^Error/m);
    expect(add.status).toBe(0);
    expect(add.stdout).toBe(`Done: add WEBHOST02 to ${name}Hosts\n`);
    const members = async (): Promise<string[]> =>
      [...(await ldapsearch(`(sAMAccountName=${name}Hosts)`, 'member')).matchAll(/^member: CN=([^,]+),/gim)].map((m) => (m[1] as string).toUpperCase()).sort();
    expect(await members()).toEqual(['WEBHOST01', 'WEBHOST02']);
    const again = await plugin(['account', 'hosts', 'add', name, 'WEBHOST02'], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/nothing to change/);

    const rm = await plugin(['account', 'hosts', 'rm', name, 'WEBHOST01', 'WEBHOST02'], env);
    expect(rm.status).toBe(0);
    expect(await members()).toEqual([]);
    expect((await plugin(['account', 'hosts', 'rm', name, 'WEBHOST01'], env)).stdout).toMatch(/nothing to change/);

    const bad = await plugin(['account', 'hosts', 'add', name, 'NOSUCHHOST9'], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^Error: no computer account NOSUCHHOST9 in the directory\nHint: /m);
  });

  test('account rm: without --yes says what and exits 2; with --yes deletes (--keep-group keeps the group); again changes nothing', async () => {
    const ask = await plugin(['account', 'rm', name, '--keep-group'], env);
    expect(ask.status).toBe(2);
    expect(ask.stdout).toBe(`Would delete the gMSA ${name} (CN=${name},CN=Managed Service Accounts,DC=contoso,DC=com)\n`);
    expect(ask.stderr).toMatch(/^Error: account rm deletes this object only with --yes; nothing was deleted\nHint: .*--yes/m);
    expect(await ldapsearch(`(sAMAccountName=${name}$)`, 'dn')).toMatch(/^dn: /m);

    const kept = await plugin(['account', 'rm', name, '--keep-group', '--yes'], env);
    expect(kept.status).toBe(0);
    expect((await ldapsearch(`(sAMAccountName=${name}$)`, 'dn')).trim()).toBe('');
    expect(await ldapsearch(`(sAMAccountName=${name}Hosts)`, 'dn')).toMatch(/^dn: /m);

    const all = await plugin(['account', 'rm', name, '--yes'], env);
    expect(all.status).toBe(0);
    expect(all.stdout).toBe(`Done: delete the host group ${name}Hosts (CN=${name}Hosts,CN=Users,DC=contoso,DC=com)\n`);
    expect((await ldapsearch(`(sAMAccountName=${name}Hosts)`, 'dn')).trim()).toBe('');
    const none = await plugin(['account', 'rm', name, '--yes'], env);
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/nothing to delete/);
  });
});
