/**
 * How `spec create` builds a credential spec from Active Directory, shared with the spec lookup
 * (cli/spec-lookup.ts) so a spec built on the fly has exactly the bytes `spec create` would write.
 */
import { credentialSpecBuilder, serializeCredentialSpec, type DomainFacts, type HostAccountConfig } from '../credspec/model';
import { InvalidInputError } from '../errors';
import type { DirectoryFlags } from '../ad/settings';
import { withDirectory } from './ad-shared';
import type { Deps } from './deps';

/** The spec file's bytes for `accounts` (the first is the container's gMSA), as `spec create` writes them. */
export function specBytes(facts: DomainFacts, accounts: readonly string[], hostAccount?: HostAccountConfig): Buffer {
  return specWriter(facts, hostAccount)(accounts);
}

/** specBytes for many specs of one domain: the facts are checked once. */
export function specWriter(facts: DomainFacts, hostAccount?: HostAccountConfig): (accounts: readonly string[]) => Buffer {
  const build = credentialSpecBuilder(facts, hostAccount ? { hostAccount } : {});
  return (accounts) => Buffer.from(serializeCredentialSpec(build([...accounts])), 'utf8');
}

/** Domain facts and the accounts' checked names, from Active Directory over one connection. */
export async function factsFromDirectory(flags: DirectoryFlags, accounts: readonly string[], deps: Deps): Promise<DomainFacts> {
  const { readDomain, readRootDse } = require('../ad/domain') as typeof import('../ad/domain');
  const { bareName, describeKind, findPrincipals, lookupPrincipals, IDENTITY_ATTRS } = require('../ad/accounts') as typeof import('../ad/accounts');
  const { splitAccountName } = require('../credspec/model') as typeof import('../credspec/model');
  return withDirectory(flags, deps, async (dir) => {
    const root = await readRootDse(dir);
    // Names without a domain part need no check against the domain's names: their lookup goes out
    // together with the domain's own reads.
    const bare = accounts.every((a) => splitAccountName(a).domain === undefined);
    const gmsas = { machineFirst: true };
    const [domain, early] = await Promise.all([readDomain(dir, root), bare ? lookupPrincipals(dir, root.domainDn, accounts, IDENTITY_ATTRS, gmsas) : undefined]);
    const found = early ?? (await findPrincipals(dir, domain, accounts, IDENTITY_ATTRS, gmsas));
    const problems: string[] = [];
    for (const a of accounts) {
      const p = found.get(bareName(a).toLowerCase());
      if (!p) problems.push(`${a}: no such account in ${domain.dnsName}`);
      else if (p.kind !== 'gmsa') problems.push(`${a}: ${p.dn} is ${describeKind(p.kind)}, not a group managed service account`);
    }
    if (problems.length > 0) {
      throw new InvalidInputError(
        problems.length === 1 ? (problems[0] as string) : `${problems.length} accounts are not gMSAs: ${problems.join('; ')}`,
        'List the gMSAs with `docker gmsa account ls`, or create one with `docker gmsa account create NAME --hosts HOST`.',
      );
    }
    return domain;
  });
}
