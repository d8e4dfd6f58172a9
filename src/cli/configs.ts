import type { Command } from 'commander';
import { EngineError, GmsaError } from '../errors';
import type { Deps } from './deps';
import { warn } from './deps';

interface LsOptions {
  account?: string;
  quiet?: boolean;
  format?: string;
}

interface PruneOptions {
  account?: string;
  force?: boolean;
}

async function managerClient(deps: Deps) {
  const { requireManager } = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');
  const session = await deps.engine();
  await requireManager(session);
  return session.client;
}

function registerLs(configs: Command, deps: Deps): void {
  configs
    .command('ls')
    .alias('list')
    .description('List the gMSA configs of the swarm and the services that use them')
    .option('--account <name>', 'only the configs of this gMSA')
    .option('-q, --quiet', 'only names')
    .option('--format <format>', 'table (default), json, or a template such as {{.Name}}')
    .action(async (o: LsOptions) => {
      const { parseFormat, renderListing } = require('../util/format') as typeof import('../util/format');
      const swarm = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');
      const { gmsaConfigs, describeUsers } = require('../orchestrators/swarm-prune') as typeof import('../orchestrators/swarm-prune');
      const client = await managerClient(deps);
      const [configs, services] = await Promise.all([swarm.readGmsaConfigs(client), client.listServices()]);
      const entries = gmsaConfigs(configs, services, o.account);
      if (o.quiet) {
        deps.io.out(entries.map((e) => `${e.config.name}\n`).join(''));
        return;
      }
      const format = parseFormat(o.format);
      if (format.kind === 'table' && entries.length === 0) deps.io.err('No gMSA configs in this swarm.\n');
      deps.io.out(
        renderListing(
          format,
          entries,
          [
            ['NAME', (e) => e.config.name],
            ['ACCOUNT', (e) => e.account],
            ['DOMAIN', (e) => e.domain ?? '-'],
            ['SHA256', (e) => e.sha256.slice(0, 12)],
            ['USED BY', (e) => describeUsers(e.users)],
          ],
          (e) => ({
            ID: e.config.id,
            Name: e.config.name,
            Account: e.account,
            Domain: e.domain ?? null,
            Sha256: e.sha256,
            CreatedAt: e.config.createdAt ?? null,
            Services: e.users.services,
            RollbackOf: e.users.rollback,
          }),
        ),
      );
    });
}

function registerPrune(configs: Command, deps: Deps): void {
  configs
    .command('prune')
    .description('Remove the gMSA configs that no service uses')
    .option('--account <name>', 'only the configs of this gMSA')
    .option('-f, --force', 'remove them (without it, only list what would be removed)')
    .addHelpText(
      'after',
      `
Only configs made by docker gmsa (labels io.docker-gmsa.account and io.docker-gmsa.sha256) are considered;
a config is unused when no service's spec names it, as its credential spec or among its configs, and no
service's previous spec does (docker service rollback would need it). Without --force nothing is removed:
the command lists what --force would remove, as plugins cannot ask for confirmation reliably.

Examples:
  docker gmsa configs prune
  docker gmsa configs prune --force --account webapp01`,
    )
    .action(async (o: PruneOptions) => {
      const swarm = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');
      const { planPrune, describeUsers } = require('../orchestrators/swarm-prune') as typeof import('../orchestrators/swarm-prune');
      const client = await managerClient(deps);
      const [configs, services] = await Promise.all([swarm.readGmsaConfigs(client), client.listServices()]);
      const plan = planPrune(configs, services, o.account);
      for (const k of plan.keep) deps.io.err(`Keeping ${k.config.name}: used by ${describeUsers(k.users)}.\n`);
      if (plan.remove.length === 0) {
        deps.io.err(`No unused gMSA configs${o.account ? ` of ${o.account}` : ''}.\n`);
        return;
      }
      if (!o.force) {
        for (const r of plan.remove) deps.io.out(`Would remove ${r.config.name} (${r.account})\n`);
        deps.io.err(`Nothing was removed: run again with --force to remove ${plan.remove.length === 1 ? 'this config' : `these ${plan.remove.length} configs`}.\n`);
        return;
      }
      const failed: string[] = [];
      for (const r of plan.remove) {
        try {
          await client.removeConfig(r.config.id);
          deps.io.out(`Removed ${r.config.name} (${r.account})\n`);
        } catch (err) {
          if (!(err instanceof GmsaError)) throw err;
          // Taken into use since the listing: the engine refuses, and that is the right outcome.
          if (/in use/i.test(err.message)) {
            deps.io.err(`Keeping ${r.config.name}: a service started using it.\n`);
            continue;
          }
          if (/not found|\b404\b/i.test(err.message)) continue;
          warn(deps, err.message);
          failed.push(r.config.name);
        }
      }
      if (failed.length > 0) {
        throw new EngineError(`could not remove ${failed.join(', ')}`, 'See the warnings above; retry, or remove them with docker config rm.');
      }
    });
}

export function registerConfigs(program: Command, deps: Deps): void {
  const configs = program
    .command('configs')
    .description('The swarm configs that hold credential specs: list them, remove the unused ones');
  registerLs(configs, deps);
  registerPrune(configs, deps);
}
