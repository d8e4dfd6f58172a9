/**
 * `docker gmsa compose [--dry-run] [compose options] COMMAND ...` and `docker gmsa compose convert`: find
 * the compose files as compose does, rewrite the services that ask for a gMSA (x-gmsa, credential_spec)
 * into security_opt/hostname/user by the engine's Windows build, and run the user's compose client on
 * the rewritten copies. Everything heavy (yaml, the planner) loads inside the actions.
 */
import type { Command } from 'commander';
import { basename } from 'node:path';
import type { ComposeArgs } from '../compose/args';
import type { ComposeProject, ComposeService, GmsaRequest } from '../compose/project';
import type { GmsaSpec } from '../compose/plan';
import type { RewrittenFile } from '../compose/rewrite';
import type { ComposeDoc } from '../compose/yaml-doc';
import type { SpecStore } from '../credspec/store';
import { assumedWindowsProfile, type HostProfile } from '../engine/profile';
import type { SpecMode } from '../engine/run-plan';
import { located, GmsaError, NotFoundError, PassThroughExit, SpecInvalidError, UnsupportedEngineError, UsageError } from '../errors';
import type { Deps } from './deps';
import { warn } from './deps';

interface ComposeOptions {
  dryRun?: boolean;
  force?: boolean;
  root?: string;
  specMode?: string;
  offline?: boolean;
}


async function engineProfile(deps: Deps, lenient: boolean): Promise<HostProfile> {
  let profile: HostProfile;
  try {
    profile = await (await deps.engine()).profile();
  } catch (err) {
    if (!lenient || !(err instanceof GmsaError)) throw err;
    warn(deps, `${err.message}; planning for a Windows Server 2019 engine`);
    return assumedWindowsProfile();
  }
  if (lenient && profile.osType !== 'windows') {
    warn(deps, `the engine is a ${profile.osType} engine and cannot run gMSA containers; planning for a Windows Server 2019 engine`);
    return assumedWindowsProfile();
  }
  return profile;
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


interface Prepared {
  args: ComposeArgs;
  projectDir: string;
  /** The files compose reads, with their texts ('-' read from standard input). */
  docs: ComposeDoc[];
  project?: ComposeProject;
  rewritten?: RewrittenFile[];
  notes: string[];
}

/** Discovery, parsing, planning and rewriting: everything but running. */
async function prepare(
  args: ComposeArgs,
  deps: Deps,
  lenient: boolean,
  hostnameFor?: (account: string, service: string) => string,
  lookup: { offline?: boolean } = {},
): Promise<Prepared> {
  const { discoverComposeFiles } = require('../compose/discovery') as typeof import('../compose/discovery');
  const { readComposeFiles } = require('../compose/yaml-doc') as typeof import('../compose/yaml-doc');
  const { readProject, where } = require('../compose/project') as typeof import('../compose/project');
  const { composeEdits, planCompose, stableHostname, normalizeProjectName } = require('../compose/plan') as typeof import('../compose/plan');
  const { applyEdits } = require('../compose/rewrite') as typeof import('../compose/rewrite');
  const { localStore } = require('./run-spec') as typeof import('./run-spec');
  const { offlineWanted, xGmsaLookup } = require('./spec-lookup') as typeof import('./spec-lookup');
  const { scaleOverrides } = require('../compose/args') as typeof import('../compose/args');

  const discovery = discoverComposeFiles({
    files: args.files,
    ...(args.projectDirectory !== undefined ? { projectDirectory: args.projectDirectory } : {}),
    envFiles: args.envFiles,
    cwd: deps.cwd,
    env: deps.env,
    platform: deps.platform,
  });
  const notes = discovery.warnings.map((w) => `Warning: ${w}`);
  const out: Prepared = { args, projectDir: discovery.projectDir, docs: [], notes };
  if (discovery.files.length === 0) return out;

  for (const doc of await readComposeFiles(discovery.files, deps.cwd, () => deps.io.readStdin())) {
    notes.push(...doc.warnings.map((w) => `Warning: ${w}`));
    out.docs.push(doc);
  }
  const project = readProject(out.docs, discovery.lookup);
  out.project = project;
  notes.push(...project.notes);
  const requested = project.services.filter((s) => s.request !== undefined);
  if (requested.length === 0) return out;
  notes.push(...project.unfollowed);

  const profile = await engineProfile(deps, lenient);
  const store: SpecStore | undefined = localStore(args.root, profile, deps.cwd);
  const find = xGmsaLookup(
    { ...(args.root !== undefined ? { root: args.root } : {}), cwd: discovery.projectDir, profile, offline: offlineWanted(lookup.offline, deps.env) },
    'nothing was started',
    deps,
  );
  const specs = new Map<string, GmsaSpec>();
  for (const svc of requested) {
    const req = svc.request as GmsaRequest;
    const at = where(req.site);
    if (req.kind === 'x-gmsa') {
      specs.set(svc.name, { account: req.account, choice: await find(req, at) });
    } else if (req.kind === 'file') {
      specs.set(svc.name, await readFileSpec(req.file, store, at, deps));
    } else {
      specs.set(svc.name, {});
    }
  }

  const profiles = args.profiles.length > 0 ? args.profiles : (discovery.lookup('COMPOSE_PROFILES') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const projectName = normalizeProjectName(args.projectName ?? discovery.lookup('COMPOSE_PROJECT_NAME') ?? project.name ?? basename(discovery.projectDir));
  const { startsContainers } = require('../compose/args') as typeof import('../compose/args');
  const starts = args.command.length === 0 || startsContainers(args.command);
  const running = !lenient && starts ? await runningOutside(deps, profile, store, specs, requested, projectName) : undefined;
  const plan = planCompose({
    project,
    profile,
    specs,
    ...(running ? { running } : {}),
    force: args.force,
    starts,
    activeProfiles: profiles,
    scales: scaleOverrides(args.command),
    specMode: args.specMode,
    hostnameFor: hostnameFor ?? ((account, service) => stableHostname(projectName, account, service)),
  });
  notes.push(...plan.notes);
  out.rewritten = applyEdits(project, composeEdits(plan.decisions));
  return out;
}

/**
 * From 2019 on, the running containers outside this project of each gMSA whose service gives a hostname:
 * evidence for the shared-hostname rule (engine/container-gmsa.ts). The project's own containers are
 * left out: compose recreates or keeps them.
 */
async function runningOutside(
  deps: Deps,
  profile: HostProfile,
  store: SpecStore | undefined,
  specs: ReadonlyMap<string, GmsaSpec>,
  requested: readonly ComposeService[],
  projectName: string,
): Promise<Map<string, Array<{ name: string; hostname: string }>> | undefined> {
  const { FREE_HOSTNAME_BUILD } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
  if (profile.osType !== 'windows' || (profile.windowsBuild ?? FREE_HOSTNAME_BUILD) < FREE_HOSTNAME_BUILD) return undefined;
  const accounts = new Set(requested.filter((s) => s.hostname !== undefined).flatMap((s) => (specs.get(s.name)?.account ? [(specs.get(s.name)?.account as string).toLowerCase()] : [])));
  if (accounts.size === 0) return undefined;
  const { runningWithGmsa, specReader } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
  const session = await deps.engine();
  const out = new Map<string, Array<{ name: string; hostname: string }>>();
  for (const a of accounts) {
    const peers = await runningWithGmsa(session.client, a, { read: specReader(store) });
    out.set(a, peers.filter((p) => p.composeProject !== projectName));
  }
  return out;
}

/** credential_spec.file: read the spec from the store when it is here, to learn its gMSA. */
async function readFileSpec(file: string, store: SpecStore | undefined, at: string, deps: Deps): Promise<GmsaSpec> {
  if (!store || /[\\/]/.test(file)) return {};
  const found = await store.read(file).catch((err: unknown) => {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(
        `${at}: credential_spec.file ${file} is not in the engine's CredentialSpecs folder (${store.dir})`,
        `Create it (docker gmsa spec create ACCOUNT), install it (docker gmsa spec install FILE), or use x-gmsa: ACCOUNT.`,
      );
    }
    throw located(err, at);
  });
  if (!found.spec) {
    const { makeReport, renderReport } = require('../credspec/report') as typeof import('../credspec/report');
    deps.io.err(renderReport(makeReport(found.name, found.findings, found.encoding)));
    throw new SpecInvalidError(`${at}: ${found.name} is not a valid credential spec`, `Fix the errors above (docker gmsa spec validate ${found.name}).`);
  }
  return { account: found.spec.DomainJoinConfig.MachineAccountName, choice: { storeName: found.name, spec: found.spec } };
}

function flushNotes(deps: Deps, notes: readonly string[]): void {
  for (const n of notes) deps.io.err(`${n}\n`);
}

async function runConvert(args: ComposeArgs, deps: Deps, lookup: { offline?: boolean } = {}): Promise<void> {
  if (args.command.length > 0) throw new UsageError(`convert takes no command (got ${args.command.join(' ')})`, "See 'docker gmsa compose convert --help'.");
  const prep = await prepare(args, deps, true, undefined, lookup);
  flushNotes(deps, prep.notes);
  if (prep.docs.length === 0) {
    throw new NotFoundError(
      `no compose file found: none of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in ${prep.projectDir} or its parents`,
      'Name the file with -f FILE, or run in the project folder.',
    );
  }
  if (!prep.rewritten) deps.io.err('No service asks for a gMSA (x-gmsa or credential_spec); the files are unchanged.\n');
  const texts = prep.rewritten ? prep.rewritten.map((r) => ({ label: r.file.label, text: r.text })) : prep.docs.map((d) => ({ label: d.label, text: d.text }));
  if (texts.length === 1) {
    deps.io.out((texts[0] as { text: string }).text);
    return;
  }
  deps.io.out(texts.map((t) => `# ${t.label}\n${t.text.endsWith('\n') ? t.text : `${t.text}\n`}`).join('---\n'));
}

async function runCompose(args: ComposeArgs, deps: Deps, lookup: { offline?: boolean } = {}): Promise<void> {
  const client = require('../compose/client') as typeof import('../compose/client');
  const { dockerExecutable, globalArgs } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
  const { quoteCommand } = require('../engine/docker-args') as typeof import('../engine/docker-args');
  const { join } = require('node:path') as typeof import('node:path');

  const prep = await prepare(args, deps, args.dryRun, undefined, lookup);
  flushNotes(deps, prep.notes);

  let composeArgs: string[];
  let temp: string | undefined;
  const written: Array<{ path: string; from: string }> = [];
  const stdinUsed = prep.docs.some((d) => d.path === '-');
  if (!prep.rewritten && !stdinUsed) {
    composeArgs = args.passthrough;
  } else {
    temp = client.makeTempFolder();
    const files = prep.rewritten ?? prep.docs.map((file) => ({ file, changed: false, text: file.text }));
    const names = client.tempNames(files.map((f) => f.file.path));
    const paths: string[] = [];
    try {
      for (const [i, f] of files.entries()) {
        if (!f.changed && f.file.path !== '-') {
          paths.push(f.file.path);
          continue;
        }
        const p = join(temp, names[i] as string);
        await client.writeTempFile(p, f.text);
        paths.push(p);
        written.push({ path: p, from: f.file.label });
      }
    } catch (err) {
      client.removeTempFolder(temp);
      throw err;
    }
    composeArgs = [...paths.flatMap((p) => ['-f', p]), '--project-directory', prep.projectDir, ...args.globals, ...args.command];
  }

  const kind = await client.detectClient(deps.env, deps.globals, deps.platform);
  const target = kind.kind === 'standalone' ? client.standaloneTarget(deps.globals, deps.env, deps.platform, deps.homedir) : { args: [], env: deps.env };
  const argv = client.clientArgv(kind, target, composeArgs);
  if (args.dryRun) {
    if (kind.kind === 'none') warn(deps, 'neither docker compose (the plugin) nor docker-compose was found; showing the docker compose command');
    const line = argv.exe !== undefined ? [argv.exe, ...argv.args] : [dockerExecutable(deps.env), ...globalArgs(deps.globals), ...argv.args];
    deps.io.out(quoteCommand(line, deps.platform) + '\n');
    for (const w of written) deps.io.out(`# ${w.path}: rewritten from ${w.from} (kept)\n`);
    if (temp !== undefined && written.length === 0) client.removeTempFolder(temp);
    return;
  }
  let status: number;
  try {
    if (kind.kind === 'none') {
      throw new UnsupportedEngineError(
        'neither docker compose (the Docker Compose plugin) nor docker-compose was found',
        'Install Docker Compose (docker compose version must work), or see the rewritten files with docker gmsa compose convert.',
      );
    }
    status = await client.runClient(kind, argv, target.env, deps.globals);
  } finally {
    if (temp !== undefined) client.removeTempFolder(temp);
  }
  if (status !== 0) throw new PassThroughExit(status);
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
      const args = parseComposeArgs(rest, preset(o));
      if (args.command[0] === 'convert') {
        const more = parseComposeArgs(args.command.slice(1), { dryRun: args.dryRun, force: args.force, ...(args.root !== undefined ? { root: args.root } : {}), specMode: args.specMode });
        return runConvert(mergeArgs(args, more), deps, { offline: o.offline === true });
      }
      return runCompose(args, deps, { offline: o.offline === true });
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
      const args = parseComposeArgs(rest, preset({ ...parentOpts, ...o, dryRun: false }));
      return runConvert(args, deps, { offline: parentOpts.offline === true || o.offline === true });
    });
}

function mergeArgs(a: ComposeArgs, b: ComposeArgs): ComposeArgs {
  const out: ComposeArgs = {
    dryRun: a.dryRun || b.dryRun,
    force: a.force || b.force,
    specMode: b.specMode !== 'auto' ? b.specMode : a.specMode,
    files: [...a.files, ...b.files],
    profiles: [...a.profiles, ...b.profiles],
    envFiles: [...a.envFiles, ...b.envFiles],
    globals: [...a.globals, ...b.globals],
    command: b.command,
    passthrough: [...a.passthrough, ...b.passthrough],
  };
  const root = b.root ?? a.root;
  if (root !== undefined) out.root = root;
  const dir = b.projectDirectory ?? a.projectDirectory;
  if (dir !== undefined) out.projectDirectory = dir;
  const name = b.projectName ?? a.projectName;
  if (name !== undefined) out.projectName = name;
  return out;
}

/** For tests: the same preparation with an injected hostname source. */
export const __test = { prepare, assumedProfile: assumedWindowsProfile, mergeArgs };

