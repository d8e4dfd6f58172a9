/** --against-ad as a pure comparison: one contradicting and one agreeing case per ad-* finding. */
import { compareWithDirectory, specAccountNames, type DirectoryView } from '../../../src/credspec/against-ad';
import { FINDING_CODES, validateSpecBytes, type FindingCode } from '../../../src/credspec/validate';
import { CONTOSO, CONTOSO_WEBAPP01_JSON } from './fixtures';

type Loose = any;
const base = (): Loose => JSON.parse(CONTOSO_WEBAPP01_JSON);
const GMSA_SID = `${CONTOSO.domainSid}-1104`;

function view(over: Partial<DirectoryView> = {}): DirectoryView {
  return {
    domain: { ...CONTOSO, forestDnsName: 'contoso.com' },
    accounts: new Map([
      ['webapp01', { dn: 'CN=WebApp01,CN=Managed Service Accounts,DC=contoso,DC=com', name: 'WebApp01', kind: 'gmsa' }],
      ['sql01', { dn: 'CN=sql01,CN=Managed Service Accounts,DC=contoso,DC=com', name: 'sql01', kind: 'gmsa' }],
      ['labuser', { dn: 'CN=labuser,CN=Users,DC=contoso,DC=com', name: 'labuser', kind: 'user' }],
      ['ghost', undefined],
    ]),
    ...over,
  };
}

const codes = (spec: Loose, v: DirectoryView = view()): [FindingCode, string][] => compareWithDirectory(spec, v).map((f) => [f.code, f.path]);

describe('compareWithDirectory', () => {
  test('a spec that agrees with AD has no findings', () => {
    expect(compareWithDirectory(base(), view())).toEqual([]);
    // case and braces do not matter
    const s = base();
    s.DomainJoinConfig.Guid = `{${CONTOSO.domainGuid.toUpperCase()}}`;
    s.DomainJoinConfig.NetBiosName = 'contoso';
    s.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope = 'contoso';
    expect(compareWithDirectory(s, view())).toEqual([]);
  });

  test("the gMSA's own SID: ad-sid-mismatch that says so", () => {
    const s = base();
    s.DomainJoinConfig.Sid = GMSA_SID;
    const [f, ...rest] = compareWithDirectory(s, view({ sidOwner: { dn: 'CN=WebApp01,...', name: 'WebApp01', kind: 'gmsa' } }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'ad-sid-mismatch', severity: 'error', path: '$.DomainJoinConfig.Sid' });
    expect(f?.message).toBe(`Sid "${GMSA_SID}" is not the SID of contoso.com (${CONTOSO.domainSid}). It is the SID of the gMSA WebApp01 itself: the spec needs the domain's SID, not the gMSA's (the common mistake).`);
    expect(f?.fix).toContain(CONTOSO.domainSid);
  });

  test("another domain's SID, and a SID of some other object", () => {
    const s = base();
    s.DomainJoinConfig.Sid = 'S-1-5-21-1-2-3';
    expect(compareWithDirectory(s, view())[0]?.message).toBe(`Sid "S-1-5-21-1-2-3" is not the SID of contoso.com (${CONTOSO.domainSid}).`);
    expect(compareWithDirectory(s, view({ sidOwner: { dn: 'CN=web,DC=x', name: 'web', kind: 'group' } }))[0]?.message).toMatch(/It is the SID of the group web\.$/);
  });

  test("the gMSA's objectGUID instead of the domain's", () => {
    const s = base();
    s.DomainJoinConfig.Guid = '11111111-2222-3333-4444-555555555555';
    const [f] = compareWithDirectory(s, view({ guidOwner: { dn: 'CN=WebApp01,...', name: 'WebApp01', kind: 'gmsa' } }));
    expect(f).toMatchObject({ code: 'ad-guid-mismatch', path: '$.DomainJoinConfig.Guid' });
    expect(f?.message).toMatch(/It is the objectGUID of the gMSA WebApp01; the spec needs the domain's\.$/);
  });

  test('DnsName, NetBiosName and DnsTreeName against the domain and forest', () => {
    const s = base();
    s.DomainJoinConfig.DnsName = 'CONTOSO';
    s.DomainJoinConfig.NetBiosName = 'FABRIKAM';
    s.DomainJoinConfig.DnsTreeName = 'child.contoso.com';
    const fs = compareWithDirectory(s, view());
    expect(fs.map((f) => f.code)).toEqual(['ad-dns-name-mismatch', 'ad-netbios-mismatch', 'ad-tree-name-mismatch']);
    expect(fs[0]?.message).toMatch(/is the NetBIOS name; Kerberos then falls back to NTLM/);
    expect(fs[2]?.fix).toBe('Set "DnsTreeName" to "contoso.com".');
  });

  test('a MachineAccountName with no account, or a user behind it', () => {
    const s = base();
    s.DomainJoinConfig.MachineAccountName = 'ghost';
    for (const e of s.ActiveDirectoryConfig.GroupManagedServiceAccounts) e.Name = 'ghost';
    expect(codes(s)).toEqual([['ad-account-missing', '$.DomainJoinConfig.MachineAccountName']]);
    s.DomainJoinConfig.MachineAccountName = 'labuser';
    for (const e of s.ActiveDirectoryConfig.GroupManagedServiceAccounts) e.Name = 'labuser';
    const [f] = compareWithDirectory(s, view());
    expect(f).toMatchObject({ code: 'ad-account-not-gmsa', message: 'MachineAccountName "labuser": CN=labuser,CN=Users,DC=contoso,DC=com is a user, not a group managed service account' });
  });

  test('additional accounts: missing ones are errors, other domains are unverified warnings', () => {
    const s = base();
    s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'sql01', Scope: 'contoso.com' }, { Name: 'ghost$', Scope: 'contoso.com' }, { Name: 'ghost', Scope: 'fabrikam.com' });
    expect(codes(s)).toEqual([
      ['ad-account-missing', '$.ActiveDirectoryConfig.GroupManagedServiceAccounts[3].Name'],
      ['ad-scope-unverified', '$.ActiveDirectoryConfig.GroupManagedServiceAccounts[4].Scope'],
    ]);
    expect(FINDING_CODES['ad-scope-unverified'].severity).toBe('warning');
  });

  test("the primary account's scope naming another domain", () => {
    const s = base();
    s.ActiveDirectoryConfig.GroupManagedServiceAccounts[0].Scope = 'fabrikam.com';
    expect(codes(s)).toEqual([['ad-scope-other-domain', '$.ActiveDirectoryConfig.GroupManagedServiceAccounts[0].Scope']]);
  });

  test('every ad-* code is produced by a case above', () => {
    const adCodes = Object.keys(FINDING_CODES).filter((k) => k.startsWith('ad-'));
    expect(adCodes.sort()).toEqual(
      ['ad-account-missing', 'ad-account-not-gmsa', 'ad-dns-name-mismatch', 'ad-guid-mismatch', 'ad-netbios-mismatch', 'ad-scope-other-domain', 'ad-scope-unverified', 'ad-sid-mismatch', 'ad-tree-name-mismatch'].sort(),
    );
  });

  test('through validateSpecBytes the findings get line and column', () => {
    const s = base();
    s.DomainJoinConfig.Sid = 'S-1-5-21-1-2-3';
    const r = validateSpecBytes(Buffer.from(JSON.stringify(s, null, 2)), { extra: (v) => compareWithDirectory(v, view()) });
    expect(r.spec).toBeUndefined();
    expect(r.findings).toEqual([expect.objectContaining({ code: 'ad-sid-mismatch', line: 6, column: 12 })]);
  });

  test('specAccountNames: bare names, each once', () => {
    const s = base();
    s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'CONTOSO\\sql01$', Scope: 'contoso.com' });
    expect(specAccountNames(s)).toEqual(['WebApp01', 'sql01']);
  });
});
