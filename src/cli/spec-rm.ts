import type { Command } from 'commander';
import { GmsaError, NotFoundError } from '../errors';
import type { Deps } from './deps';
import { openStore, rootOption } from './spec-shared';

export function registerSpecRm(spec: Command, deps: Deps): void {
  spec
    .command('rm')
    .alias('remove')
    .description('Remove credential specs from the store')
    .argument('<name...>', 'spec names as `spec ls` shows them (.json optional)')
    .addOption(rootOption())
    .addHelpText('after', '\nExample:\n  docker gmsa spec rm contoso_webapp01')
    .action(async (names: string[], o: { root?: string }) => {
      const { store } = await openStore(o.root, deps);
      const failures: GmsaError[] = [];
      for (const name of names) {
        try {
          const { path } = await store.remove(name);
          deps.io.out(`${path}\n`);
        } catch (err) {
          if (!(err instanceof GmsaError) || names.length === 1) throw err;
          deps.io.err(`Error: ${err.message}\n`);
          failures.push(err);
        }
      }
      if (failures.length > 0) {
        throw new NotFoundError(`${failures.length} of ${names.length} specs were not removed`, 'See the errors above; `docker gmsa spec ls` lists the names.');
      }
    });
}
