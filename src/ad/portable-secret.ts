/**
 * The secret a CCG plugin reads on a host outside the domain: the portable account it authenticates as
 * before it asks the DC for the gMSA's password (troubleshooting.md, "HostAccountConfig per plugin").
 * Pure; the text comes from stdin only (doctor --portable-secret-stdin) and never reaches output: only the
 * account name and what is wrong with the fields do.
 *
 * Forms: Azure Key Vault keeps `DOMAIN\user:password`; AWS (ECS/EKS on Windows), aws/credentials-fetcher
 * and Rancher keep JSON with `username`, `password` and `domainName` (credentials-fetcher also an optional
 * `distinguishedName`).
 */

export interface PortableSecret {
  /** The user name as the plugin sends it (bare). */
  user: string;
  /** The domain the secret names, when it names one. */
  domain?: string;
  password: string;
  form: 'domain\\user:password' | 'json';
}

export type PortableSecretResult = { ok: true; secret: PortableSecret } | { ok: false; problem: string; fix: string };

const JSON_FIX = 'Store the secret as {"username": "ccguser", "password": "...", "domainName": "contoso.com"}: the user name without a domain, the domain in domainName.';

function field(obj: Record<string, unknown>, name: string): unknown {
  // The plugins read these keys as written; accept their case variants but report the one found.
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

export function parsePortableSecret(text: string): PortableSecretResult {
  const t = text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  if (/^\s*[[{]/.test(t)) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      return { ok: false, problem: 'the secret starts like JSON but is not valid JSON', fix: JSON_FIX };
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, problem: 'the secret is JSON but not an object', fix: JSON_FIX };
    const o = v as Record<string, unknown>;
    const user = field(o, 'username');
    const password = field(o, 'password');
    const domain = field(o, 'domainName');
    const missing = [['username', user], ['password', password], ['domainName', domain]].filter(([, x]) => typeof x !== 'string' || x === '').map(([k]) => k);
    if (missing.length > 0) return { ok: false, problem: `the secret's ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing or not a string`, fix: JSON_FIX };
    const u = user as string;
    // credentials-fetcher#178: "Cannot get gMSA krb ticket" when the domain is pasted into the user name.
    if (/[\\@]/.test(u)) return { ok: false, problem: `the secret's username ${JSON.stringify(u)} carries a domain part; the plugins add domainName themselves, and Kerberos then fails`, fix: JSON_FIX };
    return { ok: true, secret: { user: u, domain: domain as string, password: password as string, form: 'json' } };
  }
  const m = /^([^\\:]+)\\([^\\:]+):([\s\S]+)$/.exec(t);
  if (!m) {
    return {
      ok: false,
      problem: 'the secret is neither DOMAIN\\user:password (Azure Key Vault) nor JSON with username, password and domainName (AWS, credentials-fetcher, Rancher)',
      fix: 'Store the portable account in the form its plugin reads (docker gmsa explain 6 says more).',
    };
  }
  return { ok: true, secret: { domain: m[1] as string, user: m[2] as string, password: m[3] as string, form: 'domain\\user:password' } };
}
