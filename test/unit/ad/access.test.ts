import type { Principal } from '../../../src/ad/accounts';
import { accessText, accessView, readDisagrees, decideAccess, type HostAccessReport } from '../../../src/ad/access';
import { buildGmsaMembershipDescriptor } from '../../../src/ad/codecs/security-descriptor';

const DOMAIN_SID = 'S-1-5-21-1004336348-1177238915-682003330';
const sid = (rid: number): string => `${DOMAIN_SID}-${rid}`;
const principal = (name: string, kind: Principal['kind'], rid: number): Principal => ({
  dn: `CN=${name},DC=contoso,DC=com`,
  samAccountName: kind === 'computer' || kind === 'gmsa' ? `${name}$` : name,
  name,
  kind,
  objectClasses: [],
  sid: sid(rid),
  spns: [],
  members: [],
});

const names: Record<string, string> = { [sid(2001)]: 'webapp01Hosts', [sid(1101)]: 'WEBHOST01$' };
const report = (allowed: number[], token: number[], grant = 'docker gmsa account create webapp01 --hosts WEBHOST01'): HostAccessReport => ({
  gmsa: principal('webapp01', 'gmsa', 3001),
  host: principal('WEBHOST01', 'computer', 1101),
  verdict: decideAccess(buildGmsaMembershipDescriptor(allowed.map(sid)), token.map(sid)),
  label: (s) => names[s] ?? s,
  grant,
});

describe('account test report', () => {
  test('allowed through a group: the group is named, with the reboot reminder', () => {
    expect(accessText(report([2001], [1101, 2001]), undefined)).toBe(
      'WEBHOST01 may retrieve the password of webapp01 (through webapp01Hosts).\n' +
        "If the host still cannot use it, it may not know its new group yet: reboot it or run 'klist purge -li 0x3e7' there.\n",
    );
  });

  test('allowed directly: "its own account"', () => {
    expect(accessText(report([1101], [1101]), undefined)).toMatch(/^WEBHOST01 may retrieve the password of webapp01 \(through its own account\)\./);
  });

  test('not allowed: the answer once, with who is allowed and the command that grants the host', () => {
    const r = report([2001], [1101], 'docker gmsa account create webapp01 --hosts WEBHOST01 --group AppHosts');
    expect(accessText(r, undefined)).toBe(
      'WEBHOST01 may NOT retrieve the password of webapp01.\nAllowed are: webapp01Hosts. Grant the host: docker gmsa account create webapp01 --hosts WEBHOST01 --group AppHosts\n',
    );
    expect(accessView(r, undefined)).toEqual({ Account: 'webapp01', Host: 'WEBHOST01', Allowed: false, Via: [], DeniedBy: [], AllowedPrincipals: ['webapp01Hosts'], PasswordRead: null });
  });

  test('nobody allowed', () => {
    expect(accessText(report([], [1101]), undefined)).toMatch(/\nNobody is allowed\. Grant the host: docker gmsa account create webapp01 --hosts WEBHOST01\n$/);
  });

  test('what the DC answered when read as the host is added last', () => {
    const read = { retrieved: true, length: 256, fingerprint: '0123456789abcdef', hasPrevious: false, lastChanged: new Date('2026-11-01T00:00:00Z'), nextChange: new Date('2026-12-01T00:00:00Z') };
    expect(accessText(report([2001], [1101, 2001]), read)).toMatch(
      /\nBound as WEBHOST01\$, the DC returned the password \(256 bytes, fingerprint 0123456789abcdef; last changed 2026-11-01T00:00:00\.000Z, changes next 2026-12-01T00:00:00\.000Z\)\.\n$/,
    );
    expect(accessView(report([2001], [1101, 2001]), read).PasswordRead).toEqual({ Retrieved: true, Length: 256, Fingerprint: '0123456789abcdef', HasPrevious: false, LastChanged: '2026-11-01T00:00:00.000Z', NextChange: '2026-12-01T00:00:00.000Z' });
  });

  test('a DC answer that contradicts the computed one is said, both ways', () => {
    const allowed = report([2001], [1101, 2001]);
    expect(readDisagrees(allowed, { retrieved: false })).toBe(true);
    expect(accessText(allowed, { retrieved: false })).toMatch(/returned no password\.\nThis disagrees with the computed answer: no KDS root key is usable yet/);
    const refused = report([2001], [1101]);
    expect(readDisagrees(refused, { retrieved: false })).toBe(false);
    expect(readDisagrees(refused, { retrieved: true, length: 256 })).toBe(true);
    expect(readDisagrees(refused, undefined)).toBe(false);
  });
});
