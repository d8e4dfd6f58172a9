/**
 * The `docker gmsa stack deploy` pipeline (cli/stack.ts parses the options and calls deployStack):
 *
 * 1. the compose files, read and checked before anything talks to the engine; a user's own
 *    `credential_spec: {config: X}` hidden from the compose reader (compose/stack.ts hideConfigSpecs);
 * 2. the swarm manager (none with --dry-run when it does not answer: a warning says so);
 * 3. every requested service's spec: x-gmsa by the one spec lookup (cli/spec-lookup.ts findSpec: --root's
 *    store, the swarm's gMSA configs, Active Directory), credential_spec.file from the store of --root or
 *    the engine; each as a content-addressed config (orchestrators/swarm-config.ts), an identical one on the
 *    swarm reused;
 * 4. the plan (compose/stack.ts planStack: the nodes' Windows build, hostname and user rules) and the
 *    rewrite (the one edit pass, compose/rewrite.ts);
 * 5. --dry-run prints the files, the configs and the command; otherwise the copies go to a private
 *    temporary folder, the configs are created, the user's docker CLI runs docker stack deploy on the
 *    copies, and configs this run created are removed again when it fails.
 *
 * Files without a gMSA service go to docker stack deploy unchanged.
 */
import * as nodePath from 'node:path';
import type { Deps } from '../cli/deps';
import { localStore } from '../cli/run-spec';
import { offlineWanted, xGmsaLookup } from '../cli/spec-lookup';
import { managerSession } from '../cli/swarm-session';
import * as client from '../compose/client';
import { readProject, where } from '../compose/project';
import { applyStack, hideConfigSpecs, planStack, type StackSpec } from '../compose/stack';
import { stackDeployArgv, type StackArgs } from '../compose/stack-args';
import { readComposeFiles, type ComposeDoc } from '../compose/yaml-doc';
import type { CredentialSpec } from '../credspec/model';
import { makeReport, renderReport } from '../credspec/report';
import { commandLine, runDocker } from '../engine/docker-cli';
import { located, NotFoundError, PassThroughExit, SpecInvalidError, UnsupportedEngineError } from '../errors';
import * as swarm from './swarm';
import { describeConfigPlan, planConfig, type ConfigPlan, type SwarmConfig } from './swarm-config';
import { decideWindowsBuild } from './swarm-nodes';

function printCommand(deps: Deps, argv: readonly string[]): string {
  return commandLine(deps.env, deps.globals, argv, deps.platform);
}

export async function deployStack(args: StackArgs, deps: Deps, lookupFlags: { offline?: boolean } = {}): Promise<void> {
  // The files first: YAML and shape errors before anything talks to the engine.
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
  const find = xGmsaLookup(
    {
      ...(args.root !== undefined ? { root: args.root } : {}),
      cwd: base,
      ...(profile ? { profile } : {}),
      ...(engine ? { swarm: engine } : { swarmMissing: 'the swarm manager did not answer' }),
      offline: offlineWanted(lookupFlags.offline, deps.env),
    },
    'nothing was deployed',
    deps,
  );
  const plans = new Map<string, { plan: ConfigPlan; reuse?: SwarmConfig }>();
  const specs = new Map<string, StackSpec>();
  for (const svc of requested) {
    const req = svc.request as NonNullable<typeof svc.request>;
    const at = where(req.site);
    let spec: CredentialSpec;
    if (req.kind === 'x-gmsa') {
      spec = (await find(req, () => at)).spec;
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
