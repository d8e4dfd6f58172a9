import type { Command } from 'commander';
import { CheckFailedError, InvalidInputError, NotFoundError, SpecInvalidError, UsageError } from '../errors';
import { parseFormat, renderObject } from '../util/format';
import type { Deps } from './deps';
import { localStore } from './run-spec';

interface SpecFacts {
  account?: string;
  domain?: string;
  source: string;
}

/** What the container's credentialspec security option says about its gMSA and domain. */
async function specFacts(container: any, deps: Deps, profile: import('../engine/profile').HostProfile): Promise<SpecFacts | undefined> {
  const { ACCOUNT_LABEL } = require('../engine/run-plan') as typeof import('../engine/run-plan');
  const opt = ((container?.HostConfig?.SecurityOpt ?? []) as string[]).find((o) => /^credentialspec=/i.test(o));
  if (!opt) return undefined;
  const value = opt.slice('credentialspec='.length);
  const label = container?.Config?.Labels?.[ACCOUNT_LABEL] as string | undefined;
  const fromJson = (json: string): SpecFacts => {
    try {
      const spec = JSON.parse(json) as { DomainJoinConfig?: { MachineAccountName?: string; DnsName?: string } };
      return { account: spec.DomainJoinConfig?.MachineAccountName ?? label, domain: spec.DomainJoinConfig?.DnsName, source: value.slice(0, 60) };
    } catch {
      return { account: label, source: value.slice(0, 60) };
    }
  };
  if (/^raw:\/\//i.test(value)) return fromJson(value.slice('raw://'.length));
  if (/^file:\/\//i.test(value)) {
    const store = localStore(undefined, profile, deps.cwd);
    if (store) {
      try {
        return { ...fromJson((await store.read(value.slice('file://'.length))).bytes.toString('utf8').replace(/^\uFEFF/, '')), source: value };
      } catch {
        // not readable from here: fall back to the label
      }
    }
  }
  return { ...(label ? { account: label } : {}), source: value };
}

export function registerVerify(program: Command, deps: Deps): void {
  program
    .command('verify')
    .description('Check inside a container that its gMSA works: secure channel, trust, Kerberos ticket, identity')
    .argument('<container>', 'the container (name or ID)')
    .option('--domain <dns>', "the domain to verify against (default: the DnsName of the container's spec)")
    .option('--format <format>', 'table (default), json, or a template such as {{.OK}}')
    .addHelpText(
      'after',
      `
Runs, as Network Service inside the container, nltest /sc_verify:<domain> and klist get krbtgt, reads
both, and reports each check with what to do when it fails. Exit status 1 when a check fails.

Example:
  docker gmsa verify webapp01-1`,
    )
    .action(async (name: string, o: { domain?: string; format?: string }) => {
      const format = parseFormat(o.format);
      const { captureDocker } = require('../engine/docker-cli') as typeof import('../engine/docker-cli');
      const { NETWORK_SERVICE } = require('../engine/run-plan') as typeof import('../engine/run-plan');
      const { checkJson, verifyChecks, summarize } = require('../windows/verify-checks') as typeof import('../windows/verify-checks');
      const session = await deps.engine();
      const profile = await session.profile();
      if (profile.osType !== 'windows') {
        throw new InvalidInputError(`the engine is a ${profile.osType} engine; gMSA containers run on Windows engines`, 'Point docker at the Windows engine that runs the container (docker --context NAME gmsa verify ...).');
      }
      const container = await session.client.inspectContainer(name);
      if (!container) throw new NotFoundError(`no such container: ${name}`, 'List them with docker ps.');
      if (!container.State?.Running) throw new InvalidInputError(`container ${name} is not running`, `Start it: docker start ${name}`);
      const facts = await specFacts(container, deps, profile);
      if (!facts) {
        throw new SpecInvalidError(`container ${name} has no credential spec, so it has no gMSA identity`, 'Start it with docker gmsa run ACCOUNT ... (or --security-opt credentialspec=...).');
      }
      const domain = o.domain ?? facts.domain;
      if (!domain) throw new UsageError(`cannot tell the domain of ${name}'s credential spec (${facts.source})`, 'Give it with --domain contoso.com.');
      // Network Service exists in containers from 1709 on; before that nltest runs as the default user and
      // there is no identity that can show the gMSA's Kerberos ticket.
      const { NETWORK_SERVICE_BUILD } = require('../engine/windows-builds') as typeof import('../engine/windows-builds');
      const asNetworkService = profile.windowsBuild === undefined || profile.windowsBuild >= NETWORK_SERVICE_BUILD;
      const exec = (cmd: string[]) => captureDocker(deps.env, deps.globals, ['exec', ...(asNetworkService ? ['--user', NETWORK_SERVICE] : []), name, ...cmd]);
      const nl = await exec(['nltest', `/sc_verify:${domain}`]);
      const kl = asNetworkService ? await exec(['klist', 'get', 'krbtgt']) : undefined;
      if (!kl) deps.io.err(`Note: ${profile.release ?? `build ${profile.windowsBuild}`} has no Network Service in containers, so only nltest is checked.\n`);
      const checks = verifyChecks({
        domain,
        ...(facts.account ? { expectedAccount: facts.account } : {}),
        nltest: { output: nl.stdout + nl.stderr, exitCode: nl.code },
        ...(kl ? { klist: { output: kl.stdout + kl.stderr, exitCode: kl.code } } : {}),
        ...(profile.windowsBuild !== undefined ? { windowsBuild: profile.windowsBuild } : {}),
        ...(container.Config?.Hostname ? { hostname: String(container.Config.Hostname) } : {}),
      });
      const ok = checks.every((c) => c.ok);
      const view = { Container: name, Domain: domain, Account: facts.account ?? null, OK: ok, Checks: checks.map(checkJson), Summary: summarize(checks) };
      deps.io.out(
        renderObject(format, view, () => {
          const lines = [`${name}: gMSA ${facts.account ?? '(unknown)'} in ${domain}`];
          for (const c of checks) {
            lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.title}: ${c.detail}`);
            if (!c.ok && c.next) lines.push(`        next: ${c.next}`);
          }
          lines.push(summarize(checks));
          return lines.join('\n') + '\n';
        }),
      );
      if (!ok) throw new CheckFailedError(`${checks.filter((c) => !c.ok).length} of ${checks.length} checks failed in ${name}`, 'Follow the next: lines above.');
    });
}
