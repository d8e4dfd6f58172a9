import type { Command } from 'commander';
import { describeEndpoint } from '../engine/endpoint';
import { renderHostProfile } from '../engine/host-report';
import { parseFormat, renderObject } from '../util/format';
import type { Deps } from './deps';

export function registerHost(program: Command, deps: Deps): void {
  program
    .command('host')
    .description('Show the engine profile and the gMSA rules that apply to it')
    .option('--format <format>', 'table (default), json, or a template such as {{.WindowsBuild}}')
    .addHelpText(
      'after',
      `
Examples:
  docker gmsa host
  docker --context win2019 gmsa host --format json
  docker gmsa host --format '{{.WindowsBuild}} {{.Isolation}}'`,
    )
    .action(async (opts: { format?: string }) => {
      const format = parseFormat(opts.format);
      const session = await deps.engine();
      const profile = await session.profile();
      const where = describeEndpoint(session.endpoint);
      deps.io.out(renderObject(format, { Endpoint: where, ...profileJson(profile) }, () => renderHostProfile(profile, where)));
    });
}

/**
 * The profile as docker-style capitalised keys, the shape of `--format json` and templates. Every key is
 * always there (null when the engine does not say), so {{.WindowsBuild}} works on any engine.
 */
function profileJson(p: import('../engine/profile').HostProfile): Record<string, unknown> {
  return {
    OSType: p.osType,
    WindowsBuild: p.windowsBuild ?? null,
    WindowsRevision: p.windowsRevision ?? null,
    Release: p.release ?? null,
    KernelVersion: p.kernelVersion ?? null,
    OperatingSystem: p.operatingSystem ?? null,
    Isolation: p.isolation ?? null,
    IsolationAssumed: p.isolationAssumed,
    DockerRootDir: p.dockerRootDir ?? null,
    CredentialSpecsDir: p.credentialSpecsDir ?? null,
    RootDirLocal: p.rootDirLocal,
    EngineVersion: p.engineVersion ?? null,
    APIVersion: p.apiVersion ?? null,
    Swarm: { State: p.swarm.state, Role: p.swarm.role },
    Rules: p.rules.map((r) => ({ ID: r.id, Severity: r.severity, Text: r.text })),
  };
}
