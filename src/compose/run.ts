/**
 * The `docker gmsa compose` pipeline (cli/compose.ts reads the options and calls composeCommand):
 *
 * 1. the compose files, found as compose finds them (compose/discovery.ts) and read (compose/yaml-doc.ts);
 * 2. the project (compose/project.ts): which services ask for a gMSA (x-gmsa, credential_spec);
 * 3. the engine's profile (for convert and --dry-run, a Windows Server 2019 plan when there is no
 *    Windows engine to ask, with a warning); every x-gmsa's spec by the one spec lookup
 *    (cli/spec-lookup.ts), a credential_spec.file read from the store when this machine reads it;
 * 4. from 2019 on, the running containers outside the project of each gMSA with a fixed hostname (one
 *    pass over the engine's containers: engine/container-gmsa.ts), the evidence of the shared-hostname rule;
 * 5. the plan (compose/plan.ts planCompose) and the rewrite (the one edit pass, compose/rewrite.ts);
 * 6. convert prints the rewritten files; otherwise the changed files go to a private temporary folder and
 *    the user's compose client (compose/client.ts) runs on them, or --dry-run prints its command line.
 *
 * The user's files are never written.
 */
import { basename, join } from 'node:path';
import type { Deps } from '../cli/deps';
import { warn } from '../cli/deps';
import { localStore } from '../cli/run-spec';
import { offlineWanted, xGmsaLookup } from '../cli/spec-lookup';
import { makeReport, renderReport } from '../credspec/report';
import type { SpecStore } from '../credspec/store';
import { runningByGmsa, specReader, type GmsaPeer } from '../engine/container-gmsa';
import { assumedWindowsProfile, type HostProfile } from '../engine/profile';
import { FREE_HOSTNAME_BUILD } from '../engine/windows-builds';
import { located, GmsaError, NotFoundError, PassThroughExit, SpecInvalidError, UnsupportedEngineError, UsageError } from '../errors';
import { mergeComposeArgs, parseComposeArgs, scaleOverrides, startsContainers, type ComposeArgs } from './args';
import { discoverComposeFiles } from './discovery';
import { composeEdits, normalizeProjectName, planCompose, stableHostname, type GmsaSpec } from './plan';
import { readProject, where, type ComposeProject, type ComposeService, type GmsaRequest } from './project';
import { applyEdits, type RewrittenFile } from './rewrite';
import { readComposeFiles, type ComposeDoc } from './yaml-doc';

export interface ComposeLookupFlags {
  offline?: boolean;
}

/**
 * The whole `compose` command: `convert` (given as compose's command, after compose's own options)
 * prints the rewritten model; anything else runs the compose client.
 */
export async function composeCommand(args: ComposeArgs, deps: Deps, lookup: ComposeLookupFlags = {}): Promise<void> {
  if (args.command[0] === 'convert') {
    const more = parseComposeArgs(args.command.slice(1), { dryRun: args.dryRun, force: args.force, ...(args.root !== undefined ? { root: args.root } : {}), specMode: args.specMode });
    return convertCompose(mergeComposeArgs(args, more), deps, lookup);
  }
  return runCompose(args, deps, lookup);
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

export interface Prepared {
  args: ComposeArgs;
  projectDir: string;
  /** The files compose reads, with their texts ('-' read from standard input). */
  docs: ComposeDoc[];
  project?: ComposeProject;
  rewritten?: RewrittenFile[];
  notes: string[];
}

/** Discovery, parsing, planning and rewriting: everything but running. */
export async function prepareCompose(
  args: ComposeArgs,
  deps: Deps,
  lenient: boolean,
  hostnameFor?: (account: string, service: string) => string,
  lookup: ComposeLookupFlags = {},
): Promise<Prepared> {

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
    const at = (): string => where(req.site);
    if (req.kind === 'x-gmsa') {
      specs.set(svc.name, { account: req.account, choice: await find(req, at) });
    } else if (req.kind === 'file') {
      specs.set(svc.name, await readFileSpec(req.file, store, at(), deps));
    } else {
      specs.set(svc.name, {});
    }
  }

  const profiles = args.profiles.length > 0 ? args.profiles : (discovery.lookup('COMPOSE_PROFILES') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const projectName = normalizeProjectName(args.projectName ?? discovery.lookup('COMPOSE_PROJECT_NAME') ?? project.name ?? basename(discovery.projectDir));
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
): Promise<Map<string, GmsaPeer[]> | undefined> {
  if (profile.osType !== 'windows' || (profile.windowsBuild ?? FREE_HOSTNAME_BUILD) < FREE_HOSTNAME_BUILD) return undefined;
  const accounts = new Set(requested.filter((s) => s.hostname !== undefined).flatMap((s) => {
    const account = specs.get(s.name)?.account;
    return account ? [account.toLowerCase()] : [];
  }));
  if (accounts.size === 0) return undefined;
  const session = await deps.engine();
  const byAccount = await runningByGmsa(session.client, accounts, { read: specReader(store) });
  for (const [a, peers] of byAccount) byAccount.set(a, peers.filter((p) => p.composeProject !== projectName));
  return byAccount;
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
    deps.io.err(renderReport(makeReport(found.name, found.findings, found.encoding)));
    throw new SpecInvalidError(`${at}: ${found.name} is not a valid credential spec`, `Fix the errors above (docker gmsa spec validate ${found.name}).`);
  }
  return { account: found.spec.DomainJoinConfig.MachineAccountName, choice: { storeName: found.name, spec: found.spec } };
}

function flushNotes(deps: Deps, notes: readonly string[]): void {
  for (const n of notes) deps.io.err(`${n}\n`);
}

export async function convertCompose(args: ComposeArgs, deps: Deps, lookup: ComposeLookupFlags = {}): Promise<void> {
  if (args.command.length > 0) throw new UsageError(`convert takes no command (got ${args.command.join(' ')})`, "See 'docker gmsa compose convert --help'.");
  const prep = await prepareCompose(args, deps, true, undefined, lookup);
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

export async function runCompose(args: ComposeArgs, deps: Deps, lookup: ComposeLookupFlags = {}): Promise<void> {
  const client = require('./client') as typeof import('./client');
  const { dockerExecutable, globalArgs } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
  const { quoteCommand } = require('../engine/docker-args') as typeof import('../engine/docker-args');

  const prep = await prepareCompose(args, deps, args.dryRun, undefined, lookup);
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
