/**
 * spec validate --against-ad on the lab's Samba DC. The facts each finding must name (the domain's SID
 * and GUID, the gMSA's own SID and GUID) are read with ldbsearch, which shares no code with the plugin.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, plugin, tempDir, type RunResult } from '../support/cli';
import { labDc, labDescribe, type LabDc } from '../support/lab';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(String(stdout))));
  });
}
const ldif = (text: string, attr: string): string[] => [...text.replace(/\n /g, '').matchAll(new RegExp(`^${attr}: (.*)$`, 'gim'))].map((m) => m[1] as string);

labDescribe('spec validate --against-ad against the Samba DC', () => {
  let dc: LabDc;
  let env: NodeJS.ProcessEnv;
  const tag = randomBytes(2).toString('hex');
  const account = `avad${tag}`;
  const dir = tempDir('against-ad');
  let good: any;
  let domainSid: string;
  let domainGuid: string;
  let gmsaSid: string;
  let gmsaGuid: string;
  const gmsa = (args: string[]): Promise<RunResult> => plugin(args, env);
  const ldb = (filter: string, ...attrs: string[]): Promise<string> => sh('chroot', [dc.root, 'ldbsearch', '-H', join(dc.stateDir, 'private', 'sam.ldb'), filter, ...attrs]); // the DC's own ldbsearch

  /** Writes a variant of the good spec and validates it against AD as JSON. */
  async function validate(mutate: (s: any) => void): Promise<{ status: number; findings: { Code: string; Path: string; Message: string; Severity: string }[] }> {
    const s = JSON.parse(JSON.stringify(good));
    mutate(s);
    const file = join(dir, `${randomBytes(3).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(s, null, 2));
    const r = await gmsa(['spec', 'validate', file, '--against-ad', '--format', 'json']);
    expect(r.stderr).not.toMatch(/unexpected failure/);
    const [report] = JSON.parse(r.stdout);
    return { status: r.status, findings: report.Findings };
  }

  beforeAll(async () => {
    const d = await labDc();
    if (!d) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    env = cleanEnv(dc.env);
    const created = await gmsa(['account', 'create', account, '--hosts', 'WEBHOST01']);
    expect(created.status).toBe(0);
    const spec = await gmsa(['spec', 'create', account, '--path', '-']);
    expect(spec.status).toBe(0);
    good = JSON.parse(spec.stdout);
    const head = await ldb('(objectClass=domainDNS)', 'objectSid', 'objectGUID');
    domainSid = ldif(head, 'objectSid')[0] as string;
    domainGuid = ldif(head, 'objectGUID')[0] as string;
    const mine = await ldb(`(sAMAccountName=${account}$)`, 'objectSid', 'objectGUID');
    gmsaSid = ldif(mine, 'objectSid')[0] as string;
    gmsaGuid = ldif(mine, 'objectGUID')[0] as string;
  });

  afterAll(async () => {
    if (!dc) return;
    const tls = { ...process.env, LDAPTLS_CACERT: dc.caFile };
    const auth = ['-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password];
    const found = await sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', ...auth, '-b', 'DC=contoso,DC=com', `(|(sAMAccountName=${account}$)(sAMAccountName=${account}Hosts))`, 'dn'], tls);
    const dns = ldif(found, 'dn');
    if (dns.length > 0) await sh('ldapdelete', [...auth, ...dns], tls);
  });

  test('the spec spec create wrote passes, with no finding', async () => {
    const r = await validate(() => undefined);
    expect(r).toEqual({ status: 0, findings: [] });
  });

  test("the gMSA's own SID: the finding names the domain SID and says it is the gMSA's", async () => {
    const r = await validate((s) => (s.DomainJoinConfig.Sid = gmsaSid));
    expect(r.status).toBe(1);
    const f = r.findings.find((x) => x.Code === 'ad-sid-mismatch');
    expect(f?.Message).toBe(`Sid "${gmsaSid}" is not the SID of contoso.com (${domainSid}). It is the SID of the gMSA ${account} itself: the spec needs the domain's SID, not the gMSA's (the common mistake).`);
  });

  test("the gMSA's objectGUID instead of the domain's", async () => {
    const r = await validate((s) => (s.DomainJoinConfig.Guid = gmsaGuid));
    expect(r.findings.map((x) => x.Code)).toEqual(['ad-guid-mismatch']);
    expect(r.findings[0]?.Message).toBe(`Guid "${gmsaGuid}" is not the objectGUID of contoso.com (${domainGuid}). It is the objectGUID of the gMSA ${account}; the spec needs the domain's.`);
  });

  test('a MachineAccountName with no gMSA, additional accounts that do not exist or are users, a foreign scope, a wrong forest', async () => {
    const r = await validate((s) => {
      s.DomainJoinConfig.DnsTreeName = 'fabrikam.com';
      s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: `nope${tag}`, Scope: 'contoso.com' }, { Name: 'labuser', Scope: 'CONTOSO' }, { Name: 'other', Scope: 'fabrikam.com' });
    });
    expect(r.status).toBe(1);
    expect(r.findings.filter((x) => x.Code.startsWith('ad-')).map((x) => [x.Code, x.Path])).toEqual([
      ['ad-tree-name-mismatch', '$.DomainJoinConfig.DnsTreeName'],
      ['ad-account-missing', '$.ActiveDirectoryConfig.GroupManagedServiceAccounts[2].Name'],
      ['ad-account-not-gmsa', '$.ActiveDirectoryConfig.GroupManagedServiceAccounts[3].Name'],
      ['ad-scope-unverified', '$.ActiveDirectoryConfig.GroupManagedServiceAccounts[4].Scope'],
    ]);
    const gone = await validate((s) => {
      s.DomainJoinConfig.MachineAccountName = `gone${tag}`;
      for (const e of s.ActiveDirectoryConfig.GroupManagedServiceAccounts) e.Name = `gone${tag}`;
    });
    expect(gone.findings.map((x) => x.Code)).toEqual(['ad-account-missing']);
    expect(gone.findings[0]?.Message).toBe(`MachineAccountName "gone${tag}": there is no account gone${tag}$ in contoso.com`);
  });

  test('spec create of many names, some not gMSAs: each one named with what it is, across lookup chunks, nothing written', async () => {
    // gMSAs are looked up as NAME$ first and the rest as NAME: a user, a computer and names that do not
    // exist must still come out as such, wherever they fall among the chunks of 50 names.
    const missing = Array.from({ length: 120 }, (_, i) => `nx${tag}${i}`);
    const names = [account, ...missing.slice(0, 60), 'labuser', ...missing.slice(60), 'WEBHOST01'];
    const root = tempDir('many-create');
    const r = await gmsa(['spec', 'create', ...names, '--root', root]);
    expect(r.status).not.toBe(0);
    const user = ldif(await ldb('(sAMAccountName=labuser)', 'dn'), 'dn')[0] as string;
    const computer = ldif(await ldb('(sAMAccountName=WEBHOST01$)', 'dn'), 'dn')[0] as string;
    expect(r.stderr).toContain(`${names.length - 1} accounts are not gMSAs: `);
    expect(r.stderr).toContain(`labuser: ${user} is a user account, not a group managed service account`);
    expect(r.stderr.toLowerCase()).toContain(`webhost01: ${computer.toLowerCase()} is a computer account, not a group managed service account`);
    for (const n of missing) expect(r.stderr).toContain(`${n}: no such account in contoso.com`);
    expect(r.stderr).not.toContain(`${account}:`);
    expect(readdirSync(root)).toEqual([]);
  });

  test('sql without --netbios takes the NetBIOS name from AD', async () => {
    const r = await gmsa(['sql', account, '--format', '{{.Login}}']);
    expect(r).toMatchObject({ status: 0, stdout: `${dc.netbios}\\${account}$\n` });
  });
});
