import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { DirectoryError } from '../errors';
import { parseFormat, renderListing, renderObject } from '../util/format';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';
import { warn } from './deps';

const NO_CONTAINER_HINT =
  'The forest has no Group Key Distribution Service container: raise it to the 2012 level (on Samba: samba-tool domain functionalprep --function-level=2012_R2).';

export function registerKds(program: Command, deps: Deps): void {
  const kds = program.command('kds').description('KDS root keys: whether gMSA passwords can be issued, and creating a key');

  const status = kds.command('status').description('List the KDS root keys and say whether gMSA passwords can be issued now').option('--format <format>', 'table (default), json, or a template such as {{.Usable}}');
  addDirectoryOptions(status).addHelpText('after', `${DIRECTORY_HELP}\n\nExample:\n  docker gmsa kds status`);
  status.action(async (o: DirectoryFlags & { format?: string }) => {
    const format = parseFormat(o.format);
    const { readRootDse } = require('../ad/domain') as typeof import('../ad/domain');
    const { containerExists, kdsStatus, listRootKeys } = require('../ad/kds') as typeof import('../ad/kds');
    await withDirectory(o, deps, async (dir) => {
      const { configDn } = await readRootDse(dir);
      if (!(await containerExists(dir, configDn))) throw new DirectoryError('the KDS root key container does not exist', NO_CONTAINER_HINT);
      const st = kdsStatus(await listRootKeys(dir, configDn), new Date());
      const rows = st.keys.map((k) => ({
        ID: k.id,
        Created: k.created?.toISOString() ?? null,
        UseStart: k.useStart?.toISOString() ?? null,
        UsableFrom: k.usableFrom?.toISOString() ?? null,
        UsableNow: k.usableFrom !== undefined && k.usableFrom.getTime() <= Date.now(),
        DomainController: k.domainController ?? null,
      }));
      const summary = st.usable
        ? 'gMSA passwords can be issued now.'
        : st.usableAt
          ? `gMSA passwords cannot be issued until ${st.usableAt.toISOString()} (10 hours after the key's start time, for replication).`
          : 'No KDS root key: gMSA passwords cannot be issued. Create one with `docker gmsa kds create`.';
      if (format.kind !== 'table') {
        // json and templates see one object: the verdict and the keys ({{range .Keys}}{{.ID}}{{end}}).
        deps.io.out(renderObject(format, { Usable: st.usable, UsableAt: st.usableAt?.toISOString() ?? null, Keys: rows }, () => ''));
        return;
      }
      deps.io.out(
        renderListing(
          format,
          rows,
          [
            ['KEY ID', (r) => r.ID],
            ['CREATED', (r) => r.Created ?? '-'],
            ['USABLE FROM', (r) => r.UsableFrom ?? '-'],
            ['USABLE NOW', (r) => (r.UsableNow ? 'yes' : 'no')],
          ],
          (r) => r,
        ),
      );
      deps.io.out(`\n${summary}\n`);
    });
  });

  const create = kds
    .command('create')
    .description('Create a KDS root key (usable by DCs 10 hours after its start time)')
    .option('--backdate-10h', 'start it 10 hours in the past so it is usable at once: for single-DC labs only');
  addDirectoryOptions(create).addHelpText(
    'after',
    `
A DC uses a root key only 10 hours after its start time, so that every DC has it by then. In a lab with a
single DC, --backdate-10h makes it usable at once; never do that in a domain with several DCs.
${DIRECTORY_HELP}

Examples:
  docker gmsa kds create
  docker gmsa kds create --backdate-10h     # single-DC lab`,
  );
  create.action(async (o: DirectoryFlags & { backdate10h?: boolean }) => {
    const { readRootDse } = require('../ad/domain') as typeof import('../ad/domain');
    const { containerExists, createRootKey, KDS_WAIT_MS } = require('../ad/kds') as typeof import('../ad/kds');
    if (o.backdate10h) {
      warn(deps, 'BACKDATING the root key by 10 hours: DCs that have not replicated it yet will fail to issue gMSA passwords. Single-DC labs only.');
    }
    await withDirectory(o, deps, async (dir) => {
      const { configDn } = await readRootDse(dir);
      if (!(await containerExists(dir, configDn))) throw new DirectoryError('the KDS root key container does not exist', NO_CONTAINER_HINT);
      const now = new Date();
      const key = await createRootKey(dir, configDn, now, o.backdate10h ? new Date(now.getTime() - KDS_WAIT_MS) : now);
      deps.io.out(`${key.id}\n`);
      deps.io.err(
        o.backdate10h
          ? 'Created a backdated root key: gMSA passwords can be issued now.\n'
          : `Created a root key: DCs use it from ${key.usableFrom?.toISOString()} (in 10 hours).\n`,
      );
    });
  });
}
