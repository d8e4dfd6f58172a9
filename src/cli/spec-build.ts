/**
 * How `spec create` builds a credential spec from Active Directory, shared with the spec lookup
 * (cli/spec-lookup.ts) so a spec built on the fly has exactly the bytes `spec create` would write.
 */
import { buildCredentialSpec, serializeCredentialSpec, type DomainFacts, type HostAccountConfig } from '../credspec/model';
import { InvalidInputError } from '../errors';
import type { DirectoryFlags } from '../ad/settings';
import { withDirectory } from './ad-shared';
import type { Deps } from './deps';

/** The spec file's bytes for `accounts` (the first is the container's gMSA), as `spec create` writes them. */
export function specBytes(facts: DomainFacts, accounts: readonly string[], hostAccount?: HostAccountConfig): Buffer {
  const built = buildCredentialSpec(facts, [...accounts], hostAccount ? { hostAccount } : {});
  return Buffer.from(serializeCredentialSpec(built), 'utf8');
}

/** Domain facts and the accounts' checked names, from Active Directory over one connection. */
export async function factsFromDirectory(flags: DirectoryFlags, accounts: readonly string[], deps: Deps): Promise<DomainFacts> {
  const { readDomain } = require('../ad/domain') as typeof import('../ad/domain');
  const { bareName, describeKind, findPrincipals, IDENTITY_ATTRS } = require('../ad/accounts') as typeof import('../ad/accounts');
  return withDirectory(flags, deps, async (dir) => {
    const domain = await readDomain(dir);
    const found = await findPrincipals(dir, domain, accounts, IDENTITY_ATTRS);
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
