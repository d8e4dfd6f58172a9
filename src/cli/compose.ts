/**
 * `docker gmsa compose [--dry-run] [compose options] COMMAND ...` and `docker gmsa compose convert`: the
 * options; the pipeline (find and rewrite the compose files, run the user's compose client on the
 * copies) is compose/run.ts, loaded inside the actions with everything heavy.
 */
import type { Command } from 'commander';
import type { ComposeArgs } from '../compose/args';
import type { SpecMode } from '../engine/run-plan';
import { UsageError } from '../errors';
import type { Deps } from './deps';

interface ComposeOptions {
  dryRun?: boolean;
  force?: boolean;
  root?: string;
  specMode?: string;
  offline?: boolean;
}

function preset(o: ComposeOptions): Partial<Pick<ComposeArgs, 'dryRun' | 'force' | 'root' | 'specMode'>> {
  const p: Partial<Pick<ComposeArgs, 'dryRun' | 'force' | 'root' | 'specMode'>> = { dryRun: o.dryRun === true, force: o.force === true };
  if (o.root !== undefined) p.root = o.root;
  if (o.specMode !== undefined) {
    if (!['auto', 'file', 'raw'].includes(o.specMode)) throw new UsageError(`invalid --spec-mode "${o.specMode}"`, 'Use auto, file or raw.');
    p.specMode = o.specMode as SpecMode;
  }
  return p;
}


const HELP = `
docker gmsa reads the compose files as docker compose does (-f, COMPOSE_FILE, or compose.yaml and
compose.override.yaml found from the current folder upwards), rewrites the services that ask for a gMSA
and runs your compose client (docker compose, else docker-compose) on the rewritten copies with the rest
of your arguments. Your files are never changed; the copies go to a private temporary folder, and
--project-directory keeps relative paths (build contexts, env_file, volumes) pointing where they did.

A service asks for a gMSA with:
  x-gmsa: webapp01
  x-gmsa: {account: webapp01, spec: contoso_webapp01.json, network-service: true}
  credential_spec: {file: contoso_webapp01.json}     (or registry: NAME; config: is for swarm only)

It gets security_opt: [credentialspec=file://...] (raw:// when the spec is not in the engine's store),
and, by the engine's Windows build, the hostname (the gMSA name before Windows Server 2019, where two
services or replicas with one gMSA are refused; a unique name per service from 2019 on, where a hostname:
that another service, replica or running container of the same gMSA has is refused unless --force) and,
with network-service, user: NT AUTHORITY\\NETWORK SERVICE. Hyper-V isolation is refused on 1703-1803.

Examples:
  docker gmsa compose up -d
  docker gmsa compose -f compose.yaml -f compose.prod.yaml --dry-run up -d
  docker --context win2019 gmsa compose convert > rewritten.yaml`;

export function registerCompose(program: Command, deps: Deps): void {
  const compose = program
    .command('compose')
    .description("Run docker compose with the gMSA settings (x-gmsa, credential_spec) the engine's Windows build needs")
    .usage('[--dry-run] [--force] [--root DIR] [--spec-mode MODE] [compose options] COMMAND [ARGS...]')
    .argument('[compose-args...]', "docker compose's own options, COMMAND and its ARGS")
    .option('--dry-run', 'print the compose command and keep the rewritten files instead of running it')
    .option('--root <dir>', "Docker root folder whose CredentialSpecs holds the specs (when the engine's is not on this machine)")
    .option('--spec-mode <mode>', 'auto (file:// when the spec is in the engine store, else raw://), file or raw')
    .option('--offline', 'never build a spec from Active Directory (env GMSA_OFFLINE=1)')
    .option('--force', 'start services of one gMSA that share a hostname (2019+), though such containers lose trust')
    .helpCommand(false)
    .enablePositionalOptions()
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', HELP)
    .action(async (rest: string[], o: ComposeOptions) => {
      const { parseComposeArgs } = require('../compose/args') as typeof import('../compose/args');
      const { composeCommand } = require('../compose/run') as typeof import('../compose/run');
      return composeCommand(parseComposeArgs(rest, preset(o)), deps, { offline: o.offline === true });
    });

  compose
    .command('convert')
    .description('Print the rewritten compose file(s); nothing runs')
    .usage('[-f FILE]... [--root DIR] [--spec-mode MODE] [-p NAME] [--project-directory DIR] [--profile NAME] [--env-file FILE]')
    .argument('[compose-options...]', '-f, -p, --project-directory, --profile, --env-file as for docker compose')
    .option('--root <dir>', "Docker root folder whose CredentialSpecs holds the specs (when the engine's is not on this machine)")
    .option('--spec-mode <mode>', 'auto (file:// when the spec is in the engine store, else raw://), file or raw')
    .option('--offline', 'never build a spec from Active Directory (env GMSA_OFFLINE=1)')
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
With several files, each is printed after a "# FILE" line, separated by "---". Notes and warnings go to
standard error. Without a reachable Windows engine the plan is for Windows Server 2019 (a warning says so).`,
    )
    .action(async (rest: string[], o: ComposeOptions) => {
      const { parseComposeArgs } = require('../compose/args') as typeof import('../compose/args');
      const parentOpts = compose.opts<ComposeOptions>();
      const { convertCompose } = require('../compose/run') as typeof import('../compose/run');
      return convertCompose(parseComposeArgs(rest, preset({ ...parentOpts, ...o, dryRun: false })), deps, { offline: parentOpts.offline === true || o.offline === true });
    });
}
