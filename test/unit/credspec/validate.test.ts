import { SpecInvalidError } from '../../../src/errors';
import {
  FINDING_CODES,
  Finding,
  FindingCode,
  MAX_SPEC_BYTES,
  SpecValidationError,
  closestKey,
  hasErrors,
  validateSpecBytes,
  validateSpecValue,
} from '../../../src/credspec/validate';
import { CONTOSO, CONTOSO_WEBAPP01_JSON, Loose, baseSpec, utf16be, utf16le } from './fixtures';

const ACCOUNTS = '$.ActiveDirectoryConfig.GroupManagedServiceAccounts';
const HOST = '$.ActiveDirectoryConfig.HostAccountConfig';
const AZURE_INPUT = 'ObjectId=0a1b2c3d-0000-4000-8000-123456789abc;SecretUri=https://contoso-kv.vault.azure.net/secrets/gmsa';
const AWS_INPUT = '{"credentialArn":"arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa-host"}';

function spec(mutate?: (s: Loose) => void): Loose {
  const s = baseSpec();
  mutate?.(s);
  return s;
}

/** Renames the primary account everywhere it appears (so the spec stays consistent). */
function withPrimary(name: string): Loose {
  return spec((s) => {
    s.DomainJoinConfig.MachineAccountName = name;
    for (const e of s.ActiveDirectoryConfig.GroupManagedServiceAccounts) e.Name = name;
  });
}

function withNetbios(nb: string): Loose {
  return spec((s) => {
    s.DomainJoinConfig.NetBiosName = nb;
    s.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope = nb;
  });
}

function withHost(host: Loose): Loose {
  return spec((s) => {
    s.ActiveDirectoryConfig.HostAccountConfig = host;
  });
}

const azureHost = (over: Loose = {}): Loose => ({ PortableCcgVersion: '1', PluginGUID: '{CCC2A336-D7F3-4818-A213-272B7924213E}', PluginInput: AZURE_INPUT, ...over });
const awsHost = (over: Loose = {}): Loose => ({ PortableCcgVersion: '1', PluginGUID: '{859E1386-BDB4-49E8-85C7-3070B13920E1}', PluginInput: AWS_INPUT, ...over });
/** aws/credentials-fetcher (Linux): the same GUID, PluginInput as an object. */
const fetcherHost = (over: Loose = {}): Loose => ({
  PortableCcgVersion: '1',
  PluginGUID: '{859e1386-bdb4-49e8-85c7-3070b13920e1}',
  PluginInput: { CredentialArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa-host' },
  ...over,
});
const rancherHost = (over: Loose = {}): Loose => ({ PortableCcgVersion: '1', PluginGUID: '{e4781092-f116-4b79-b55e-28eb6a224e26}', PluginInput: 'gmsa-system:webapp01-cred', ...over });

type Input = { value: unknown } | { bytes: Buffer };
const v = (value: unknown): Input => ({ value });
const b = (bytes: Buffer): Input => ({ bytes });
const j = (value: unknown): Input => ({ bytes: Buffer.from(JSON.stringify(value, null, 2), 'utf8') });

function run(input: Input): Finding[] {
  return 'value' in input ? validateSpecValue(input.value) : validateSpecBytes(input.bytes).findings;
}

interface Case {
  code: FindingCode;
  what: string;
  bad: Input;
  path: string;
  good: Input;
  /** Words the message must contain. */
  says?: string[];
  /** Words the fix must contain. */
  fixSays?: string[];
}

const validBytes = Buffer.from(CONTOSO_WEBAPP01_JSON, 'utf8');

const CASES: Case[] = [
  { code: 'file-too-large', what: 'a file over 1 MiB', bad: b(Buffer.alloc(MAX_SPEC_BYTES + 1, 0x20)), path: '$', good: b(validBytes) },
  {
    code: 'encoding-invalid-utf8',
    what: 'a stray 0xFF byte',
    bad: b(Buffer.from(CONTOSO_WEBAPP01_JSON.replaceAll('WebApp01', 'Web\u00ffApp01'), 'latin1')),
    path: '$',
    good: b(Buffer.from(CONTOSO_WEBAPP01_JSON.replaceAll('WebApp01', 'Web\u00ffApp01'), 'utf8')),
    says: ['UTF-8', '0xFF'],
  },
  { code: 'encoding-invalid-utf16', what: 'odd byte count after a UTF-16 BOM', bad: b(Buffer.concat([utf16le(CONTOSO_WEBAPP01_JSON), Buffer.from([0x0a])])), path: '$', good: b(utf16le(CONTOSO_WEBAPP01_JSON)) },
  { code: 'encoding-utf16-no-bom', what: 'UTF-16LE without BOM', bad: b(utf16le(CONTOSO_WEBAPP01_JSON, false)), path: '$', good: b(utf16le(CONTOSO_WEBAPP01_JSON)), fixSays: ['UTF-8'] },
  { code: 'encoding-unsupported', what: 'UTF-32', bad: b(Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0, 0x7d, 0, 0, 0])), path: '$', good: b(utf16be(CONTOSO_WEBAPP01_JSON)) },
  {
    code: 'json-syntax',
    what: 'a trailing comma',
    bad: b(Buffer.from(CONTOSO_WEBAPP01_JSON.replace('"NetBiosName": "CONTOSO"', '"NetBiosName": "CONTOSO",'), 'utf8')),
    path: '$',
    good: b(validBytes),
    says: ['line 12, column 3', 'trailing comma'],
    fixSays: ['comma'],
  },
  {
    code: 'json-duplicate-key',
    what: 'Sid twice',
    bad: b(Buffer.from(CONTOSO_WEBAPP01_JSON.replace('"MachineAccountName"', `"Sid": "${CONTOSO.domainSid}",\n    "MachineAccountName"`), 'utf8')),
    path: '$.DomainJoinConfig.Sid',
    good: b(validBytes),
    says: ['"Sid"', 'more than once'],
  },
  { code: 'root-not-object', what: 'an array', bad: v([baseSpec()]), path: '$', good: v(baseSpec()), says: ['an array'] },
  {
    code: 'missing-field',
    what: 'no Sid',
    bad: v(spec((s) => delete s.DomainJoinConfig.Sid)),
    path: '$.DomainJoinConfig.Sid',
    good: v(baseSpec()),
    says: ['"Sid"', 'DomainJoinConfig'],
    fixSays: ['Get-ADDomain'],
  },
  { code: 'wrong-type', what: 'Sid is a number', bad: v(spec((s) => (s.DomainJoinConfig.Sid = 1104))), path: '$.DomainJoinConfig.Sid', good: v(baseSpec()), says: ['must be a string', 'a number'] },
  {
    code: 'unknown-key',
    what: 'a misspelt key',
    bad: v(spec((s) => (s.DomainJoinConfig.DNSName = 'contoso.com'))),
    path: '$.DomainJoinConfig.DNSName',
    good: v(baseSpec()),
    says: ['"DNSName"', 'did you mean "DnsName"'],
    fixSays: ['case-sensitive'],
  },
  {
    code: 'cms-plugins-missing-ad',
    what: 'wrong case plugin',
    bad: v(spec((s) => (s.CmsPlugins = ['activedirectory']))),
    path: '$.CmsPlugins',
    good: v(spec((s) => (s.CmsPlugins = ['Other', 'ActiveDirectory']))),
    says: ['case matters'],
  },
  {
    code: 'sid-account-sid',
    what: "the gMSA's SID",
    bad: v(spec((s) => (s.DomainJoinConfig.Sid = `${CONTOSO.domainSid}-1104`))),
    path: '$.DomainJoinConfig.Sid',
    good: v(spec((s) => (s.DomainJoinConfig.Sid = 's-1-5-21-3623811015-3361044348-030300820'))),
    says: ['account SID', "gMSA's", "domain's SID"],
    fixSays: [CONTOSO.domainSid, '-1104'],
  },
  { code: 'sid-not-domain', what: 'a builtin SID', bad: v(spec((s) => (s.DomainJoinConfig.Sid = 'S-1-5-32-544'))), path: '$.DomainJoinConfig.Sid', good: v(baseSpec()), says: ['not a domain SID'] },
  { code: 'sid-malformed', what: 'not a SID', bad: v(spec((s) => (s.DomainJoinConfig.Sid = 'CONTOSO'))), path: '$.DomainJoinConfig.Sid', good: v(baseSpec()), says: ['not a SID'] },
  {
    code: 'guid-malformed',
    what: 'a short GUID',
    bad: v(spec((s) => (s.DomainJoinConfig.Guid = '59d6ab5c-4f1c-4f40-9a28'))),
    path: '$.DomainJoinConfig.Guid',
    good: v(spec((s) => (s.DomainJoinConfig.Guid = '{59D6AB5C-4F1C-4F40-9A28-C3B0D8AB7C3A}'))),
  },
  { code: 'account-name-empty', what: 'empty MachineAccountName', bad: v(withPrimary('')), path: '$.DomainJoinConfig.MachineAccountName', good: v(withPrimary('a')) },
  {
    code: 'account-name-too-long',
    what: '16 characters',
    bad: v(withPrimary('ABCDEFGHIJKLMNOP')),
    path: '$.DomainJoinConfig.MachineAccountName',
    good: v(withPrimary('ABCDEFGHIJKLMNO')),
    says: ['15'],
  },
  { code: 'account-name-invalid-chars', what: 'a space', bad: v(withPrimary('web app')), path: '$.DomainJoinConfig.MachineAccountName', good: v(withPrimary('web-app_01')), says: ['a space'] },
  {
    code: 'account-name-dollar',
    what: 'MachineAccountName with $',
    bad: v(spec((s) => (s.DomainJoinConfig.MachineAccountName = 'WebApp01$'))),
    path: '$.DomainJoinConfig.MachineAccountName',
    good: v(baseSpec()),
    fixSays: ['"WebApp01"'],
  },
  {
    code: 'account-name-dollar',
    what: 'an entry Name with $',
    bad: v(spec((s) => (s.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Name = 'WebApp01$'))),
    path: `${ACCOUNTS}[1].Name`,
    good: v(baseSpec()),
  },
  {
    code: 'account-name-domain',
    what: 'DOMAIN\\name',
    bad: v(spec((s) => (s.DomainJoinConfig.MachineAccountName = 'CONTOSO\\WebApp01'))),
    path: '$.DomainJoinConfig.MachineAccountName',
    good: v(baseSpec()),
    fixSays: ['"WebApp01"'],
  },
  {
    code: 'account-name-domain',
    what: 'name@domain',
    bad: v(spec((s) => (s.DomainJoinConfig.MachineAccountName = 'WebApp01@contoso.com'))),
    path: '$.DomainJoinConfig.MachineAccountName',
    good: v(baseSpec()),
  },
  { code: 'netbios-too-long', what: '16 characters', bad: v(withNetbios('CONTOSOCORPORATE')), path: '$.DomainJoinConfig.NetBiosName', good: v(withNetbios('CONTOSOCORPORAT')) },
  { code: 'netbios-invalid', what: 'a DNS name', bad: v(withNetbios('contoso.com')), path: '$.DomainJoinConfig.NetBiosName', good: v(withNetbios('contoso')), says: ['dot'] },
  { code: 'dns-name-invalid', what: 'a double dot', bad: v(spec((s) => (s.DomainJoinConfig.DnsName = 'contoso..com'))), path: '$.DomainJoinConfig.DnsName', good: v(baseSpec()) },
  {
    code: 'dns-name-invalid',
    what: 'a trailing dot in DnsTreeName',
    bad: v(spec((s) => (s.DomainJoinConfig.DnsTreeName = 'contoso.com.'))),
    path: '$.DomainJoinConfig.DnsTreeName',
    good: v(baseSpec()),
    fixSays: ['trailing dot'],
  },
  {
    code: 'dns-name-single-label',
    what: 'NetBIOS name as DnsTreeName',
    bad: v(spec((s) => (s.DomainJoinConfig.DnsTreeName = 'CONTOSO'))),
    path: '$.DomainJoinConfig.DnsTreeName',
    good: v(spec((s) => (s.DomainJoinConfig.DnsTreeName = 'corp.contoso.com'))),
  },
  { code: 'accounts-empty', what: 'no entries', bad: v(spec((s) => (s.ActiveDirectoryConfig.GroupManagedServiceAccounts = []))), path: ACCOUNTS, good: v(baseSpec()) },
  {
    code: 'primary-account-missing',
    what: 'entries for another account only',
    bad: v(spec((s) => (s.DomainJoinConfig.MachineAccountName = 'Other01'))),
    path: ACCOUNTS,
    good: v(spec((s) => (s.DomainJoinConfig.MachineAccountName = 'WEBAPP01'))),
    says: ['"Other01"'],
    fixSays: ['"contoso.com"', '"CONTOSO"'],
  },
  {
    code: 'primary-dns-scope-missing',
    what: 'only the NetBIOS entry',
    bad: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.splice(0, 1))),
    path: ACCOUNTS,
    good: v(spec((s) => (s.ActiveDirectoryConfig.GroupManagedServiceAccounts[0].Scope = 'CONTOSO.COM'))),
    fixSays: ['"Scope": "contoso.com"'],
  },
  {
    code: 'primary-netbios-scope-missing',
    what: 'only the DNS entry',
    bad: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.splice(1, 1))),
    path: ACCOUNTS,
    good: v(spec((s) => (s.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope = 'contoso'))),
    fixSays: ['"Scope": "CONTOSO"'],
  },
  {
    code: 'scope-empty',
    what: 'an additional account with an empty scope',
    bad: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'LogAgent', Scope: '' }))),
    path: `${ACCOUNTS}[2].Scope`,
    good: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'LogAgent', Scope: 'contoso.com' }))),
  },
  {
    code: 'scope-unknown',
    what: 'an account from another domain',
    bad: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'LogAgent', Scope: 'fabrikam.com' }))),
    path: `${ACCOUNTS}[2].Scope`,
    good: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'LogAgent', Scope: 'contoso' }))),
    says: ['"fabrikam.com"'],
  },
  {
    code: 'duplicate-account-entry',
    what: 'the DNS entry twice',
    bad: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'webapp01', Scope: 'CONTOSO.com' }))),
    path: `${ACCOUNTS}[2]`,
    good: v(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'LogAgent', Scope: 'contoso.com' }))),
  },
  {
    code: 'wrong-type',
    what: 'HostAccountConfig as a string',
    bad: v(withHost('azure')),
    path: HOST,
    good: v(withHost(azureHost())),
  },
  { code: 'host-ccg-version', what: 'version 2', bad: v(withHost(azureHost({ PortableCcgVersion: '2' }))), path: `${HOST}.PortableCcgVersion`, good: v(withHost(azureHost())) },
  { code: 'wrong-type', what: 'version as a number', bad: v(withHost(azureHost({ PortableCcgVersion: 1 }))), path: `${HOST}.PortableCcgVersion`, good: v(withHost(azureHost())), fixSays: ['"1"'] },
  {
    code: 'host-plugin-guid',
    what: 'a GUID without braces',
    bad: v(withHost(azureHost({ PluginGUID: 'CCC2A336-D7F3-4818-A213-272B7924213E' }))),
    path: `${HOST}.PluginGUID`,
    good: v(withHost(azureHost({ PluginGUID: '{ccc2a336-d7f3-4818-a213-272b7924213e}' }))),
    fixSays: ['{CCC2A336-D7F3-4818-A213-272B7924213E}'],
  },
  { code: 'host-plugin-input-empty', what: 'blank input', bad: v(withHost(azureHost({ PluginInput: ' ' }))), path: `${HOST}.PluginInput`, good: v(withHost(azureHost())) },
  {
    code: 'host-azure-input',
    what: 'no SecretUri',
    bad: v(withHost(azureHost({ PluginInput: 'ObjectId=0a1b2c3d' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(azureHost({ PluginInput: 'secreturi=https://v.vault.azure.net/secrets/x; objectid=0A1B2C3D-0000-4000-8000-123456789ABC' }))),
    says: ['SecretUri'],
  },
  {
    code: 'host-azure-input',
    what: 'SecretUri not https',
    bad: v(withHost(azureHost({ PluginInput: 'ObjectId=abc;SecretUri=contoso-kv' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(azureHost())),
  },
  {
    code: 'host-aws-input',
    what: 'a bare ARN',
    bad: v(withHost(awsHost({ PluginInput: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(awsHost())),
    fixSays: ['credentialArn'],
  },
  {
    code: 'host-aws-input',
    what: 'JSON without credentialArn',
    bad: v(withHost(awsHost({ PluginInput: '{"secretArn": "arn:aws:x"}' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(awsHost())),
  },
  {
    code: 'host-aws-input',
    what: 'credentialArn in the wrong case',
    bad: v(withHost(awsHost({ PluginInput: '{"CredentialArn": "arn:aws:secretsmanager:us-west-2:1:secret:x"}' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(awsHost({ PluginInput: 'arn:aws:ssm:us-west-2:123456789012:parameter/gmsa-plugin-input' }))),
    says: ['"CredentialArn"', 'case-sensitive'],
  },
  {
    code: 'host-aws-input',
    what: 'credentialArn that is no Secrets Manager or SSM ARN',
    bad: v(withHost(awsHost({ PluginInput: '{"credentialArn": "arn:aws:s3:::bucket/x"}' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(awsHost({ PluginInput: '{"credentialArn": "arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:x"}' }))),
  },
  {
    code: 'host-azure-input',
    what: 'ObjectId that is not a GUID',
    bad: v(withHost(azureHost({ PluginInput: 'ObjectId=my-identity;SecretUri=https://contoso-kv.vault.azure.net/secrets/gmsa' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(azureHost())),
    says: ['"my-identity"'],
  },
  {
    code: 'host-fetcher-input',
    what: 'credentials-fetcher object without CredentialArn',
    bad: v(withHost(fetcherHost({ PluginInput: { credentialArn: 'arn:aws:secretsmanager:us-west-2:1:secret:x' } }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(fetcherHost())),
    says: ['"credentialArn"', 'case-sensitive'],
  },
  {
    code: 'host-fetcher-input',
    what: 'credentials-fetcher CredentialArn not from Secrets Manager',
    bad: v(withHost(fetcherHost({ PluginInput: { CredentialArn: 'arn:aws:ssm:us-west-2:1:parameter/x' } }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(fetcherHost())),
  },
  {
    code: 'host-fetcher-name',
    what: 'credentials-fetcher and a DnsName with an underscore',
    bad: v(
      spec((s) => {
        s.DomainJoinConfig.DnsName = 'con_toso.com';
        s.DomainJoinConfig.DnsTreeName = 'con_toso.com';
        s.ActiveDirectoryConfig.GroupManagedServiceAccounts[0].Scope = 'con_toso.com';
        s.ActiveDirectoryConfig.HostAccountConfig = fetcherHost();
      }),
    ),
    path: '$.DomainJoinConfig.DnsName',
    good: v(withHost(fetcherHost())),
  },
  {
    code: 'host-fetcher-name',
    what: "credentials-fetcher and an additional account with '!'",
    bad: v(
      spec((s) => {
        s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push({ Name: 'log!agent', Scope: 'contoso.com' });
        s.ActiveDirectoryConfig.HostAccountConfig = fetcherHost();
      }),
    ),
    path: '$.DomainJoinConfig.MachineAccountName',
    good: v(withHost(fetcherHost())),
    says: ['"log!agent"'],
  },
  {
    code: 'wrong-type',
    what: 'an object PluginInput for Azure Key Vault (only credentials-fetcher takes one)',
    bad: v(withHost(azureHost({ PluginInput: { ObjectId: 'x' } }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(fetcherHost())),
    says: ['Azure Key Vault', 'credentials-fetcher'],
  },
  {
    code: 'host-rancher-input',
    what: 'Rancher input without a namespace',
    bad: v(withHost(rancherHost({ PluginInput: 'webapp01-cred' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(rancherHost())),
  },
  {
    code: 'host-rancher-input',
    what: 'Rancher secret name with capitals',
    bad: v(withHost(rancherHost({ PluginInput: 'gmsa-system:WebApp01' }))),
    path: `${HOST}.PluginInput`,
    good: v(withHost(rancherHost({ PluginGUID: '{E4781092-F116-4B79-B55E-28EB6A224E26}' }))),
    says: ['"WebApp01"'],
  },
  {
    code: 'host-plugin-unknown',
    what: 'a well-formed GUID of no known plugin',
    bad: v(withHost(azureHost({ PluginGUID: '{0F0E0D0C-1111-2222-3333-444455556666}', PluginInput: 'anything' }))),
    path: `${HOST}.PluginGUID`,
    good: v(withHost(rancherHost())),
    fixSays: ['HKLM\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses\\{0F0E0D0C-1111-2222-3333-444455556666}'],
  },
  {
    code: 'host-plugin-guid',
    what: "the documentation's non-hex example GUID",
    bad: v(withHost(azureHost({ PluginGUID: '{GDMA0342-266A-4D1P-831J-20990E82944F}' }))),
    path: `${HOST}.PluginGUID`,
    good: v(withHost(azureHost())),
    says: ['not hex digits', 'placeholder'],
  },
];

describe('every finding: one failing and one passing case', () => {
  test.each(CASES.map((c) => [c.code, c.what, c] as const))('%s (%s)', (code, _what, c) => {
    const bad = run(c.bad);
    const hit = bad.find((f) => f.code === code && f.path === c.path);
    if (!hit) throw new Error(`no ${code} at ${c.path}; got ${JSON.stringify(bad, null, 2)}`);
    expect(hit.severity).toBe(FINDING_CODES[code].severity);
    expect(hit.message.length).toBeGreaterThan(10);
    expect(hit.fix.length).toBeGreaterThan(5);
    for (const w of c.says ?? []) expect(hit.message).toContain(w);
    for (const w of c.fixSays ?? []) expect(hit.fix).toContain(w);
    if ('bytes' in c.bad) {
      expect(hit.line).toEqual(expect.any(Number));
      expect(hit.column).toEqual(expect.any(Number));
    }

    const good = run(c.good);
    expect(good.filter((f) => f.code === code)).toEqual([]);
    expect(good).toEqual([]);
  });

  test('the table covers every code the validator can report', () => {
    const covered = new Set(CASES.map((c) => c.code));
    // ad-* codes come from --against-ad and are covered in against-ad.test.ts
    const uncovered = Object.keys(FINDING_CODES).filter((k) => !covered.has(k as FindingCode) && k !== 'internal-error' && !k.startsWith('ad-'));
    expect(uncovered).toEqual([]);
  });

  test('the same cases give the same findings through validateSpecBytes (with positions)', () => {
    for (const c of CASES) {
      if (!('value' in c.bad)) continue;
      const fromValue = validateSpecValue(c.bad.value).map((f) => `${f.code} ${f.path}`).sort();
      const fromBytes = validateSpecBytes(Buffer.from(JSON.stringify(c.bad.value, null, 2))).findings;
      expect(fromBytes.map((f) => `${f.code} ${f.path}`).sort()).toEqual(fromValue);
      for (const f of fromBytes) expect(f.line).toEqual(expect.any(Number));
    }
  });
});

describe('missing and mistyped fields', () => {
  const required: [string, (s: Loose) => Loose, string][] = [
    ['$.CmsPlugins', (s) => s, 'CmsPlugins'],
    ['$.DomainJoinConfig', (s) => s, 'DomainJoinConfig'],
    ['$.ActiveDirectoryConfig', (s) => s, 'ActiveDirectoryConfig'],
    ...['Sid', 'MachineAccountName', 'Guid', 'DnsTreeName', 'DnsName', 'NetBiosName'].map((k): [string, (s: Loose) => Loose, string] => [`$.DomainJoinConfig.${k}`, (s) => s.DomainJoinConfig, k]),
    [`${ACCOUNTS}`, (s) => s.ActiveDirectoryConfig, 'GroupManagedServiceAccounts'],
    [`${ACCOUNTS}[0].Name`, (s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts[0], 'Name'],
    [`${ACCOUNTS}[1].Scope`, (s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts[1], 'Scope'],
  ];

  test.each(required)('deleting %s gives missing-field; a wrong type gives wrong-type', (path, parent, key) => {
    const missing = spec((s) => delete parent(s)[key]);
    expect(validateSpecValue(missing)).toContainEqual(expect.objectContaining({ code: 'missing-field', path, severity: 'error' }));
    for (const wrong of [42, null, true, key === 'CmsPlugins' || key === 'GroupManagedServiceAccounts' ? {} : []]) {
      const typed = spec((s) => (parent(s)[key] = wrong));
      expect(validateSpecValue(typed)).toContainEqual(expect.objectContaining({ code: 'wrong-type', path, severity: 'error' }));
    }
  });

  test.each(['PortableCcgVersion', 'PluginGUID', 'PluginInput'])('HostAccountConfig.%s is required and must be a string', (key) => {
    const missing = withHost(azureHost());
    delete missing.ActiveDirectoryConfig.HostAccountConfig[key];
    expect(validateSpecValue(missing)).toContainEqual(expect.objectContaining({ code: 'missing-field', path: `${HOST}.${key}` }));
    expect(validateSpecValue(withHost(azureHost({ [key]: 7 })))).toContainEqual(expect.objectContaining({ code: 'wrong-type', path: `${HOST}.${key}` }));
  });

  test('a key in the wrong case: missing-field whose fix says to rename, plus unknown-key', () => {
    const s = spec((x) => {
      x.DomainJoinConfig.sid = x.DomainJoinConfig.Sid;
      delete x.DomainJoinConfig.Sid;
    });
    const f = validateSpecValue(s);
    const missing = f.find((x) => x.code === 'missing-field');
    expect(missing?.fix).toContain('rename it to "Sid"');
    expect(f).toContainEqual(expect.objectContaining({ code: 'unknown-key', path: '$.DomainJoinConfig.sid', severity: 'warning' }));
  });

  test('CmsPlugins entries must be strings; entries must be objects', () => {
    expect(validateSpecValue(spec((s) => (s.CmsPlugins = ['ActiveDirectory', 3])))).toContainEqual(expect.objectContaining({ code: 'wrong-type', path: '$.CmsPlugins[1]' }));
    expect(validateSpecValue(spec((s) => s.ActiveDirectoryConfig.GroupManagedServiceAccounts.push('LogAgent')))).toContainEqual(
      expect.objectContaining({ code: 'wrong-type', path: `${ACCOUNTS}[2]` }),
    );
  });
});

describe('unknown keys', () => {
  test.each<[string, (s: Loose) => void, string, string | undefined]>([
    ['top level', (s) => (s.Version = 1), '$.Version', undefined],
    ['wrong case at top level', (s) => (s.cmsplugins = []), '$.cmsplugins', 'CmsPlugins'],
    ['typo', (s) => (s.DomainJoinConfig.MachineAcountName = 'x'), '$.DomainJoinConfig.MachineAcountName', 'MachineAccountName'],
    ['in ActiveDirectoryConfig', (s) => (s.ActiveDirectoryConfig.HostAcountConfig = {}), '$.ActiveDirectoryConfig.HostAcountConfig', 'HostAccountConfig'],
    ['in an entry', (s) => (s.ActiveDirectoryConfig.GroupManagedServiceAccounts[0].scope = 'x'), `${ACCOUNTS}[0].scope`, 'Scope'],
    ['in HostAccountConfig', (s) => (s.ActiveDirectoryConfig.HostAccountConfig = azureHost({ PluginGuid: 'x' })), `${HOST}.PluginGuid`, 'PluginGUID'],
    ['odd characters', (s) => (s['a b'] = 1), '$["a b"]', undefined],
  ])('%s', (_name, mutate, path, guess) => {
    const f = validateSpecValue(spec(mutate)).filter((x) => x.code === 'unknown-key');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ path, severity: 'warning' });
    if (guess) expect(f[0]?.message).toContain(`did you mean "${guess}"`);
    else expect(f[0]?.message).not.toContain('did you mean');
  });

  test('closestKey', () => {
    expect(closestKey('sid', ['Sid', 'Guid'])).toBe('Sid');
    expect(closestKey('Gud', ['Sid', 'Guid'])).toBe('Guid');
    expect(closestKey('Banana', ['Sid', 'Guid'])).toBeUndefined();
    expect(closestKey('x', ['Sid'])).toBeUndefined();
  });
});

describe('positions from bytes', () => {
  test('an account SID points at the Sid value', () => {
    const text = CONTOSO_WEBAPP01_JSON.replace(CONTOSO.domainSid, `${CONTOSO.domainSid}-1104`);
    const r = validateSpecBytes(Buffer.from(text));
    expect(r.findings).toEqual([expect.objectContaining({ code: 'sid-account-sid', line: 6, column: 12 })]);
    expect(r.spec).toBeUndefined();
    expect(r.value).toEqual(JSON.parse(text));
  });

  test('an unknown key points at the key; the same in UTF-16', () => {
    const text = CONTOSO_WEBAPP01_JSON.replace('"Guid"', '"guid"');
    for (const buf of [Buffer.from(text), utf16le(text), utf16be(text)]) {
      const r = validateSpecBytes(buf);
      expect(r.findings).toContainEqual(expect.objectContaining({ code: 'unknown-key', line: 8, column: 5 }));
      // the missing Guid is reported at its parent object
      expect(r.findings).toContainEqual(expect.objectContaining({ code: 'missing-field', path: '$.DomainJoinConfig.Guid', line: 5, column: 23 }));
    }
  });

  test('findings are in document order', () => {
    const text = CONTOSO_WEBAPP01_JSON.replace('"CONTOSO"\n', '"CONTOSO.COM"\n').replace(CONTOSO.domainSid, 'nope');
    const lines = validateSpecBytes(Buffer.from(text)).findings.map((f) => f.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, c) => a - c));
  });

  test('the encoding is reported for valid files', () => {
    expect(validateSpecBytes(utf16le(CONTOSO_WEBAPP01_JSON))).toMatchObject({ encoding: 'utf-16le-bom', findings: [] });
    expect(validateSpecBytes(validBytes).spec?.DomainJoinConfig.MachineAccountName).toBe('WebApp01');
  });

  test('warnings alone leave the spec usable', () => {
    const r = validateSpecBytes(Buffer.from(JSON.stringify(spec((s) => (s.Comment = 'x'))), 'utf8'));
    expect(hasErrors(r.findings)).toBe(false);
    expect(r.findings).toHaveLength(1);
    expect(r.spec).toBeDefined();
  });
});

describe('helpers', () => {
  test('hasErrors', () => {
    const f = (severity: 'error' | 'warning'): Finding => ({ path: '$', severity, code: 'unknown-key', message: 'm', fix: 'f' });
    expect(hasErrors([])).toBe(false);
    expect(hasErrors([f('warning')])).toBe(false);
    expect(hasErrors([f('warning'), f('error')])).toBe(true);
  });

  test('SpecValidationError carries the findings and is a SpecInvalidError', () => {
    const findings = validateSpecValue([]);
    const e = new SpecValidationError('bad', findings, 'fix it');
    expect(e).toBeInstanceOf(SpecInvalidError);
    expect(e.findings).toBe(findings);
    expect(e.hint).toBe('fix it');
  });

  test('validateSpecValue never throws on odd values', () => {
    for (const odd of [undefined, null, 0, 'x', [], Object.create(null), { DomainJoinConfig: Object.create(null) }, { CmsPlugins: [undefined] }]) {
      expect(() => validateSpecValue(odd)).not.toThrow();
      expect(validateSpecValue(odd).length).toBeGreaterThan(0);
    }
  });
});
