/** Shared pieces of the swarm unit tests: a spec, profiles, nodes and services as the Engine API returns them. */
import { buildCredentialSpec, type CredentialSpec } from '../../../src/credspec/model';
import type { HostProfile } from '../../../src/engine/profile';
import { ACCOUNT_LABEL, SHA256_LABEL, type SwarmConfig } from '../../../src/orchestrators/swarm-config';

export const DOMAIN = {
  dnsName: 'contoso.com',
  netbiosName: 'CONTOSO',
  domainSid: 'S-1-5-21-1-2-3',
  domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694',
};

export function specFor(account = 'webapp01'): CredentialSpec {
  return buildCredentialSpec(DOMAIN, [account]);
}

export function managerProfile(extra: Partial<HostProfile> = {}): HostProfile {
  return {
    osType: 'linux',
    isolation: undefined,
    isolationAssumed: false,
    apiVersion: '1.41',
    rootDirLocal: false,
    swarm: { state: 'active', role: 'manager' },
    rules: [],
    ...extra,
  };
}

export function apiNode(hostname: string, os: string, opts: { labels?: Record<string, string>; engineLabels?: Record<string, string>; availability?: string; role?: string } = {}): any {
  return {
    ID: `id-${hostname}`,
    Spec: { Role: opts.role ?? 'worker', Availability: opts.availability ?? 'active', Labels: opts.labels ?? {} },
    Description: { Hostname: hostname, Platform: { OS: os, Architecture: 'x86_64' }, Engine: { EngineVersion: '20.10.9', Labels: opts.engineLabels ?? {} } },
  };
}

export function gmsaConfig(id: string, name: string, account: string, sha256: string, extra: Record<string, string> = {}): SwarmConfig {
  return { id, name, labels: { [ACCOUNT_LABEL]: account, [SHA256_LABEL]: sha256, ...extra } };
}

/** A service as GET /services returns it, using `configs` (IDs) with the first as its credential spec. */
export function apiService(name: string, configs: { id: string; name: string; runtime?: boolean }[], opts: { credSpec?: string; previous?: string[]; labels?: Record<string, string>; hostname?: string; user?: string } = {}): any {
  const containerSpec = (refs: { id: string; name: string; runtime?: boolean }[], cred?: string): any => ({
    Image: 'img',
    ...(opts.hostname !== undefined ? { Hostname: opts.hostname } : {}),
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    Privileges: cred ? { CredentialSpec: { Config: cred, File: '', Registry: '' } } : {},
    Configs: refs.map((r) => (r.runtime === false ? { ConfigID: r.id, ConfigName: r.name, File: { Name: '/x' } } : { ConfigID: r.id, ConfigName: r.name, Runtime: {} })),
  });
  const s: any = {
    ID: `svc-${name}`,
    Spec: { Name: name, Labels: opts.labels ?? {}, TaskTemplate: { ContainerSpec: containerSpec(configs, opts.credSpec) } },
  };
  if (opts.previous) s.PreviousSpec = { Name: name, TaskTemplate: { ContainerSpec: containerSpec(opts.previous.map((id) => ({ id, name: id })), opts.previous[0]) } };
  return s;
}
