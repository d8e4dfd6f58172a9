import { InvalidInputError } from '../../../src/errors';
import {
  CCG_PLUGIN_AWS_ECS,
  CCG_PLUGIN_AZURE_KEY_VAULT,
  DomainFacts,
  buildCredentialSpec,
  ccgHostAccount,
  classifySid,
  isDnsName,
  knownCcgPlugin,
  normalizeAccountName,
  parseGuid,
  resolveCcgPlugin,
  serializeCredentialSpec,
  splitAccountName,
} from '../../../src/credspec/model';
import { validateSpecValue } from '../../../src/credspec/validate';
import { CONTOSO, CONTOSO_WEBAPP01_JSON } from './fixtures';

function thrown(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError, nothing was thrown');
}

describe('buildCredentialSpec', () => {
  test('produces exactly what New-CredentialSpec writes for one account', () => {
    const spec = buildCredentialSpec(CONTOSO, ['WebApp01']);
    expect(serializeCredentialSpec(spec)).toBe(CONTOSO_WEBAPP01_JSON);
  });

  test('keys are in New-CredentialSpec order at every level', () => {
    const spec = buildCredentialSpec(CONTOSO, ['WebApp01'], {
      hostAccount: { PortableCcgVersion: '1', PluginGUID: 'azure-keyvault', PluginInput: 'ObjectId=1;SecretUri=https://v.vault.azure.net/secrets/s' },
    });
    expect(Object.keys(spec)).toEqual(['CmsPlugins', 'DomainJoinConfig', 'ActiveDirectoryConfig']);
    expect(Object.keys(spec.DomainJoinConfig)).toEqual(['Sid', 'MachineAccountName', 'Guid', 'DnsTreeName', 'DnsName', 'NetBiosName']);
    expect(Object.keys(spec.ActiveDirectoryConfig)).toEqual(['GroupManagedServiceAccounts', 'HostAccountConfig']);
    expect(Object.keys(spec.ActiveDirectoryConfig.HostAccountConfig ?? {})).toEqual(['PortableCcgVersion', 'PluginGUID', 'PluginInput']);
    expect(Object.keys(spec.ActiveDirectoryConfig.GroupManagedServiceAccounts[0] ?? {})).toEqual(['Name', 'Scope']);
  });

  test('additional accounts get a DNS-scope entry only; names are normalised; duplicates dropped', () => {
    const spec = buildCredentialSpec(CONTOSO, ['CONTOSO\\WebApp01$', 'LogAgent@contoso.com', 'webapp01', 'Reporting$', 'LOGAGENT']);
    expect(spec.DomainJoinConfig.MachineAccountName).toBe('WebApp01');
    expect(spec.ActiveDirectoryConfig.GroupManagedServiceAccounts).toEqual([
      { Name: 'WebApp01', Scope: 'contoso.com' },
      { Name: 'WebApp01', Scope: 'CONTOSO' },
      { Name: 'LogAgent', Scope: 'contoso.com' },
      { Name: 'Reporting', Scope: 'contoso.com' },
    ]);
  });

  test('exact JSON with additional accounts, a child domain and an Azure Key Vault host account', () => {
    const facts: DomainFacts = {
      dnsName: 'emea.contoso.com',
      netbiosName: 'EMEA',
      domainSid: 's-1-5-21-1004336348-1177238915-0682003330',
      domainGuid: '{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}',
      forestDnsName: 'contoso.com',
    };
    const spec = buildCredentialSpec(facts, ['WebApp01', 'Batch01'], {
      hostAccount: {
        PortableCcgVersion: '1',
        PluginGUID: resolveCcgPlugin('azure-keyvault'),
        PluginInput: 'ObjectId=0a1b2c3d-0000-4000-8000-123456789abc;SecretUri=https://contoso-kv.vault.azure.net/secrets/gmsa-host',
      },
    });
    const expected = `{
  "CmsPlugins": [
    "ActiveDirectory"
  ],
  "DomainJoinConfig": {
    "Sid": "S-1-5-21-1004336348-1177238915-682003330",
    "MachineAccountName": "WebApp01",
    "Guid": "a1b2c3d4-e5f6-4711-8899-aabbccddeeff",
    "DnsTreeName": "contoso.com",
    "DnsName": "emea.contoso.com",
    "NetBiosName": "EMEA"
  },
  "ActiveDirectoryConfig": {
    "GroupManagedServiceAccounts": [
      {
        "Name": "WebApp01",
        "Scope": "emea.contoso.com"
      },
      {
        "Name": "WebApp01",
        "Scope": "EMEA"
      },
      {
        "Name": "Batch01",
        "Scope": "emea.contoso.com"
      }
    ],
    "HostAccountConfig": {
      "PortableCcgVersion": "1",
      "PluginGUID": "{CCC2A336-D7F3-4818-A213-272B7924213E}",
      "PluginInput": "ObjectId=0a1b2c3d-0000-4000-8000-123456789abc;SecretUri=https://contoso-kv.vault.azure.net/secrets/gmsa-host"
    }
  }
}
`;
    expect(serializeCredentialSpec(spec)).toBe(expected);
    expect(validateSpecValue(spec)).toEqual([]);
  });

  test('AWS host account: plugin name resolved, lower-case GUID upper-cased with braces', () => {
    const spec = buildCredentialSpec(CONTOSO, ['WebApp01'], {
      hostAccount: { PortableCcgVersion: '1', PluginGUID: '859e1386-bdb4-49e8-85c7-3070b13920e1', PluginInput: '{"credentialArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:gmsa"}' },
    });
    expect(spec.ActiveDirectoryConfig.HostAccountConfig?.PluginGUID).toBe(CCG_PLUGIN_AWS_ECS);
    expect(validateSpecValue(spec)).toEqual([]);
  });

  test('the built spec validates with no findings', () => {
    expect(validateSpecValue(buildCredentialSpec(CONTOSO, ['WebApp01', 'LogAgent']))).toEqual([]);
  });

  test('forest defaults to the domain DNS name', () => {
    expect(buildCredentialSpec(CONTOSO, ['a']).DomainJoinConfig.DnsTreeName).toBe('contoso.com');
    expect(buildCredentialSpec({ ...CONTOSO, forestDnsName: '' }, ['a']).DomainJoinConfig.DnsTreeName).toBe('contoso.com');
  });

  test('accepts a GUID with braces and upper case; stores it lower-case without braces', () => {
    const spec = buildCredentialSpec({ ...CONTOSO, domainGuid: '{59D6AB5C-4F1C-4F40-9A28-C3B0D8AB7C3A}' }, ['a']);
    expect(spec.DomainJoinConfig.Guid).toBe('59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a');
  });

  test('non-ASCII account names are written as \\u escapes and read back unchanged', () => {
    const spec = buildCredentialSpec(CONTOSO, ['Jürgen']);
    const text = serializeCredentialSpec(spec);
    expect(text).toContain('"J\\u00fcrgen"');
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    expect(JSON.parse(text)).toEqual(spec);
  });

  describe('refuses bad input with the value and a fix', () => {
    test('account SID instead of domain SID', () => {
      const e = thrown(() => buildCredentialSpec({ ...CONTOSO, domainSid: `${CONTOSO.domainSid}-1104` }, ['WebApp01']));
      expect(e.message).toContain(`${CONTOSO.domainSid}-1104`);
      expect(e.message).toContain('account SID');
      expect(e.hint).toContain(CONTOSO.domainSid);
      expect(e.hint).not.toContain('-1104');
    });

    test.each([
      ['S-1-5-32-544', 'not a domain SID'],
      ['S-1-5-21-1-2', 'not a domain SID'],
      ['S-1-5-21-1-2-3-4-5', 'not a domain SID'],
      ['S-1-5-18', 'not a domain SID'],
      ['contoso', 'not a SID'],
      ['', 'not a SID'],
      ['S-1-5-21-1-2-99999999999', 'not a SID'],
    ])('domain SID %j', (sid, words) => {
      const e = thrown(() => buildCredentialSpec({ ...CONTOSO, domainSid: sid }, ['a']));
      expect(e.message).toContain(JSON.stringify(sid));
      expect(e.message).toContain(words);
      expect(e.hint).toBeTruthy();
    });

    test.each(['', 'not-a-guid', '59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3', '{59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a', '59d6ab5c4f1c4f409a28c3b0d8ab7c3a'])('GUID %j', (g) => {
      const e = thrown(() => buildCredentialSpec({ ...CONTOSO, domainGuid: g }, ['a']));
      expect(e.message).toContain(JSON.stringify(g));
      expect(e.message).toContain('not a GUID');
    });

    test.each(['CONTOSOCORPORATE', 'contoso.com', '', 'CON TOSO', 'CON/TOSO'])('NetBIOS name %j', (nb) => {
      const e = thrown(() => buildCredentialSpec({ ...CONTOSO, netbiosName: nb }, ['a']));
      expect(e.message.toLowerCase()).toContain('netbios');
      expect(e.hint).toBeTruthy();
    });

    test('NetBIOS name of exactly 15 characters is fine', () => {
      expect(buildCredentialSpec({ ...CONTOSO, netbiosName: 'ABCDEFGHIJKLMNO' }, ['a']).DomainJoinConfig.NetBiosName).toBe('ABCDEFGHIJKLMNO');
    });

    test.each(['', 'contoso..com', '-contoso.com', 'contoso.com.', 'con toso.com', 'a'.repeat(64) + '.com'])('DNS name %j', (d) => {
      const e = thrown(() => buildCredentialSpec({ ...CONTOSO, dnsName: d }, ['a']));
      expect(e.message).toContain(JSON.stringify(d));
    });

    test('forest DNS name', () => {
      expect(() => buildCredentialSpec({ ...CONTOSO, forestDnsName: 'bad name' }, ['a'])).toThrow(InvalidInputError);
    });

    test('no accounts', () => {
      expect(() => buildCredentialSpec(CONTOSO, [])).toThrow(InvalidInputError);
    });

    test.each([
      ['', 'empty'],
      ['$', 'empty'],
      ['CONTOSO\\', 'empty'],
      ['@contoso.com', 'empty'],
      ['ABCDEFGHIJKLMNOP', 'longer than 15'],
      ['web$app', "'$'"],
      ['web$$', "'$'"],
      ['web app', 'a space'],
      ['...', 'only of dots'],
      ['a\\b\\c', "'\\'"],
      ['CONTOSO\\web@x', "'@'"],
      ...['"', '/', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>'].map((ch) => [`web${ch}01`, `'${ch}'`]),
      ['web\t01', 'U+0009'],
    ])('account %j', (account, words) => {
      const e = thrown(() => buildCredentialSpec(CONTOSO, [account]));
      expect(e.message).toContain(JSON.stringify(account));
      expect(e.message).toContain(words);
      expect(e.hint).toBeTruthy();
    });

    test('an additional account is checked too', () => {
      expect(() => buildCredentialSpec(CONTOSO, ['good', 'b a d'])).toThrow(/"b a d"/);
    });

    test('host account config', () => {
      expect(() => buildCredentialSpec(CONTOSO, ['a'], { hostAccount: { PortableCcgVersion: '2', PluginGUID: 'aws-ecs', PluginInput: 'x' } })).toThrow(/PortableCcgVersion/);
      expect(() => buildCredentialSpec(CONTOSO, ['a'], { hostAccount: { PortableCcgVersion: '1', PluginGUID: 'gcp', PluginInput: 'x' } })).toThrow(/"gcp"/);
      expect(() => buildCredentialSpec(CONTOSO, ['a'], { hostAccount: { PortableCcgVersion: '1', PluginGUID: 'aws-ecs', PluginInput: '  ' } })).toThrow(/empty/);
    });
  });
});

describe('account names', () => {
  test.each([
    ['WebApp01', 'WebApp01'],
    ['WebApp01$', 'WebApp01'],
    ['CONTOSO\\WebApp01', 'WebApp01'],
    ['CONTOSO\\WebApp01$', 'WebApp01'],
    ['WebApp01@contoso.com', 'WebApp01'],
    ['WebApp01$@contoso.com', 'WebApp01'],
    ['  webapp01  ', 'webapp01'],
    ['ABCDEFGHIJKLMNO', 'ABCDEFGHIJKLMNO'],
  ])('%j → %j', (input, bare) => {
    expect(normalizeAccountName(input)).toBe(bare);
  });

  test('splitAccountName keeps the domain part', () => {
    expect(splitAccountName('CONTOSO\\web$')).toEqual({ name: 'web', domain: 'CONTOSO', hadDollar: true });
    expect(splitAccountName('web@contoso.com')).toEqual({ name: 'web', domain: 'contoso.com', hadDollar: false });
    expect(splitAccountName('web')).toEqual({ name: 'web', hadDollar: false });
  });
});

describe('identifiers', () => {
  test('classifySid', () => {
    expect(classifySid('S-1-5-21-1-2-3')).toEqual({ kind: 'domain', sid: 'S-1-5-21-1-2-3' });
    expect(classifySid('s-1-5-21-01-2-3')).toEqual({ kind: 'domain', sid: 'S-1-5-21-1-2-3' });
    expect(classifySid('S-1-5-21-1-2-3-1104')).toEqual({ kind: 'account', sid: 'S-1-5-21-1-2-3-1104', domainSid: 'S-1-5-21-1-2-3', rid: '1104' });
    expect(classifySid('S-1-5-32-544')).toEqual({ kind: 'other', sid: 'S-1-5-32-544' });
    expect(classifySid('S-1-5-21-4294967295-1-1')).toEqual({ kind: 'domain', sid: 'S-1-5-21-4294967295-1-1' });
    expect(classifySid('S-1-5-21-4294967296-1-1')).toEqual({ kind: 'malformed' });
    expect(classifySid('S-2-5-21-1-2-3')).toEqual({ kind: 'malformed' });
    expect(classifySid('S-1-5-21-1-2-3 ')).toEqual({ kind: 'malformed' });
    expect(classifySid('S-1-5')).toEqual({ kind: 'malformed' });
  });

  test('parseGuid', () => {
    expect(parseGuid('{59D6AB5C-4F1C-4F40-9A28-C3B0D8AB7C3A}')).toBe('59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a');
    expect(parseGuid('59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a')).toBe('59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a');
    expect(parseGuid('{59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a')).toBeUndefined();
    expect(parseGuid('59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3g')).toBeUndefined();
  });

  test('isDnsName', () => {
    for (const ok of ['contoso.com', 'emea.contoso.com', 'a', 'x-1.y_2.local', `${'a'.repeat(63)}.com`]) expect(isDnsName(ok)).toBe(true);
    for (const bad of ['', '.com', 'contoso.', 'a..b', '-a.com', 'a-.com', 'a b.com', `${'a'.repeat(64)}.com`, `${'a.'.repeat(127)}ab`]) expect(isDnsName(bad)).toBe(false);
  });
});

describe('CCG plugins', () => {
  test('resolveCcgPlugin', () => {
    expect(resolveCcgPlugin('azure-keyvault')).toBe(CCG_PLUGIN_AZURE_KEY_VAULT);
    expect(resolveCcgPlugin('Azure-KeyVault')).toBe(CCG_PLUGIN_AZURE_KEY_VAULT);
    expect(resolveCcgPlugin('aws-ecs')).toBe(CCG_PLUGIN_AWS_ECS);
    expect(resolveCcgPlugin('ccc2a336-d7f3-4818-a213-272b7924213e')).toBe(CCG_PLUGIN_AZURE_KEY_VAULT);
    expect(resolveCcgPlugin('{11111111-2222-3333-4444-555555555555}')).toBe('{11111111-2222-3333-4444-555555555555}');
    expect(() => resolveCcgPlugin('vault')).toThrow(InvalidInputError);
    expect(() => resolveCcgPlugin('')).toThrow(InvalidInputError);
  });

  test('ccgHostAccount writes the form each plugin documents', () => {
    const arn = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa-host';
    // AWS on Windows: the ARN inside a JSON *string*.
    expect(ccgHostAccount('aws-ecs', arn)).toEqual({ PortableCcgVersion: '1', PluginGUID: '{859E1386-BDB4-49E8-85C7-3070B13920E1}', PluginInput: `{"credentialArn":"${arn}"}` });
    // an SSM parameter ARN and ready-made JSON text stay as given
    const ssm = 'arn:aws:ssm:us-west-2:123456789012:parameter/gmsa-plugin-input';
    expect(ccgHostAccount('aws-ecs', ssm).PluginInput).toBe(ssm);
    expect(ccgHostAccount('aws-ecs', `{"credentialArn": "${arn}"}`).PluginInput).toBe(`{"credentialArn": "${arn}"}`);
    // credentials-fetcher: a JSON *object* with CredentialArn, same GUID
    expect(ccgHostAccount('credentials-fetcher', arn)).toEqual({ PortableCcgVersion: '1', PluginGUID: '{859E1386-BDB4-49E8-85C7-3070B13920E1}', PluginInput: { CredentialArn: arn } });
    expect(ccgHostAccount('credentials-fetcher', `{"CredentialArn":"${arn}"}`).PluginInput).toEqual({ CredentialArn: arn });
    expect(() => ccgHostAccount('credentials-fetcher', 'gmsa-host')).toThrow(/must be a Secrets Manager ARN or a JSON object/);
    expect(ccgHostAccount('rancher', 'gmsa-system:webapp01-cred')).toEqual({ PortableCcgVersion: '1', PluginGUID: '{E4781092-F116-4B79-B55E-28EB6A224E26}', PluginInput: 'gmsa-system:webapp01-cred' });
    expect(ccgHostAccount('azure-keyvault', 'ObjectId=a;SecretUri=b').PluginInput).toBe('ObjectId=a;SecretUri=b');
  });

  test('an object PluginInput is accepted for the AWS GUID only', () => {
    expect(() => buildCredentialSpec(CONTOSO, ['webapp01'], { hostAccount: { PortableCcgVersion: '1', PluginGUID: 'azure-keyvault', PluginInput: { ObjectId: 'x' } } })).toThrow(/only aws\/credentials-fetcher/);
    const spec = buildCredentialSpec(CONTOSO, ['webapp01'], { hostAccount: ccgHostAccount('credentials-fetcher', 'arn:aws:secretsmanager:us-west-2:1:secret:x') });
    expect(validateSpecValue(spec)).toEqual([]);
  });

  test('knownCcgPlugin', () => {
    expect(knownCcgPlugin('{859e1386-bdb4-49e8-85c7-3070b13920e1}')?.name).toBe('aws-ecs');
    expect(knownCcgPlugin('{859e1386-bdb4-49e8-85c7-3070b13920e1}', { CredentialArn: 'x' })?.name).toBe('credentials-fetcher');
    expect(knownCcgPlugin('{E4781092-F116-4B79-B55E-28EB6A224E26}')?.name).toBe('rancher');
    expect(knownCcgPlugin('{11111111-2222-3333-4444-555555555555}')).toBeUndefined();
    expect(knownCcgPlugin('nope')).toBeUndefined();
  });
});
