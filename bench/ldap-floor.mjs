// The floor of the directory side of `spec create` for any plugin in Node: a bare script with the LDAP
// library docker gmsa uses (ldapts, no project code) that binds over the same verified TLS and fetches what
// the ldapsearch baseline fetches (the domain head, its crossRef, the accounts), the searches sent
// together, the accounts in the chunks docker gmsa sends. What docker gmsa adds over it is its own cost; what this costs over ldapsearch is Node's.
// Usage: node bench/ldap-floor.mjs COUNT   (GMSA_LDAP_URL, GMSA_LDAP_USER, GMSA_LDAP_PASSWORD, GMSA_LDAP_CA)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { Client } = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'))('ldapts');
const count = Number(process.argv[2]);
const names = Array.from({ length: count }, (_, i) => `bench${String(i + 1).padStart(4, '0')}`);
const client = new Client({ url: process.env.GMSA_LDAP_URL, tlsOptions: { ca: [readFileSync(process.env.GMSA_LDAP_CA)] } });
await client.bind(process.env.GMSA_LDAP_USER, process.env.GMSA_LDAP_PASSWORD);
// The accounts as docker gmsa looks gMSAs up (src/ad/accounts.ts): NAME$ in chunks of 50 names, 8 in
// flight, so this stays the floor of the same searches rather than of ldapsearch's one big filter.
const chunks = [];
for (let i = 0; i < names.length; i += 50) chunks.push(names.slice(i, i + 50));
const found = [];
let next = 0;
const lane = async () => {
  for (let i = next++; i < chunks.length; i = next++) {
    const r = await client.search('DC=contoso,DC=com', {
      scope: 'sub',
      filter: `(|${chunks[i].map((n) => `(sAMAccountName=${n}$)`).join('')})`,
      attributes: ['sAMAccountName', 'objectClass', 'objectSid'],
      explicitBufferAttributes: ['objectSid'],
    });
    found.push(...r.searchEntries);
  }
};
await Promise.all([
  client.search('DC=contoso,DC=com', { scope: 'base', filter: '(objectClass=*)', attributes: ['objectSid', 'objectGUID'], explicitBufferAttributes: ['objectSid', 'objectGUID'] }),
  client.search('CN=Partitions,CN=Configuration,DC=contoso,DC=com', { scope: 'one', filter: '(nCName=DC=contoso,DC=com)', attributes: ['nETBIOSName', 'dnsRoot'] }),
  ...Array.from({ length: Math.min(8, chunks.length) }, lane),
]);
const accounts = { searchEntries: found };
await client.unbind();
if (accounts.searchEntries.length !== count) {
  process.stderr.write(`expected ${count} accounts, found ${accounts.searchEntries.length}\n`);
  process.exit(1);
}
