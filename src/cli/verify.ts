import type { Command } from 'commander';
import { collect } from './options';
import type { Deps } from './deps';
import type { VerifyOptions } from './verify-run';

export function registerVerify(program: Command, deps: Deps): void {
  const cmd = program
    .command('verify')
    .description('Check inside a container that its gMSA works: secure channel, trust, Kerberos ticket, identity')
    .argument('<container>', 'the container (name or ID)')
    .option('--domain <dns>', "the domain to verify against (default: the DnsName of the container's spec)")
    .option('--root <dir>', "Docker root folder whose CredentialSpecs holds the container's spec (when the engine's is not on this machine)")
    .option('--format <format>', 'table (default), json, or a template such as {{.OK}}')
    .option('--offline', "never ask Active Directory for the container's domain (env GMSA_OFFLINE=1)")
    .option('--server <url>', "domain controller to ask for the container's domain, ldaps://dc01.contoso.com (repeatable; env GMSA_LDAP_URL)", collect);
  cmd.addHelpText(
    'after',
    `
Runs, as Network Service inside the container, nltest /sc_verify:<domain> and klist get krbtgt, reads
both, and reports each check with what to do when it fails. Exit status 1 when a check fails.

The gMSA and domain are the container's credential spec's. When this machine cannot read that spec (a
file:// spec in a remote engine's CredentialSpecs folder), the gMSA is the label docker gmsa run put on
the container and the domain comes from the spec lookup (--root, the swarm's configs, Active Directory
through GMSA_DOMAIN, GMSA_LDAP_URL or --server, never with --offline); "spec for ACCOUNT: ..." on
standard error says which. --domain skips all of that.

Example:
  docker gmsa verify webapp01-1`,
  );
  cmd.action((name: string, o: VerifyOptions) => {
    const { verifyContainer } = require('./verify-run') as typeof import('./verify-run');
    return verifyContainer(name, o, deps);
  });
}
