/** Shared test data for the credential spec tests. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CONTOSO = {
  dnsName: 'contoso.com',
  netbiosName: 'CONTOSO',
  domainSid: 'S-1-5-21-3623811015-3361044348-30300820',
  domainGuid: '59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a',
};

/** What New-CredentialSpec writes for `New-CredentialSpec -AccountName WebApp01` in contoso.com, as 2-space JSON. */
export const CONTOSO_WEBAPP01_JSON = `{
  "CmsPlugins": [
    "ActiveDirectory"
  ],
  "DomainJoinConfig": {
    "Sid": "S-1-5-21-3623811015-3361044348-30300820",
    "MachineAccountName": "WebApp01",
    "Guid": "59d6ab5c-4f1c-4f40-9a28-c3b0d8ab7c3a",
    "DnsTreeName": "contoso.com",
    "DnsName": "contoso.com",
    "NetBiosName": "CONTOSO"
  },
  "ActiveDirectoryConfig": {
    "GroupManagedServiceAccounts": [
      {
        "Name": "WebApp01",
        "Scope": "contoso.com"
      },
      {
        "Name": "WebApp01",
        "Scope": "CONTOSO"
      }
    ]
  }
}
`;

export type Loose = any;

/** A fresh, mutable copy of the contoso spec. */
export function baseSpec(): Loose {
  return JSON.parse(CONTOSO_WEBAPP01_JSON);
}

export function tempDir(prefix = 'gmsa-credspec-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function utf16le(text: string, bom = true): Buffer {
  const body = Buffer.from(text, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}

export function utf16be(text: string, bom = true): Buffer {
  const body = Buffer.from(text, 'utf16le');
  body.swap16();
  return bom ? Buffer.concat([Buffer.from([0xfe, 0xff]), body]) : body;
}
