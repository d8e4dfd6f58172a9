/**
 * `docker gmsa compose` as a pure planner: for every service that asks for a gMSA, the security_opt,
 * hostname and user it gets under the engine's Windows build, by the same rules as `docker gmsa run`
 * (engine/run-plan.ts), or a refusal naming the file, the service and the fix; `composeEdits` turns the
 * decisions into edits for the one edit pass (compose/rewrite.ts, shared with `stack deploy`).
 */
import { createHash } from 'node:crypto';
import { isCredentialSpecOpt } from '../credspec/option';
import { BuildRuleError, UnsupportedEngineError, UsageError } from '../errors';
import { refusalError, sharedHostnameRefusal } from '../engine/build-rules';
import type { HostProfile } from '../engine/profile';
import {
  chooseDelivery,
  decideHostname,
  effectiveIsolation,
  hypervGmsaBroken,
  machineIdentityTooEarly,
  makeUniqueHostname,
  NETWORK_SERVICE,
  type SpecChoice,
  type SpecMode,
} from '../engine/run-plan';
import { FIRST_GMSA_BUILD, FREE_HOSTNAME_BUILD, releaseName } from '../engine/windows-builds';
import { escapeInterpolation } from './env';
import { CREDENTIAL_SPEC_KEY, GMSA_KEY, isActive, where, type ComposeProject, type ComposeService, type GmsaRequest } from './project';
import type { EditPlan, KeyEdit } from './rewrite';

/** What docker gmsa learned about a service's spec before planning. */
export interface GmsaSpec {
  /** The gMSA, when known (x-gmsa, or read from the spec file named by credential_spec.file). */
  account?: string;
  /** For x-gmsa: the spec and whether it is in the engine's store. */
  choice?: SpecChoice;
}

export interface ComposePlanInput {
  project: ComposeProject;
  profile: HostProfile;
  /** By service name, for every service with a request. */
  specs: ReadonlyMap<string, GmsaSpec>;
  /** The profiles compose will run with (--profile, else COMPOSE_PROFILES). */
  activeProfiles: readonly string[];
  /** `up --scale SERVICE=N`. */
  scales: ReadonlyMap<string, number>;
  specMode: SpecMode;
  /** The hostname for a service on 17763+ when none is given (injected so tests are deterministic). */
  hostnameFor: (account: string, service: string) => string;
  /**
   * Running containers of each gMSA (by lower-case name) outside this project, with their hostnames: the
   * shared-hostname rule's evidence from the engine (none given: only the project's own services count).
   */
  running?: ReadonlyMap<string, ReadonlyArray<{ name: string; hostname: string }>>;
  /** --force: services of one gMSA may share a hostname (2019+), with a warning. */
  force?: boolean;
  /** Whether the compose command starts containers (up, run, create...): the shared-hostname rule applies (default true). */
  starts?: boolean;
}

export interface ServiceDecision {
  service: ComposeService;
  request: GmsaRequest;
  account?: string;
  /** The security_opt entry to add: credentialspec=file://..., raw://... or registry://... */
  securityOpt: string;
  /** A hostname to set (undefined: keep the given one, or none for several replicas). */
  hostname?: string;
  /** A user to set (Network Service). */
  user?: string;
}

export interface ComposePlan {
  decisions: ServiceDecision[];
  notes: string[];
}

/** A project-wide stable hostname: the gMSA name cut short and four characters from project and service. */
export function stableHostname(project: string, account: string, service: string, attempt = 0): string {
  return makeUniqueHostname(account, () => createHash('sha256').update(`${project}\n${service}\n${attempt}`).digest('hex'));
}

/** Compose's project name rules: lower case, only a-z 0-9 _ - (a leading letter or digit). */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
}

function identityOf(req: GmsaRequest, spec: GmsaSpec | undefined): string {
  if (spec?.account) return `account:${spec.account.toLowerCase()}`;
  if (req.kind === 'file') return `file:${req.file.toLowerCase()}`;
  if (req.kind === 'registry') return `registry:${req.value.toLowerCase()}`;
  return `account:${req.account.toLowerCase()}`;
}

function gmsaLabel(req: GmsaRequest, spec: GmsaSpec | undefined): string {
  if (spec?.account) return spec.account;
  if (req.kind === 'file') return `the spec ${req.file}`;
  if (req.kind === 'registry') return `the registry spec ${req.value}`;
  return req.account;
}

export function planCompose(input: ComposePlanInput): ComposePlan {
  const p = input.profile;
  const requested = input.project.services.filter((s) => s.request !== undefined);
  const notes: string[] = [];
  if (requested.length === 0) return { decisions: [], notes };
  const first = (requested[0] as ComposeService).request as GmsaRequest;
  if (p.osType !== 'windows') {
    throw new UnsupportedEngineError(
      `the engine is a ${p.osType} engine: ${where(first.site)} asks for a gMSA, and only a Windows engine accepts credential specs`,
      'Point docker at a Windows engine (docker --context NAME gmsa compose ...), or use docker gmsa compose convert to see the rewritten file.',
    );
  }
  const build = p.windowsBuild ?? FREE_HOSTNAME_BUILD;
  if (build < FIRST_GMSA_BUILD) {
    throw new BuildRuleError(`Windows build ${build} predates gMSA support for containers`, 'Use Windows Server 2016 (14393) or later; 2019 (17763) or later is best.');
  }
  const release = releaseName(build) ?? `build ${build}`;

  const active = (s: ComposeService): boolean => isActive(s, input.activeProfiles);
  const replicasOf = (s: ComposeService): number => input.scales.get(s.name) ?? s.replicas;
  const identities = new Map<ComposeService, string>();
  for (const s of requested) identities.set(s, identityOf(s.request as GmsaRequest, input.specs.get(s.name)));

  const decisions: ServiceDecision[] = [];
  const generated = new Set<string>();
  for (const svc of requested) {
    const req = svc.request as GmsaRequest;
    const spec = input.specs.get(svc.name);
    // The service's place, for messages: worked out only when one is written.
    let place: string | undefined;
    const at = (): string => (place ??= where(req.site));

    const own = svc.securityOpt.find((o) => isCredentialSpecOpt(o.value));
    if (own) {
      throw new UsageError(
        `${where(own.site, own.node)}: security_opt already has ${own.value}, and the service also asks for a gMSA with ${req.kind === 'x-gmsa' ? 'x-gmsa' : 'credential_spec'}`,
        'Remove the credentialspec entry from security_opt (docker gmsa adds it), or drop x-gmsa/credential_spec and keep your own entry.',
      );
    }

    const isolation = effectiveIsolation(svc.isolation?.value, p.isolation);
    if (hypervGmsaBroken(build, isolation)) {
      throw new BuildRuleError(
        `${at()}: Hyper-V isolation with a gMSA hangs or fails on ${release}${svc.isolation && svc.isolation.value.toLowerCase() !== 'default' ? '' : " (it is this engine's default isolation)"}`,
        `Set isolation: process on service "${svc.name}".`,
      );
    }

    const networkService = req.kind === 'x-gmsa' && req.networkService;
    const given = svc.user?.value;
    if (networkService && given !== undefined && given.toLowerCase() !== NETWORK_SERVICE.toLowerCase()) {
      throw new UsageError(
        `${at()}: x-gmsa network-service and user: ${given} both set the user`,
        `Remove user: from service "${svc.name}", or drop network-service from its x-gmsa.`,
      );
    }
    const effectiveUser = networkService ? NETWORK_SERVICE : given;
    if (machineIdentityTooEarly(build, effectiveUser)) {
      throw new BuildRuleError(
        `${at()}: running as ${effectiveUser} inside a container needs Windows 1709 (16299) or later; this engine is ${release}`,
        `Run the app as ContainerAdministrator on this host (drop ${networkService ? 'network-service' : 'user:'}), or move to Windows Server 2019.`,
      );
    }

    const account = spec?.account ?? (req.kind === 'x-gmsa' ? req.account : undefined);
    const replicas = replicasOf(svc);
    const givenHostname = svc.hostname?.value;
    let hostname: string | undefined;
    if (build < FREE_HOSTNAME_BUILD) {
      const id = identities.get(svc);
      const others = requested.filter((o) => o !== svc && active(o) && identities.get(o) === id).map((o) => `"${o.name}"`);
      if (active(svc) && replicas > 1) others.unshift(`${replicas - 1} more replica${replicas > 2 ? 's' : ''} of "${svc.name}"`);
      if (account === undefined) {
        if (givenHostname === undefined) {
          throw new BuildRuleError(
            `${at()}: on ${release} the hostname must be the gMSA name, and docker gmsa cannot read which gMSA ${gmsaLabel(req, spec)} is for`,
            `Set hostname: <the gMSA name> on service "${svc.name}", or use x-gmsa: ACCOUNT.`,
          );
        }
      }
      const d = decideHostname({ account: account ?? givenHostname ?? svc.name, build, given: givenHostname, othersWithAccount: active(svc) ? others : [], force: false, uniqueHostname: () => '' });
      if (d.refused === 'must-be-account') {
        throw new BuildRuleError(
          `${where((svc.hostname as { site: typeof req.site }).site, svc.hostname?.node)}: on ${release} the container hostname must be the gMSA name (${account}), not ${givenHostname}: with another name inbound NTLM and name/SID translation fail`,
          `Remove hostname: from service "${svc.name}" (docker gmsa sets it to ${account}), or move to Windows Server 2019 (17763) where the hostname is free.`,
        );
      }
      if (d.refused === 'one-container-per-gmsa') {
        throw new BuildRuleError(
          `${at()}: it and ${others.join(' and ')} would run with the gMSA ${gmsaLabel(req, spec)} at the same time; on ${release} two containers with one gMSA race at the domain controller and lose their trust`,
          'Give each service its own gMSA, run one replica (scale: 1), or move to Windows Server 2019 (17763) or later.',
        );
      }
      if (givenHostname === undefined) hostname = d.hostname;
    } else if (givenHostname === undefined) {
      if (replicas > 1) {
        notes.push(`${at()}: ${replicas} replicas: no hostname is set, so each replica keeps its container ID as a unique hostname.`);
      } else {
        let attempt = 0;
        let h = input.hostnameFor(account ?? svc.name, svc.name);
        while (generated.has(h.toLowerCase()) && attempt < 50) {
          attempt += 1;
          h = input.hostnameFor(account ?? svc.name, `${svc.name}#${attempt}`);
        }
        generated.add(h.toLowerCase());
        hostname = h;
      }
    }
    const finalHostname = hostname ?? givenHostname;
    if (finalHostname !== undefined && finalHostname.length > 15) notes.push(`Warning: ${at()}: hostname ${finalHostname} is longer than 15 characters; NetBIOS sees only the first 15.`);

    let securityOpt: string;
    if (req.kind === 'file') securityOpt = `credentialspec=file://${req.file}`;
    else if (req.kind === 'registry') securityOpt = `credentialspec=registry://${req.value}`;
    else {
      if (!spec?.choice) throw new Error(`no spec was resolved for service ${svc.name}`);
      let delivery: ReturnType<typeof chooseDelivery>;
      try {
        delivery = chooseDelivery({ spec: spec.choice, profile: p, specMode: input.specMode });
      } catch (err) {
        if (err instanceof UsageError) throw new UsageError(`${at()}: ${err.message}`, 'Install the spec (docker gmsa spec install FILE), name it with x-gmsa spec: NAME, or use --spec-mode raw.');
        if (err instanceof UnsupportedEngineError) throw new UnsupportedEngineError(`${at()}: ${err.message}`, err.hint);
        throw err;
      }
      if (delivery.note) notes.push(`${at()}: ${delivery.note}`);
      securityOpt = `credentialspec=${delivery.value}`;
    }

    const decision: ServiceDecision = { service: svc, request: req, securityOpt: escapeInterpolation(securityOpt) };
    if (account !== undefined) decision.account = account;
    if (hostname !== undefined) decision.hostname = escapeInterpolation(hostname);
    if (networkService && given === undefined) decision.user = NETWORK_SERVICE;
    decisions.push(decision);
  }

  // From 17763 on, containers that share a gMSA must not share a hostname either (Windows-Containers#405):
  // another replica, another service of the project, or a running container (build-rules.ts).
  if (build >= FREE_HOSTNAME_BUILD && input.starts !== false) {
    const seen = new Map<string, ComposeService>();
    for (const d of decisions) {
      const h = d.hostname ?? d.service.hostname?.value;
      if (h === undefined || !active(d.service)) continue;
      const key = `${identities.get(d.service)}|${h.toLowerCase()}`;
      const same: string[] = [];
      const replicas = replicasOf(d.service);
      if (replicas > 1) same.push(`${replicas - 1} more replica${replicas > 2 ? 's' : ''} of "${d.service.name}"`);
      const other = seen.get(key);
      if (other) same.push(`service "${other.name}"`);
      const planned = same.length;
      if (d.account !== undefined) {
        for (const c of input.running?.get(d.account.toLowerCase()) ?? []) if (c.hostname.toLowerCase() === h.toLowerCase()) same.push(`container ${c.name}`);
      }
      const label = gmsaLabel(d.request, input.specs.get(d.service.name));
      const site = d.service.hostname ? where(d.service.hostname.site, d.service.hostname.node) : where(d.request.site);
      const refused = sharedHostnameRefusal(
        build,
        label,
        h,
        same,
        input.force === true,
        {
          fix: `Remove hostname: from service "${d.service.name}" (docker gmsa then gives each of its containers a hostname of its own), or pass --force if you accept intermittent failures.`,
          planned: same.length === planned,
        },
      );
      if (refused) throw refusalError(refused, site);
      if (same.length > 0) notes.push(`Warning: ${site}: the gMSA ${label} and the hostname ${h} are shared with ${same.join(', ')} (--force): expect intermittent trust failures.`);
      if (!other) seen.set(key, d.service);
    }
  }
  return { decisions, notes };
}

/**
 * The decisions as edits: x-gmsa and credential_spec out wherever the service gets them from; the
 * security_opt entry added to the list the service has, then hostname and user, in its last definition.
 */
export function composeEdits(decisions: readonly ServiceDecision[]): EditPlan {
  return {
    services: decisions.map((d) => {
      const set: KeyEdit[] = [{ key: 'security_opt', value: d.securityOpt, append: true }];
      if (d.hostname !== undefined) set.push({ key: 'hostname', value: d.hostname });
      if (d.user !== undefined) set.push({ key: 'user', value: d.user });
      return { service: d.service, remove: [GMSA_KEY, CREDENTIAL_SPEC_KEY], set };
    }),
  };
}
