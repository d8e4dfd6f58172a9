import {
  checkDnsHostName,
  checkGmsaName,
  checkGroupName,
  checkSameDomain,
  checkSpn,
  dnsHostNameProblem,
  gmsaNameProblem,
  groupNameProblem,
  namesDomain,
  shown,
  spnProblem,
} from '../../../src/ad/names';
import { InvalidInputError } from '../../../src/errors';

const CONTOSO = { dnsName: 'contoso.com', netbiosName: 'CONTOSO' };

describe('gMSA names are NetBIOS computer names and DNS labels', () => {
  test.each(['webapp01', 'WEBAPP01', 'a', 'web-app-01', 'x1', '123a', 'ThisNameIs15Chr', 'webapp01$', 'CONTOSO\\webapp01$', 'webapp01$@contoso.com'])('%s is accepted', (n) => {
    expect(() => checkGmsaName(n)).not.toThrow();
  });

  test('a trailing $ and the domain part are stripped', () => {
    expect(checkGmsaName('webapp01$')).toBe('webapp01');
    expect(checkGmsaName('CONTOSO\\WebApp01')).toBe('WebApp01');
  });

  test.each([
    ['ThisNameIsTooLong01', /is 19 characters long; a NetBIOS computer name has at most 15/],
    ['(webapp01)', /contains '\('/],
    ['web#01', /contains '#'/],
    ['web%01', /contains '%'/],
    ['webapp01.', /contains '\.' \(a dot/],
    ['web.app', /contains '\.'/],
    ['web\u202Eapp', /contains U\+202E/],
    ['web\u{1F600}', /contains '\u{1F600}' \(U\+1F600\)/u],
    ['web app', /contains a space/],
    ['web_app', /contains '_'/],
    ['12345', /all digits/],
    ['-web', /starts or ends with a hyphen/],
    ['web-', /starts or ends with a hyphen/],
    ['', /empty/],
    ['$', /empty/],
    ['web$01', /contains '\$'/],
  ])('%j is refused: %s', (n, why) => {
    let err: unknown;
    try {
      checkGmsaName(n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const e = err as InvalidInputError;
    expect(e.message).toMatch(why);
    expect(e.message).toContain(`invalid gMSA name ${shown(n)}`);
    expect(e.message).not.toContain('[object Object]');
    expect(e.hint).toMatch(/letters, digits or hyphens/);
  });

  test('the Problem form answers the same as the check', () => {
    expect(gmsaNameProblem('webapp01')).toBeUndefined();
    expect(gmsaNameProblem('webapp01$')).toBeUndefined();
    expect(gmsaNameProblem('web.')?.code).toBe('gmsa-name-invalid-chars');
  });

  test('messages never carry invisible or reordering characters raw', () => {
    expect(shown('a\u202Eb\u0007"')).toBe('"a\\u{202E}b\\u{0007}\\""');
    const e = (() => {
      try {
        checkGmsaName('ev\u202Eil');
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e?.message).not.toMatch(/\u202E/);
  });
});

describe('SPNs are service/host[:port][/name]', () => {
  test.each([
    'http/web.contoso.com',
    'HTTP/web',
    'MSSQLSvc/sql01.contoso.com:1433',
    'MSSQLSvc/sql01.contoso.com:SQLEXPRESS',
    'ldap/dc01.contoso.com/contoso.com',
    'E3514235-4B06-11D1-AB04-00C04FC2DCD2/guid/contoso.com',
    'host/webapp01',
    'http/web.contoso.com:8080/app',
  ])('%s is accepted', (s) => {
    expect(spnProblem(s)).toBeUndefined();
    expect(checkSpn(s)).toBe(s);
  });

  test.each([
    ['bad spn', /contains a space/],
    ['http/web contoso', /contains a space/],
    ['http/web\tx', /contains U\+0009/],
    ['http/web\u202Ex', /contains U\+202E/],
    ['webapp01', /not service\/host/],
    ['/web', /service class/],
    ['http/', /host "" is not a host name/],
    ['http/web..contoso.com', /is not a host name/],
    ['http/we*b', /is not a host name/],
    ['http/web:0', /port 0 is not between/],
    ['http/web:99999', /port 99999 is not between/],
    ['http/web:', /neither a port nor an instance/],
    ['http/web/', /gives no service name/],
    ['a/b/c/d', /not service\/host/],
  ])('%j is refused: %s', (s, why) => {
    expect(() => checkSpn(s)).toThrow(InvalidInputError);
    expect(() => checkSpn(s)).toThrow(why);
    expect(() => checkSpn(s)).toThrow(/invalid SPN/);
  });
});

describe('group names follow AD', () => {
  test.each(['webapp01Hosts', 'Container Hosts', 'Hôtes-web', 'a.b', 'web@hosts', 'x'.repeat(63)])('%s is accepted', (g) => {
    expect(groupNameProblem(g)).toBeUndefined();
  });

  test.each([...'"/\\[]:;|=,+*?<>'].map((c) => [`a${c}b`, c]))('%j is refused', (g) => {
    expect(() => checkGroupName(g)).toThrow(InvalidInputError);
    expect(() => checkGroupName(g)).toThrow(/does not allow in a group name/);
  });

  test.each([
    ['a*b', /contains '\*'/],
    ['a\u0001b', /contains U\+0001/],
    ['a\u202Eb', /contains U\+202E/],
    ['x'.repeat(64), /64 characters long; at most 63/],
    [' hosts', /white space/],
    ['hosts ', /white space/],
    ['1234', /only of digits/],
    ['...', /only of digits, dots/],
    ['hosts.', /ends with a dot/],
    ['', /empty/],
  ])('%j is refused: %s', (g, why) => {
    expect(() => checkGroupName(g)).toThrow(why);
    expect(() => checkGroupName(g)).toThrow(/invalid --group/);
  });
});

describe('DNS host names', () => {
  test.each(['webapp01.contoso.com', 'web-01.eu.contoso.com', 'web'])('%s is accepted', (n) => expect(dnsHostNameProblem(n)).toBeUndefined());
  test.each([
    ['web..contoso.com', /empty label/],
    ['webapp01.contoso.com.', /ends with a dot/],
    ['web_01.contoso.com', /contains '_'/],
    ['-web.contoso.com', /hyphen/],
    ['10.0.0.1', /all digits/],
    [`${'a'.repeat(64)}.com`, /longer than 63/],
  ])('%j is refused: %s', (n, why) => {
    expect(() => checkDnsHostName(n)).toThrow(why);
    expect(() => checkDnsHostName(n)).toThrow(InvalidInputError);
  });
});

describe('a name qualified with another domain is refused', () => {
  test.each(['webapp01', 'CONTOSO\\webapp01', 'contoso\\webapp01$', 'contoso.com\\webapp01', 'webapp01$@contoso.com', 'webapp01@CONTOSO.COM.'])('%s is in CONTOSO', (n) => {
    expect(() => checkSameDomain(n, CONTOSO)).not.toThrow();
  });

  test.each([
    ['OTHER\\webapp01', /names an account of the domain "OTHER"/],
    ['webapp01@fabrikam.com', /names an account of the DNS domain "fabrikam.com"/],
    ['webapp01$@sub.contoso.com', /DNS domain "sub.contoso.com"/],
  ])('%s is refused', (n, why) => {
    let err: unknown;
    try {
      checkSameDomain(n, CONTOSO);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toMatch(/connected to is CONTOSO \(contoso\.com\); accounts of other domains are not supported/);
    expect((err as InvalidInputError).hint).toMatch(/connect to a domain controller of that domain/);
  });
});

describe('which domain a name means', () => {
  const contoso = { netbiosName: 'CONTOSO', dnsName: 'contoso.com' };
  test.each(['CONTOSO', 'contoso', 'contoso.com', 'CONTOSO.COM.', 'contoso.com.'])('%s names CONTOSO', (q) => expect(namesDomain(q, contoso)).toBe(true));
  test.each(['FABRIKAM', 'contoso.org', 'sub.contoso.com', 'contoso.com..', ''])('%s does not', (q) => expect(namesDomain(q, contoso)).toBe(false));
  test('checkSameDomain lets bare and own-domain names through and refuses the rest', () => {
    expect(() => checkSameDomain('webapp01', contoso)).not.toThrow();
    expect(() => checkSameDomain('CONTOSO\\webapp01', contoso)).not.toThrow();
    expect(() => checkSameDomain('webapp01@contoso.com.', contoso)).not.toThrow();
    expect(() => checkSameDomain('FABRIKAM\\webapp01', contoso)).toThrow(/names an account of the domain "?FABRIKAM"?, but the directory connected to is CONTOSO \(contoso\.com\)/);
  });
});
