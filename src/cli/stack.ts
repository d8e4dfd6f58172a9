/**
 * `docker gmsa stack deploy [--dry-run] [--windows-build N] [--root DIR] [--force] -c FILE... STACK [docker
 * stack deploy options]`: every service's credential spec (x-gmsa, credential_spec.file) goes into a
 * content-addressed swarm config that docker gmsa creates (or reuses) as `service create` does, and the
 * service gets `credential_spec: {config: NAME}` with NAME declared `external: true`, plus the hostname and
 * user the Windows build needs. The rewritten copies go to a private temporary folder and your docker CLI
 * runs `docker stack deploy` on them. The options are read here; the pipeline is
 * orchestrators/stack-deploy.ts, loaded inside the action with everything heavy.
 */
import type { Command } from 'commander';
import type { StackPreset } from '../compose/stack-args';
import type { Deps } from './deps';

interface DeployOptions {
  offline?: boolean;
  dryRun?: boolean;
  force?: boolean;
  windowsBuild?: string;
  root?: string;
}

const HELP = `
Run it against a swarm manager. For every service with x-gmsa (ACCOUNT, or {account, spec, network-service})
or credential_spec: {file: NAME.json}, docker gmsa stores the credential spec as a swarm config named
gmsa-<netbios>_<account>-<hash> with the labels of docker gmsa service create (a config with the same
content is reused, whatever stack or service made it), and gives the service

  credential_spec: {config: gmsa-...}     with configs: {gmsa-...: {external: true}} at the top level

so the spec travels with the stack and no node needs a copy. x-gmsa: ACCOUNT finds its spec in --root's
CredentialSpecs folder, else the swarm's newest gMSA config for ACCOUNT, else builds it from Active
Directory (GMSA_DOMAIN or GMSA_LDAP_URL; never with --offline) as spec create does. The hostname follows the Windows build of
the nodes (--windows-build N, else the io.docker-gmsa.windows-build labels of the Windows nodes the
service's placement constraints allow, else 2019 or later): before 17763 it is the gMSA name and more than
one task per gMSA is refused (--force to accept it); from 17763 each task gets its own, <account>-<task
id>, unless the service sets hostname:. network-service: true gives user: NT AUTHORITY\\NETWORK SERVICE.
security_opt credentialspec entries (ignored by docker stack deploy) are dropped with a warning, and a
credential_spec: {config: NAME} of your own is left as it is.

Your files are never changed: the rewritten copies go to a private temporary folder (relative paths made
absolute), docker stack deploy runs on them through your docker CLI with the rest of your options, and
the folder is removed afterwards. --dry-run prints the rewritten file(s) and the command and creates
nothing. docker gmsa configs prune removes configs no service uses any more.

Examples:
  docker gmsa stack deploy -c compose.yaml web
  docker gmsa stack deploy --windows-build 14393 --dry-run -c compose.yaml -c prod.yaml --prune web`;

export function registerStack(program: Command, deps: Deps): void {
  const stack = program.command('stack').description('Swarm stacks whose services run as a gMSA: the specs as swarm configs');
  stack
    .command('deploy')
    .alias('up')
    .description('Deploy a stack with its credential specs (x-gmsa, credential_spec.file) as swarm configs')
    .usage('[--dry-run] [--windows-build N] [--root DIR] [--force] -c FILE... [docker stack deploy options] STACK')
    .argument('[args...]', '-c FILE..., STACK and docker stack deploy\'s own options')
    .option('--dry-run', 'print the rewritten file(s) and the docker command; create nothing')
    .option('--windows-build <n>', "the Windows build of the nodes (default: the nodes' io.docker-gmsa.windows-build labels, else 17763+)")
    .option('--root <dir>', "Docker root folder whose CredentialSpecs holds the specs (when the engine's is not on this machine)")
    .option('--force', 'deploy even when the build allows one container per gMSA and more could run')
    .option('--offline', 'never build a spec from Active Directory (env GMSA_OFFLINE=1)')
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', HELP)
    .action(async (rest: string[], o: DeployOptions) => {
      const { parseStackArgs, parseWindowsBuild } = require('../compose/stack-args') as typeof import('../compose/stack-args');
      const { deployStack } = require('../orchestrators/stack-deploy') as typeof import('../orchestrators/stack-deploy');
      const preset: StackPreset = { dryRun: o.dryRun === true, force: o.force === true };
      if (o.windowsBuild !== undefined) preset.windowsBuild = parseWindowsBuild(o.windowsBuild);
      if (o.root !== undefined) preset.root = o.root;
      return deployStack(parseStackArgs(rest, preset), deps, { offline: o.offline === true });
    });
}
