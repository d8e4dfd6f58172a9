import type { Principal } from '../../../src/ad/accounts';
import { bareName } from '../../../src/ad/accounts';
import { decideAccess } from '../../../src/ad/access';
import { accountRequest, checkAccountInput, describeStep, planAccount, wantedSpns, type AccountRequest, type DirectoryState } from '../../../src/ad/account-plan';
import { allowedSids, buildGmsaMembershipDescriptor, parseSecurityDescriptor } from '../../../src/ad/codecs/security-descriptor';
import { DirectoryError, InvalidInputError } from '../../../src/errors';

const D = 'DC=contoso,DC=com';
const DOMAIN_SID = 'S-1-5-21-1004336348-1177238915-682003330';

function principal(name: string, kind: Principal['kind'], rid: number, extra: Partial<Principal> = {}): Principal {
  const dollar = kind === 'gmsa' || kind === 'computer';
  return {
    dn: `CN=${name},CN=${kind === 'computer' ? 'Computers' : kind === 'gmsa' ? 'Managed Service Accounts' : 'Users'},${D}`,
    samAccountName: dollar ? `${name}$` : name,
    name,
    kind,
    objectClasses: [],
    sid: `${DOMAIN_SID}-${rid}`,
    spns: [],
    members: [],
    ...extra,
  };
}

const req: AccountRequest = {
  name: 'webapp01',
  hosts: ['WEBHOST01', 'WEBHOST02'],
  group: 'webapp01Hosts',
  spns: ['http/web.contoso.com'],
  dnsHostName: 'webapp01.contoso.com',
  dnsHostNameExplicit: false,
  domain: { domainDn: D, dnsName: 'contoso.com', netbiosName: 'CONTOSO' },
  gmsaContainer: `CN=Managed Service Accounts,${D}`,
  groupContainer: `CN=Users,${D}`,
};

const hosts = new Map([
  ['webhost01', principal('WEBHOST01', 'computer', 1101)],
  ['webhost02', principal('WEBHOST02', 'computer', 1102)],
]);
const empty = (): DirectoryState => ({ hosts: new Map(hosts), spnHolders: new Map() });

describe('account create planner', () => {
  test('from nothing: group, gMSA with the defaults, then both memberships', () => {
    const steps = planAccount(req, empty());
    expect(steps.map((s) => s.kind)).toEqual(['create-group', 'create-gmsa', 'add-member', 'add-member']);
    const gmsa = steps[1];
    if (gmsa?.kind !== 'create-gmsa') throw new Error('expected create-gmsa');
    expect(gmsa.dn).toBe(`CN=webapp01,CN=Managed Service Accounts,${D}`);
    expect(gmsa.attributes).toMatchObject({
      sAMAccountName: ['webapp01$'],
      dNSHostName: ['webapp01.contoso.com'],
      servicePrincipalName: ['host/webapp01', 'host/webapp01.contoso.com', 'http/web.contoso.com'],
      'msDS-ManagedPasswordInterval': ['30'],
      userAccountControl: ['4096'],
    });
    expect(steps[0]).toMatchObject({ kind: 'create-group', dn: `CN=webapp01Hosts,CN=Users,${D}`, attributes: { groupType: ['-2147483644'] } });
  });

  test('everything in place: no step at all (a re-run changes nothing)', () => {
    const group = principal('webapp01Hosts', 'group', 1200, { members: [hosts.get('webhost01')!.dn, hosts.get('webhost02')!.dn] });
    const gmsa = principal('webapp01', 'gmsa', 1201, {
      dnsHostName: 'webapp01.contoso.com',
      spns: wantedSpns(req),
      membership: buildGmsaMembershipDescriptor([group.sid]),
      userAccountControl: 4096,
    });
    expect(planAccount(req, { ...empty(), gmsa, group })).toEqual([]);
  });

  test('a run interrupted after the gMSA was created: only the rest', () => {
    const group = principal('webapp01Hosts', 'group', 1200, { members: [hosts.get('webhost01')!.dn] });
    const other = `${DOMAIN_SID}-1300`;
    const gmsa = principal('webapp01', 'gmsa', 1201, { spns: ['host/webapp01'], membership: buildGmsaMembershipDescriptor([other]) });
    const steps = planAccount(req, { ...empty(), gmsa, group });
    expect(steps.map((s) => s.kind)).toEqual(['add-spns', 'grant-group', 'add-member']);
    expect(steps[0]).toMatchObject({ spns: ['host/webapp01.contoso.com', 'http/web.contoso.com'] });
    expect(steps[1]).toMatchObject({ keepSids: [other] });
    expect(steps[2]).toMatchObject({ memberName: 'WEBHOST02' });
    expect(describeStep(steps[1]!)).toMatch(/keeping 1 existing principal/);
  });

  test('refusals happen before any change', () => {
    expect(() => planAccount(req, { ...empty(), gmsa: principal('webapp01', 'user', 1500) })).toThrow(InvalidInputError);
    expect(() => planAccount({ ...req, hosts: ['WEBHOST01', 'NOPE'] }, empty())).toThrow(/no computer account for NOPE/);
    expect(() => planAccount(req, { ...empty(), group: principal('webapp01Hosts', 'user', 1600) })).toThrow(/webapp01Hosts already exists as a user account/);
    const holder = principal('legacyweb', 'user', 1700);
    expect(() => planAccount(req, { ...empty(), spnHolders: new Map([['http/web.contoso.com', [holder]]]) })).toThrow(DirectoryError);
  });

  test('an explicit --dns-host-name replaces a different one; the default never does', () => {
    const group = principal('webapp01Hosts', 'group', 1200, { members: [...hosts.values()].map((h) => h.dn) });
    const gmsa = principal('webapp01', 'gmsa', 1201, { dnsHostName: 'old.contoso.com', spns: wantedSpns(req), membership: buildGmsaMembershipDescriptor([group.sid]) });
    expect(planAccount(req, { ...empty(), gmsa, group })).toEqual([]);
    const steps = planAccount({ ...req, dnsHostName: 'new.contoso.com', dnsHostNameExplicit: true, spns: [] }, { ...empty(), gmsa: { ...gmsa, spns: wantedSpns({ ...req, dnsHostName: 'new.contoso.com', spns: [] }) }, group });
    expect(steps).toEqual([{ kind: 'set-dns-host-name', dn: gmsa.dn, from: 'old.contoso.com', to: 'new.contoso.com' }]);
  });

  test('names given as DOMAIN\\name, name$ or name@domain are the same account', () => {
    expect(['CONTOSO\\webapp01$', 'webapp01$', 'webapp01@contoso.com', ' webapp01 '].map(bareName)).toEqual(['webapp01', 'webapp01', 'webapp01', 'webapp01']);
    expect(() => bareName('CONTOSO\\')).toThrow(InvalidInputError);
  });
});

describe('who may retrieve the password', () => {
  const group = `${DOMAIN_SID}-1200`;
  const host = `${DOMAIN_SID}-1101`;
  test('through a group in the host token, or the host itself', () => {
    const sd = buildGmsaMembershipDescriptor([group]);
    expect(allowedSids(parseSecurityDescriptor(sd))).toEqual([group]);
    expect(decideAccess(sd, [host, `${DOMAIN_SID}-515`, group])).toMatchObject({ allowed: true, via: [group] });
    expect(decideAccess(buildGmsaMembershipDescriptor([host]), [host])).toMatchObject({ allowed: true, via: [host] });
  });

  test('not when neither is allowed, and never without a descriptor', () => {
    expect(decideAccess(buildGmsaMembershipDescriptor([group]), [host, `${DOMAIN_SID}-515`])).toMatchObject({ allowed: false, via: [] });
    expect(decideAccess(undefined, [host]).allowed).toBe(false);
  });
});

describe('account create input: names checked before any connection, defaults from the domain', () => {
  const domain = { domainDn: D, dnsName: 'contoso.com', netbiosName: 'CONTOSO' };

  test('defaults: <NAME>Hosts, <name>.<domain>, the standard containers; $ and domain parts dropped', () => {
    const input = checkAccountInput({ name: 'CONTOSO\\WebApp01$', hosts: ['WEBHOST01$', 'contoso\\WEBHOST02'], spns: ['http/web.contoso.com'] });
    expect(accountRequest(input, domain)).toEqual({
      name: 'WebApp01',
      hosts: ['WEBHOST01', 'WEBHOST02'],
      group: 'WebApp01Hosts',
      spns: ['http/web.contoso.com'],
      dnsHostName: 'webapp01.contoso.com',
      dnsHostNameExplicit: false,
      domain,
      gmsaContainer: `CN=Managed Service Accounts,${D}`,
      groupContainer: `CN=Users,${D}`,
    });
  });

  test.each([
    [{ name: 'ThisNameIsTooLong01' }, /invalid gMSA name "ThisNameIsTooLong01": it is 19 characters long/],
    [{ name: '(webapp01)' }, /invalid gMSA name/],
    [{ spns: ['bad spn'] }, /invalid SPN "bad spn"/],
    [{ group: 'a*b' }, /invalid --group "a\*b"/],
    [{ dnsHostName: 'web..contoso.com' }, /invalid --dns-host-name/],
  ])('%j is refused', (change, why) => {
    expect(() => checkAccountInput({ name: 'webapp01', hosts: ['WEBHOST01'], spns: [], ...change })).toThrow(InvalidInputError);
    expect(() => checkAccountInput({ name: 'webapp01', hosts: ['WEBHOST01'], spns: [], ...change })).toThrow(why);
  });

  test('a name or host of another domain is refused once the domain is known', () => {
    const other = checkAccountInput({ name: 'OTHER\\webapp01', hosts: ['WEBHOST01'], spns: [] });
    expect(() => accountRequest(other, domain)).toThrow(/"OTHER\\webapp01" names an account of the domain "OTHER"/);
    const host = checkAccountInput({ name: 'webapp01', hosts: ['WEBHOST01@fabrikam.com'], spns: [] });
    expect(() => accountRequest(host, domain)).toThrow(/DNS domain "fabrikam.com"/);
  });
});
