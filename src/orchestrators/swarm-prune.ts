/**
 * Which gMSA configs are in use, and which `configs prune` may remove. Pure.
 *
 * A config is in use when a service's spec names it (ContainerSpec.Configs, by ID or name, or
 * Privileges.CredentialSpec.Config), and also when only the service's previous spec does: the engine lets
 * such a config be removed, and `docker service rollback` then brings back a spec whose config is gone.
 * Those are kept "for rollback" until the next update of the service.
 *
 * Only gMSA configs (the account and sha256 labels, see swarm-config.ts) are ever candidates.
 */
import { ACCOUNT_LABEL, DOMAIN_LABEL, isGmsaConfig, SHA256_LABEL, type SwarmConfig } from './swarm-config';

export interface ConfigUsers {
  /** Services whose current spec uses the config. */
  services: string[];
  /** Services whose previous spec (the rollback target) uses it. */
  rollback: string[];
}

function refsOf(spec: any): string[] {
  const cs = spec?.TaskTemplate?.ContainerSpec;
  if (!cs || typeof cs !== 'object') return [];
  const refs: string[] = [];
  if (Array.isArray(cs.Configs)) {
    for (const c of cs.Configs) {
      if (c && typeof c.ConfigID === 'string' && c.ConfigID) refs.push(c.ConfigID);
      if (c && typeof c.ConfigName === 'string' && c.ConfigName) refs.push(c.ConfigName);
    }
  }
  const credConfig = cs.Privileges?.CredentialSpec?.Config;
  if (typeof credConfig === 'string' && credConfig) refs.push(credConfig);
  return refs;
}

function serviceName(s: any): string {
  return String(s?.Spec?.Name ?? s?.ID ?? '');
}

/** The services (by name) that reference each config, by config ID or name as written in the specs. */
export function configReferences(services: readonly any[]): Map<string, ConfigUsers> {
  const map = new Map<string, ConfigUsers>();
  const entry = (ref: string): ConfigUsers => {
    let e = map.get(ref);
    if (!e) {
      e = { services: [], rollback: [] };
      map.set(ref, e);
    }
    return e;
  };
  for (const s of services) {
    const name = serviceName(s);
    for (const ref of new Set(refsOf(s?.Spec))) entry(ref).services.push(name);
    for (const ref of new Set(refsOf(s?.PreviousSpec))) entry(ref).rollback.push(name);
  }
  return map;
}

export function usersOf(c: SwarmConfig, refs: Map<string, ConfigUsers>): ConfigUsers {
  const byId = refs.get(c.id);
  const byName = refs.get(c.name);
  const uniq = (a: string[]): string[] => [...new Set(a)].sort();
  return {
    services: uniq([...(byId?.services ?? []), ...(byName?.services ?? [])]),
    rollback: uniq([...(byId?.rollback ?? []), ...(byName?.rollback ?? [])]),
  };
}

export interface GmsaConfigEntry {
  config: SwarmConfig;
  account: string;
  domain?: string;
  sha256: string;
  users: ConfigUsers;
}

/** The gMSA configs among `configs` (optionally those of one account), with their users. */
export function gmsaConfigs(configs: readonly SwarmConfig[], services: readonly any[], account?: string): GmsaConfigEntry[] {
  const refs = configReferences(services);
  return configs
    .filter(isGmsaConfig)
    .filter((c) => account === undefined || (c.labels[ACCOUNT_LABEL] ?? '').toLowerCase() === account.toLowerCase())
    .map((c) => {
      const e: GmsaConfigEntry = { config: c, account: c.labels[ACCOUNT_LABEL] as string, sha256: c.labels[SHA256_LABEL] as string, users: usersOf(c, refs) };
      const domain = c.labels[DOMAIN_LABEL];
      if (domain !== undefined) e.domain = domain;
      return e;
    })
    .sort((a, b) => a.config.name.localeCompare(b.config.name));
}

export interface PrunePlan {
  /** Unused gMSA configs: what prune removes. */
  remove: GmsaConfigEntry[];
  /** gMSA configs kept because a service uses them (now or as its rollback target). */
  keep: GmsaConfigEntry[];
}

export function planPrune(configs: readonly SwarmConfig[], services: readonly any[], account?: string): PrunePlan {
  const all = gmsaConfigs(configs, services, account);
  return {
    remove: all.filter((e) => e.users.services.length === 0 && e.users.rollback.length === 0),
    keep: all.filter((e) => e.users.services.length > 0 || e.users.rollback.length > 0),
  };
}

/** "web (rollback: api)" */
export function describeUsers(u: ConfigUsers): string {
  const parts: string[] = [];
  if (u.services.length > 0) parts.push(u.services.join(', '));
  if (u.rollback.length > 0) parts.push(`rollback: ${u.rollback.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : '-';
}
