/** `spec create --ccg-plugin`: the HostAccountConfig each plugin documents, through the real command tree. */
import { runInProcess } from '../../support/in-process';

const OFFLINE = ['--offline', '--domain-dns', 'contoso.com', '--netbios', 'CONTOSO', '--domain-sid', 'S-1-5-21-1111111111-2222222222-3333333333', '--domain-guid', 'b8453a02-7d3f-4dc2-9c73-c3d57f725694'];
const ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa-host';

function create(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(['gmsa', 'spec', 'create', 'webapp01', '--path', '-', ...OFFLINE, ...args]);
}

describe('spec create --ccg-plugin', () => {
  test('aws-ecs with a Secrets Manager ARN writes the JSON string AWS documents', async () => {
    const r = await create(['--ccg-plugin', 'aws-ecs', '--ccg-input', ARN]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).ActiveDirectoryConfig.HostAccountConfig).toEqual({
      PortableCcgVersion: '1',
      PluginGUID: '{859E1386-BDB4-49E8-85C7-3070B13920E1}',
      PluginInput: `{"credentialArn":"${ARN}"}`,
    });
    // and the file text has it as an escaped string
    expect(r.out).toContain(`"PluginInput": "{\\"credentialArn\\":\\"${ARN}\\"}"`);
  });

  test('credentials-fetcher writes the object form', async () => {
    const r = await create(['--ccg-plugin', 'credentials-fetcher', '--ccg-input', ARN]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).ActiveDirectoryConfig.HostAccountConfig.PluginInput).toEqual({ CredentialArn: ARN });
  });

  test('rancher by name', async () => {
    const r = await create(['--ccg-plugin', 'rancher', '--ccg-input', 'gmsa-system:webapp01-cred']);
    expect(JSON.parse(r.out).ActiveDirectoryConfig.HostAccountConfig.PluginGUID).toBe('{E4781092-F116-4B79-B55E-28EB6A224E26}');
  });
});
