/**
 * `docker gmsa verify CONTAINER`: which gMSA and domain the container runs with, then nltest and klist
 * inside it (engine/container-verify.ts), reported with the next step for each failure.
 *
 * The gMSA and domain come from the container's credential spec (engine/container-gmsa.ts): inline
 * (raw://), from the engine's store when this machine reads it or --root (file://), from the swarm
 * (config://). When the spec itself is not readable from here (a remote engine's store), the gMSA is the
 * label docker gmsa put on the container, and its domain comes from the one spec lookup (the swarm's
 * configs, Active Directory), which prints where it came from. --domain overrides all of it.
 */
import { CheckFailedError, InvalidInputError, NotFoundError, SpecInvalidError, UsageError } from '../errors';
import type { ContainerGmsa } from '../engine/container-gmsa';
import type { HostProfile } from '../engine/profile';
import type { EngineSession } from '../engine/session';
import { parseFormat, renderObject } from '../util/format';
import { lookupDirectory, type LookupFlags } from './ad-shared';
import type { Deps } from './deps';
import type { SpecWording } from './run-spec';

export interface VerifyOptions extends LookupFlags {
  domain?: string;
  format?: string;
  root?: string;
}

/** What lets verify go on whatever the lookup missed: naming the domain. */
function domainFix(container: string): string {
  return `Give the domain with docker gmsa verify --domain contoso.com ${container}.`;
}

function verifyWording(container: string): SpecWording {
  const fix = domainFix(container);
  return {
    outcome: 'nothing was verified',
    notFoundHint: () => fix,
    ambiguousHint: () => fix,
    mismatchHint: () => fix,
    remoteHint: () => fix,
  };
}

/** The container's domain: --domain, the spec's DnsName, else the lookup's spec for its gMSA. */
async function domainOf(name: string, g: ContainerGmsa, o: VerifyOptions, session: EngineSession, profile: HostProfile, deps: Deps): Promise<string> {
  if (o.domain) return o.domain;
  if (g.domain) return g.domain;
  const shown = g.option.length > 60 ? `${g.option.slice(0, 60)}...` : g.option;
  if (!g.account) throw new UsageError(`cannot tell the gMSA or the domain of ${name}'s credential spec (${shown}) from this machine`, domainFix(name));
  const { findSpec, offlineWanted } = require('./spec-lookup') as typeof import('./spec-lookup');
  const found = await findSpec(
    {
      account: g.account,
      ...(o.root !== undefined ? { root: o.root } : {}),
      profile,
      ...(g.delivery.kind === 'config' ? { swarm: session.client } : {}),
      directory: lookupDirectory(o),
      offline: offlineWanted(o.offline, deps.env),
      wording: verifyWording(name),
    },
    deps,
  ).catch((err: unknown) => {
    // Whatever would have found the spec, --domain is the step that lets verify go on; a step's own
    // fix (set GMSA_DOMAIN...) follows it, unless the lookup's hint is that step already.
    const fix = domainFix(name);
    if (err instanceof NotFoundError && err.hint !== fix) throw new NotFoundError(err.message, `${fix}${err.hint ? ` Or: ${err.hint}` : ''}`);
    throw err;
  });
  return found.spec.DomainJoinConfig.DnsName;
}

export async function verifyContainer(name: string, o: VerifyOptions, deps: Deps): Promise<void> {
  const format = parseFormat(o.format);
  const { containerGmsa, specReader } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
  const { verifyInContainer } = require('../engine/container-verify') as typeof import('../engine/container-verify');
  const { checkJson, summarize } = require('../windows/verify-checks') as typeof import('../windows/verify-checks');
  const { localStore } = require('./run-spec') as typeof import('./run-spec');
  const session = await deps.engine();
  const profile = await session.profile();
  if (profile.osType !== 'windows') {
    throw new InvalidInputError(`the engine is a ${profile.osType} engine; gMSA containers run on Windows engines`, 'Point docker at the Windows engine that runs the container (docker --context NAME gmsa verify ...).');
  }
  const container = await session.client.inspectContainer(name);
  if (!container) throw new NotFoundError(`no such container: ${name}`, 'List them with docker ps.');
  if (!container.State?.Running) throw new InvalidInputError(`container ${name} is not running`, `Start it: docker start ${name}`);
  const g = await containerGmsa(container, specReader(localStore(o.root, profile, deps.cwd), session.client));
  if (!g) throw new SpecInvalidError(`container ${name} has no credential spec, so it has no gMSA identity`, 'Start it with docker gmsa run ACCOUNT ... (or --security-opt credentialspec=...).');
  const domain = await domainOf(name, g, o, session, profile, deps);
  const { checks, networkService } = await verifyInContainer({
    env: deps.env,
    globals: deps.globals,
    container: name,
    domain,
    ...(g.account ? { account: g.account } : {}),
    ...(profile.windowsBuild !== undefined ? { windowsBuild: profile.windowsBuild } : {}),
    ...(container.Config?.Hostname ? { hostname: String(container.Config.Hostname) } : {}),
  });
  if (!networkService) deps.io.err(`Note: ${profile.release ?? `build ${profile.windowsBuild}`} has no Network Service in containers, so only nltest is checked.\n`);
  const ok = checks.every((c) => c.ok);
  const view = { Container: name, Domain: domain, Account: g.account ?? null, OK: ok, Checks: checks.map(checkJson), Summary: summarize(checks) };
  deps.io.out(
    renderObject(format, view, () => {
      const lines = [`${name}: gMSA ${g.account ?? '(unknown)'} in ${domain}`];
      for (const c of checks) {
        lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.title}: ${c.detail}`);
        if (!c.ok && c.next) lines.push(`        next: ${c.next}`);
      }
      lines.push(summarize(checks));
      return lines.join('\n') + '\n';
    }),
  );
  if (!ok) throw new CheckFailedError(`${checks.filter((c) => !c.ok).length} of ${checks.length} checks failed in ${name}`, 'Follow the next: lines above.');
}
