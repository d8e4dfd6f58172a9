/** The swarm manager the command works on; with --dry-run, none when it cannot be reached (a warning says so). */
import { GmsaError } from '../errors';
import type { HostProfile } from '../engine/profile';
import type { EngineSession } from '../engine/session';
import type { Deps } from './deps';
import { warn } from './deps';

export async function managerSession(deps: Deps, dryRun: boolean | undefined): Promise<{ session?: EngineSession; profile?: HostProfile }> {
  const { requireManager } = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');
  try {
    const session = await deps.engine();
    const profile = await requireManager(session);
    return { session, profile };
  } catch (err) {
    if (!dryRun || !(err instanceof GmsaError)) throw err;
    warn(deps, `${err.message}; planning without the swarm's configs and nodes`);
    return {};
  }
}
