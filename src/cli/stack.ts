/**
 * `docker gmsa stack deploy [--dry-run] [--windows-build N] [--root DIR] [--force] -c FILE... STACK [docker
 * stack deploy options]`: every service's credential spec (x-gmsa, credential_spec.file) goes into a
 * content-addressed swarm config that docker gmsa creates (or reuses) as `service create` does, and the
 * service gets `credential_spec: {config: NAME}` with NAME declared `external: true`, plus the hostname and
 * user the Windows build needs. The rewritten copies go to a private temporary folder and your docker CLI
 * runs `docker stack deploy` on them. Everything heavy loads inside the action.
 */
import type { Command } from 'commander';
import type { StackArgs, StackPreset } from '../compose/stack-args';
import type { StackSpec } from '../compose/stack';
import type { ComposeDoc } from '../compose/yaml-doc';
import type { ConfigPlan, SwarmConfig } from '../orchestrators/swarm-config';
import type { EngineSession } from '../engine/session';
import type { HostProfile } from '../engine/profile';
import { located, NotFoundError, PassThroughExit, SpecInvalidError, UnsupportedEngineError } from '../errors';
import type { Deps } from './deps';
import { warn } from './deps';
import { managerSession } from './swarm-session';

interface DeployOptions {
  offline?: boolean;
  dryRun?: boolean;
  force?: boolean;
  windowsBuild?: string;
  root?: string;
}



function printCommand(deps: Deps, argv: readonly string[]): string {
  const { commandLine } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
  return commandLine(deps.env, deps.globals, argv, deps.platform);
}

async function runDeploy(args: StackArgs, deps: Deps, lookupFlags: { offline?: boolean } = {}): Promise<void> {
  const nodePath = require('node:path') as typeof import('node:path');
  const { readProject, where } = require('../compose/project') as typeof import('../compose/project');
  const { hideConfigSpecs, planStack, applyStack } = require('../compose/stack') as typeof import('../compose/stack');
  const { stackDeployArgv } = require('../compose/stack-args') as typeof import('../compose/stack-args');
  const client = require('../compose/client') as typeof import('../compose/client');
  const { runDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
  const { localStore, xGmsaWording } = require('./run-spec') as typeof import('./run-spec');
  const { findSpec, offlineWanted } = require('./spec-lookup') as typeof import('./spec-lookup');
  const { planConfig, describeConfigPlan } = require('../orchestrators/swarm-config') as typeof import('../orchestrators/swarm-config');
  const { decideWindowsBuild } = require('../orchestrators/swarm-nodes') as typeof import('../orchestrators/swarm-nodes');
  const swarm = require('../orchestrators/swarm') as typeof import('../orchestrators/swarm');

  // The files first: YAML and shape errors before anything talks to the engine.
  const { readComposeFiles } = require('../compose/yaml-doc') as typeof import('../compose/yaml-doc');
  const docs = await readComposeFiles(args.files, deps.cwd, () => deps.io.readStdin());
  for (const d of docs) for (const w of d.warnings) deps.io.err(`Warning: ${w}\n`);
  const hidden = hideConfigSpecs(docs);
  const env = deps.env;
  const lookup = (n: string): string | undefined => (Object.prototype.hasOwnProperty.call(env, n) ? env[n] : undefined);
  const project = readProject(docs, lookup);
  const notes: string[] = [...project.notes];
  const first = docs[0] as ComposeDoc;
  const base = first.path === '-' ? deps.cwd : (deps.platform === 'win32' ? nodePath.win32 : nodePath.posix).dirname(first.path);

  const { session, profile } = await managerSession(deps, args.dryRun);
  const engine = session?.client;

  const requested = project.services.filter((s) => s.request && (s.request.kind === 'x-gmsa' || s.request.kind === 'file') && !hidden.services.has(s.name));
  if (requested.length > 0) notes.push(...project.unfollowed);
  const store = localStore(args.root, profile, deps.cwd);
  const looked = new Map<string, Promise<import('./spec-lookup').FoundSpecChoice>>();
  const plans = new Map<string, { plan: ConfigPlan; reuse?: SwarmConfig }>();
  const specs = new Map<string, StackSpec>();
  for (const svc of requested) {
    const req = svc.request as NonNullable<typeof svc.request>;
    const at = where(req.site);
    let spec: import('../credspec/model').CredentialSpec;
    if (req.kind === 'x-gmsa') {
      const key = `${req.account.toLowerCase()}\n${req.spec ?? ''}`;
      let found = looked.get(key);
      if (!found) {
        found = findSpec(
          {
            account: req.account,
            ...(req.spec !== undefined ? { spec: req.spec } : {}),
            ...(args.root !== undefined ? { root: args.root } : {}),
            cwd: base,
            ...(profile ? { profile } : {}),
            ...(engine ? { swarm: engine } : { swarmMissing: 'the swarm manager did not answer' }),
            offline: offlineWanted(lookupFlags.offline, deps.env),
            wording: xGmsaWording('nothing was deployed'),
          },
          deps,
        );
        looked.set(key, found);
      }
      spec = (await found.catch((err: unknown) => Promise.reject(located(err, at)))).spec;
    } else if (req.kind === 'file') {
      if (!store) {
        throw new UnsupportedEngineError(
          `${at}: credential_spec.file ${req.file} names a spec in the engine's CredentialSpecs folder, which is not on this machine`,
          `Point --root at a Docker root whose CredentialSpecs folder holds ${req.file}, or use x-gmsa: {account: ACCOUNT, spec: FILE}.`,
        );
      }
      const found = await store.read(req.file).catch((err: unknown) => {
        if (err instanceof NotFoundError) {
          throw new NotFoundError(`${at}: credential_spec.file ${req.file} is not in ${store.dir}`, 'Create it (docker gmsa spec create ACCOUNT), install it (docker gmsa spec install FILE), or use x-gmsa: ACCOUNT.');
        }
        throw located(err, at);
      });
      if (!found.spec) {
        const { makeReport, renderReport } = require('../credspec/report') as typeof import('../credspec/report');
        deps.io.err(renderReport(makeReport(found.name, found.findings, found.encoding)));
        throw new SpecInvalidError(`${at}: ${found.name} is not a valid credential spec; nothing was deployed`, `Fix the errors above (docker gmsa spec validate ${found.name}).`);
      }
      spec = found.spec;
    } else continue;
    const plan = planConfig(spec);
    let entry = plans.get(plan.sha256);
    if (!entry) {
      const reuse = engine ? await swarm.findReusable(engine, plan) : undefined;
      entry = reuse ? { plan, reuse } : { plan };
      plans.set(plan.sha256, entry);
    }
    specs.set(svc.name, { account: plan.account, configName: entry.reuse?.name ?? plan.name });
  }

  const nodes = engine && requested.length > 0 ? await swarm.readNodes(engine) : undefined;
  const othersOnSwarm = new Map<string, string[]>();
  if (engine) {
    for (const account of new Set([...specs.values()].map((s) => s.account.toLowerCase()))) othersOnSwarm.set(account, await swarm.servicesUsingAccount(engine, account));
  }
  const plan = planStack({
    project,
    stack: args.stack,
    lookup,
    specs,
    kept: hidden.services,
    buildFor: (constraints) =>
      decideWindowsBuild({ ...(args.windowsBuild !== undefined ? { explicit: args.windowsBuild } : {}), ...(nodes ? { nodes } : {}), constraints }),
    force: args.force,
    othersOnSwarm,
  });
  notes.push(...plan.notes);
  for (const n of notes) deps.io.err(`${n}\n`);

  const stdinUsed = docs.some((d) => d.path === '-');
  if (plan.decisions.length === 0 && !stdinUsed) {
    hidden.restore();
    deps.io.err('No service asks for a gMSA (x-gmsa or credential_spec.file); the files go to docker stack deploy unchanged.\n');
    const argv = stackDeployArgv(args.files, args);
    if (args.dryRun) {
      deps.io.out(printCommand(deps, argv) + '\n');
      return;
    }
    const status = await runDocker(deps.env, deps.globals, argv);
    if (status !== 0) throw new PassThroughExit(status);
    return;
  }

  const rewritten = applyStack(project, plan.decisions, hidden, { base, platform: deps.platform });
  const names = client.tempNames(rewritten.map((r) => r.file.path));
  const used = new Set(plan.decisions.map((d) => d.configName).filter((n): n is string => n !== undefined));
  const configs = [...plans.values()].filter((e) => used.has(e.reuse?.name ?? e.plan.name));

  if (args.dryRun) {
    const texts = rewritten.map((r) => ({ label: r.file.label, text: r.text.endsWith('\n') ? r.text : `${r.text}\n` }));
    deps.io.out(texts.length === 1 ? (texts[0] as { text: string }).text : texts.map((t) => `# ${t.label}\n${t.text}`).join('---\n'));
    const lines = ['', '# docker gmsa stack deploy --dry-run: nothing was created or deployed.'];
    for (const c of configs) {
      lines.push(...describeConfigPlan(c.plan, c.reuse).split('\n').filter((l) => l !== '' && !/^\s+(data:|\s\s)/.test(l)).map((l) => `# ${l}`));
    }
    lines.push(`# ${printCommand(deps, stackDeployArgv(names.map((n) => `<temporary folder>/${n}`), args))}`);
    deps.io.out(lines.join('\n') + '\n');
    return;
  }
  if (!engine) throw new Error('no manager session outside --dry-run');

  const created: Array<{ id: string; name: string }> = [];
  const temp = client.makeTempFolder();
  let status: number;
  try {
    const paths: string[] = [];
    for (const [i, r] of rewritten.entries()) {
      const p = nodePath.join(temp, names[i] as string);
      await client.writeTempFile(p, r.text);
      paths.push(p);
    }
    for (const c of configs) {
      const ensured = await swarm.ensureConfig(engine, c.plan, c.reuse);
      if (ensured.created) created.push(ensured);
      deps.io.err(ensured.created ? `Created config ${ensured.name} (${ensured.id}).\n` : `Using config ${ensured.name} (${ensured.id}): it already holds this spec.\n`);
    }
    status = await runDocker(deps.env, deps.globals, stackDeployArgv(paths, args));
  } finally {
    client.removeTempFolder(temp);
  }
  if (status !== 0) {
    for (const c of created) if (await swarm.removeQuietly(engine, c.id)) deps.io.err(`Removed config ${c.name} again: the stack was not deployed.\n`);
    throw new PassThroughExit(status);
  }
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
      const preset: StackPreset = { dryRun: o.dryRun === true, force: o.force === true };
      if (o.windowsBuild !== undefined) preset.windowsBuild = parseWindowsBuild(o.windowsBuild);
      if (o.root !== undefined) preset.root = o.root;
      return runDeploy(parseStackArgs(rest, preset), deps, { offline: o.offline === true });
    });
}

/** For tests. */
export const __test = { runDeploy };
