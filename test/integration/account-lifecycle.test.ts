/**
 * The AD lifecycle of a gMSA against the lab's Samba DC, checked with ldapsearch (shares no code with the
 * plugin): `account create NAME` without --hosts, hosts added later by running it again with --hosts.
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
  const ldapsearch = (filter: string, ...attrs: string[]): Promise<string> =>
    sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, '-b', 'DC=contoso,DC=com', filter, ...attrs], tls());

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
});
