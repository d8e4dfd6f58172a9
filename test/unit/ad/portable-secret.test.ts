/** The CCG plugins' secret forms (ad/portable-secret.ts): what is read, and what is refused with the fix. */
import { parsePortableSecret } from '../../../src/ad/portable-secret';

describe('parsePortableSecret', () => {
  test('Azure Key Vault: DOMAIN\\user:password (a colon in the password kept, one trailing newline dropped)', () => {
    expect(parsePortableSecret('CONTOSO\\ccguser:pa:ss\n')).toEqual({ ok: true, secret: { domain: 'CONTOSO', user: 'ccguser', password: 'pa:ss', form: 'domain\\user:password' } });
  });

  test('AWS, credentials-fetcher, Rancher: JSON with username, password, domainName (a BOM allowed)', () => {
    expect(parsePortableSecret('\uFEFF{"username":"ccguser","password":"p","domainName":"contoso.com","distinguishedName":"CN=ccguser,CN=Users,DC=contoso,DC=com"}')).toEqual({
      ok: true,
      secret: { user: 'ccguser', password: 'p', domain: 'contoso.com', form: 'json' },
    });
  });

  test.each([
    ['{"username":"CONTOSO\\\\ccguser","password":"p","domainName":"contoso.com"}', /carries a domain part/],
    ['{"username":"ccguser@contoso.com","password":"p","domainName":"contoso.com"}', /carries a domain part/],
    ['{"username":"ccguser","domainName":"contoso.com"}', /password is missing/],
    ['{"username":"ccguser"}', /password, domainName are missing/],
    ['{"username":', /not valid JSON/],
    ['["ccguser"]', /not an object/],
    ['ccguser:password', /neither DOMAIN\\user:password/],
  ])('%s is refused', (text, problem) => {
    const r = parsePortableSecret(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toMatch(problem);
    expect(r.fix).toMatch(/^Store the/);
    // the problem never repeats a password
    expect(r.problem).not.toMatch(/"p"|password"\s*:/);
  });
});
