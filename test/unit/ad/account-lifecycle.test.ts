/** The lifecycle planners (src/ad/account-lifecycle.ts): what is already so is left out; wrong objects are refused. */
import type { Principal } from '../../../src/ad/accounts';
import { checkLifecycleDomain, checkLifecycleNames, describeLifecycleStep, planHosts, planRemove } from '../../../src/ad/account-lifecycle';
import { InvalidInputError, NotFoundError } from '../../../src/errors';

const p = (name: string, kind: Principal['kind'], dn: string, members: string[] = []): Principal => ({
  dn,
  samAccountName: kind === 'gmsa' || kind === 'computer' ? `${name}$` : name,
  name,
  kind,
  objectClasses: [],
  sid: 'S-1-5-21-1-2-3-1000',
  spns: [],
  members,
});

const GMSA = p('webapp01', 'gmsa', 'CN=webapp01,CN=Managed Service Accounts,DC=contoso,DC=com');
const H1 = p('WEBHOST01', 'computer', 'CN=WEBHOST01,CN=Computers,DC=contoso,DC=com');
const H2 = p('WEBHOST02', 'computer', 'CN=WEBHOST02,CN=Computers,DC=contoso,DC=com');
const GROUP = p('webapp01Hosts', 'group', 'CN=webapp01Hosts,CN=Users,DC=contoso,DC=com', [H1.dn.toUpperCase()]);
const req = (hosts: string[]) => ({ account: 'webapp01', groupName: 'webapp01Hosts', hosts });
const hosts = new Map([['webhost01', H1], ['webhost02', H2]]);

test('hosts add: only hosts not yet members, each once', () => {
  const steps = planHosts('add', req(['WEBHOST01', 'WEBHOST02', 'webhost02']), { gmsa: GMSA, group: GROUP, hosts });
  expect(steps.map(describeLifecycleStep)).toEqual(['add WEBHOST02 to webapp01Hosts']);
});

test('hosts rm: only members; unknown hosts are already not members', () => {
  expect(planHosts('rm', req(['WEBHOST01', 'WEBHOST02', 'GONE']), { gmsa: GMSA, group: GROUP, hosts }).map(describeLifecycleStep)).toEqual(['remove WEBHOST01 from webapp01Hosts']);
});

test('hosts: refusals name the object and the fix', () => {
  expect(() => planHosts('add', req(['GONE']), { gmsa: GMSA, group: GROUP, hosts })).toThrow(InvalidInputError);
  expect(() => planHosts('add', req(['WEBHOST01']), { group: GROUP, hosts })).toThrow(NotFoundError);
  expect(() => planHosts('add', req(['WEBHOST01']), { gmsa: GMSA, hosts })).toThrow(/no host group webapp01Hosts/);
  expect(() => planHosts('add', req(['WEBHOST01']), { gmsa: H1, group: GROUP, hosts })).toThrow(/not a group managed service account/);
  // a CCG plugin's portable user account may be added; a group may not
  const user: Principal = { ...H1, dn: 'CN=ccg,CN=Users,DC=contoso,DC=com', name: 'ccg', samAccountName: 'ccg', kind: 'user' };
  const grp: Principal = { ...H1, dn: 'CN=ops,CN=Users,DC=contoso,DC=com', name: 'ops', samAccountName: 'ops', kind: 'group' };
  const withUser = { gmsa: GMSA, group: GROUP, hosts: new Map([...hosts, ['ccg', user], ['ops', grp]]) };
  expect(planHosts('add', req(['ccg']), withUser).map(describeLifecycleStep)).toEqual(['add ccg to webapp01Hosts']);
  expect(() => planHosts('add', req(['ops']), withUser)).toThrow(/is a group, not a computer or a user/);
});

test('rm: the gMSA and the group, the group kept with keepGroup, nothing when both are gone', () => {
  expect(planRemove({ account: 'webapp01', groupName: 'webapp01Hosts', keepGroup: false }, { gmsa: GMSA, group: GROUP }).map((s) => s.kind === 'delete' && s.dn)).toEqual([GMSA.dn, GROUP.dn]);
  expect(planRemove({ account: 'webapp01', groupName: 'webapp01Hosts', keepGroup: true }, { gmsa: GMSA, group: GROUP })).toHaveLength(1);
  expect(planRemove({ account: 'webapp01', groupName: 'webapp01Hosts', keepGroup: false }, {})).toEqual([]);
  expect(() => planRemove({ account: 'webapp01', groupName: 'webapp01Hosts', keepGroup: false }, { gmsa: H1 })).toThrow(InvalidInputError);
});

test('names: bare forms, the default group, a bad --group and names of another domain refused', () => {
  const names = checkLifecycleNames('CONTOSO\\webapp01$', undefined, ['WEBHOST01$', 'webhost02@contoso.com']);
  expect(names).toMatchObject({ account: 'webapp01', groupName: 'webapp01Hosts', hosts: ['WEBHOST01', 'webhost02'] });
  const domain = { dnsName: 'contoso.com', netbiosName: 'CONTOSO' };
  expect(() => checkLifecycleDomain(names, domain)).not.toThrow();
  // An existing gMSA made by other tools may break the rules for new names: it can still be named.
  expect(checkLifecycleNames('web_app01', undefined).account).toBe('web_app01');
  expect(() => checkLifecycleNames('webapp01', 'bad,group')).toThrow(InvalidInputError);
  expect(() => checkLifecycleNames('webapp01', 'bad,group')).toThrow(/invalid --group "bad,group": it contains/);
  const other = checkLifecycleNames('webapp01', undefined, ['FABRIKAM\\WEBHOST01']);
  expect(() => checkLifecycleDomain(other, domain)).toThrow(/names an account of the domain "?FABRIKAM"?/);
  expect(() => checkLifecycleDomain(checkLifecycleNames('webapp01@fabrikam.com', undefined), domain)).toThrow(InvalidInputError);
});
