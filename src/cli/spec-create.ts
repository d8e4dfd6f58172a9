import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { ccgHostAccount, type DomainFacts, type HostAccountConfig } from '../credspec/model';
import { checkSpecName, defaultSpecFileName } from '../credspec/naming';
import { ConflictError, DockerConfigError, EngineError, GmsaError, InvalidInputError, UnsupportedEngineError, UsageError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { specialFileSystem } from '../util/safe-fs';
import type { DirectoryFlags } from '../ad/settings';
import { addDirectoryOptions, DIRECTORY_HELP } from './ad-shared';
import type { Deps } from './deps';
import { collect, splitList } from './options';
import { factsFromDirectory, specWriter } from './spec-build';
import { openStore, rootOption } from './spec-shared';

interface CreateOptions extends DirectoryFlags {
  additionalAccounts?: string[];
  name?: string;
  path?: string;
  clobber: boolean;
  offline?: boolean;
  domainDns?: string;
  netbios?: string;
  domainSid?: string;
  domainGuid?: string;
  forest?: string;
  ccgPlugin?: string;
  ccgInput?: string;
  root?: string;
  dryRun?: boolean;
}

const NO_CLOBBER_HINT = 'Leave out --no-clobber to replace it, or pick another file with --name or --path.';
const NO_ENGINE_HINT = 'Or create the spec without the engine: --path FILE writes it to a file (--path - prints it), --root DIR writes it into a Docker root folder.';

/** The domain facts from the --offline flags; every missing one is named at once. */
function offlineFacts(o: CreateOptions): DomainFacts {
  const missing = (
    [
      ['--domain-dns', o.domainDns],
      ['--netbios', o.netbios],
      ['--domain-sid', o.domainSid],
      ['--domain-guid', o.domainGuid],
    ] as const
  )
    .filter(([, v]) => !v)
    .map(([f]) => f);
  if (missing.length > 0) {
    throw new UsageError(
      `--offline needs ${missing.join(', ')}`,
      'Give the domain facts: --domain-dns contoso.com --netbios CONTOSO --domain-sid S-1-5-21-... --domain-guid GUID.',
    );
  }
  return {
    dnsName: o.domainDns as string,
    netbiosName: o.netbios as string,
    domainSid: o.domainSid as string,
    domainGuid: o.domainGuid as string,
    ...(o.forest ? { forestDnsName: o.forest } : {}),
  };
}

function hostAccount(o: CreateOptions): HostAccountConfig | undefined {
  if (o.ccgPlugin === undefined && o.ccgInput === undefined) return undefined;
  if (o.ccgPlugin === undefined || o.ccgInput === undefined) {
    throw new UsageError(
      '--ccg-plugin and --ccg-input go together',
      'Example: --ccg-plugin azure-keyvault --ccg-input "ObjectId=...;SecretUri=..."',
    );
  }
  return ccgHostAccount(o.ccgPlugin, o.ccgInput);
}

export function registerSpecCreate(spec: Command, deps: Deps): void {
  const cmd = spec
    .command('create')
    .description('Create a credential spec for each gMSA (into the store unless --path)')
    .argument('<account...>', 'gMSA name(s); each gets its own spec')
    .option('--additional-accounts <list>', 'more gMSAs the container may use (comma-separated, repeatable)', collect)
    .option('--name <name>', 'file name in the store (default <netbios>_<account>.json)')
    .option('--path <path>', 'write to this file instead of the store; - for standard output')
    .option('--no-clobber', 'refuse to replace an existing spec file')
    .option('--dry-run', 'check the accounts and print where the specs would go, writing nothing')
    .option('--offline', 'build from the domain facts given as flags instead of reading Active Directory')
    .option('--domain-dns <dns>', 'domain DNS name, e.g. contoso.com (with --offline)')
    .option('--netbios <name>', 'domain NetBIOS name, e.g. CONTOSO (with --offline)')
    .option('--domain-sid <sid>', "the DOMAIN's SID S-1-5-21-a-b-c, not the gMSA's (with --offline)")
    .option('--domain-guid <guid>', "the domain's objectGUID (with --offline)")
    .option('--forest <dns>', 'forest root DNS name (default: the domain DNS name)')
    .option('--ccg-plugin <plugin>', 'non-domain-joined hosts: azure-keyvault, aws-ecs, credentials-fetcher, rancher or a plugin GUID')
    .option('--ccg-input <input>', 'the plugin input: ObjectId=...;SecretUri=... (azure-keyvault), a secret ARN (aws-ecs, credentials-fetcher), NAMESPACE:SECRET (rancher)')
    .addOption(rootOption());
  addDirectoryOptions(cmd)
    .addHelpText(
      'after',
      `
Without --offline the domain facts come from Active Directory, and every account must be a gMSA there.
${DIRECTORY_HELP}

Examples:
  docker gmsa spec create webapp01 --domain contoso.com --user admin@contoso.com
  docker gmsa spec create webapp01 webapp02 api01 --server ldaps://dc01.contoso.com
  docker gmsa spec create webapp01 --offline --domain-dns contoso.com --netbios CONTOSO \\
      --domain-sid S-1-5-21-1111111111-2222222222-3333333333 \\
      --domain-guid b8453a02-7d3f-4dc2-9c73-c3d57f725694
  docker gmsa spec create webapp01 --additional-accounts sqlreader --path - --offline ...`,
    )
    .action(async (accounts: string[], o: CreateOptions) => {
      if (o.name !== undefined && o.path !== undefined) {
        throw new UsageError('--name and --path cannot be used together', '--name names a file in the store; --path writes anywhere else.');
      }
      if (accounts.length > 1 && (o.name !== undefined || o.path !== undefined)) {
        throw new UsageError(
          `--name and --path take one account, and ${accounts.length} were given`,
          'Run spec create once per account, or drop --name/--path to use the default names.',
        );
      }
      // One spec per account; an account named twice (in any case) is one account.
      const unique = [...new Map(accounts.map((a) => [a.trim().toLowerCase(), a] as const)).values()];
      const extra = splitList(o.additionalAccounts);
      const facts = o.offline ? offlineFacts(o) : await factsFromDirectory(o, [...unique, ...extra], deps);
      const ccg = hostAccount(o);
      const write = specWriter(facts, ccg);
      const plans = unique.map((account) => ({
        name: o.name !== undefined ? checkSpecName(o.name) : defaultSpecFileName(facts.netbiosName, account),
        bytes: write([account, ...extra]),
      }));

      if (o.path === '-') {
        deps.io.out(plans[0]?.bytes.toString('utf8') ?? '');
        return;
      }
      if (o.path !== undefined) {
        const target = resolve(deps.cwd, o.path);
        // A temp file and a rename in /dev or /proc could replace what the system keeps there (/dev/stdout).
        const special = await specialFileSystem(dirname(target));
        if (special !== undefined) {
          throw new InvalidInputError(`--path ${target} is on ${special}`, 'Write the spec to a file on an ordinary disk, or print it with --path -.');
        }
        if (o.dryRun) {
          deps.io.out(`Would write ${target}\n`);
          return;
        }
        await writeFileAtomic(target, plans[0]?.bytes ?? '', { overwrite: o.clobber }).catch((err: unknown) => {
          throw err instanceof ConflictError ? new ConflictError(err.message, NO_CLOBBER_HINT) : err;
        });
        deps.io.out(`${target}\n`);
        return;
      }
      const { store } = await openStore(o.root, deps).catch((err: unknown) => {
        // No engine to ask where its store is: say how to do without one.
        if (!(err instanceof EngineError || err instanceof UnsupportedEngineError || err instanceof DockerConfigError)) throw err;
        const Ctor = err.constructor as new (message: string, hint?: string) => GmsaError;
        throw new Ctor(err.message, `${err.hint ?? ''} ${NO_ENGINE_HINT}`.trim());
      });
      if (o.dryRun) {
        await store.checkRoot();
        deps.io.out(plans.map((p) => `Would write ${store.pathFor(p.name)}\n`).join(''));
        return;
      }
      // One batch: every name and spec is checked, and conflicts found, before any file is written.
      const results = await store.installMany(plans, { force: o.clobber }).catch((err: unknown) => {
        throw err instanceof ConflictError ? new ConflictError(err.message, NO_CLOBBER_HINT) : err;
      });
      for (const r of results) {
        if (r.replaced) deps.io.err(`Replaced ${r.path}\n`);
        deps.io.out(`${r.path}\n`);
      }
    });
}
