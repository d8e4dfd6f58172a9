/**
 * The swarm side of the engine, through EngineClient (this file never makes a request itself): the manager
 * check, reading configs, nodes and services, and creating or reusing the config that holds a spec.
 */
import { ConflictError, GmsaError, NotFoundError } from '../errors';
import type { EngineClient } from '../engine/client';
import { describeEndpoint } from '../engine/endpoint';
import type { HostProfile } from '../engine/profile';
import type { EngineSession } from '../engine/session';
import { ACCOUNT_LABEL, configFromApi, isGmsaConfig, pickReusable, SHA256_LABEL, type ConfigPlan, type SwarmConfig } from './swarm-config';
import { nodeFromApi, type SwarmNode } from './swarm-nodes';
import { managerRefusal, type CurrentConfig } from './swarm-plan';
import { configReferences, usersOf } from './swarm-prune';

/** The session's profile, or the refusal when the engine is not a swarm manager that can hold gMSA configs. */
export async function requireManager(session: EngineSession): Promise<HostProfile> {
  const profile = await session.profile();
  const refusal = managerRefusal(profile, session.endpoint);
  if (refusal) throw refusal;
  return profile;
}

export async function readConfigs(client: EngineClient, filters?: Record<string, string[]>): Promise<SwarmConfig[]> {
  return (await client.listConfigs(filters)).map(configFromApi);
}

/** Every gMSA config (account and sha256 labels) of the swarm. */
export async function readGmsaConfigs(client: EngineClient): Promise<SwarmConfig[]> {
  return (await readConfigs(client, { label: [SHA256_LABEL] })).filter(isGmsaConfig);
}

export async function readNodes(client: EngineClient): Promise<SwarmNode[]> {
  return (await client.listNodes()).map(nodeFromApi);
}

/** An existing config with exactly this content, if there is one. */
export async function findReusable(client: EngineClient, plan: ConfigPlan): Promise<SwarmConfig | undefined> {
  return pickReusable(plan, await readConfigs(client, { label: [`${SHA256_LABEL}=${plan.sha256}`] }));
}

export interface EnsuredConfig {
  id: string;
  name: string;
  created: boolean;
}

/** Reuses the config that already holds this content, or creates it. */
export async function ensureConfig(client: EngineClient, plan: ConfigPlan, reuse?: SwarmConfig): Promise<EnsuredConfig> {
  const found = reuse ?? (await findReusable(client, plan));
  if (found) return { id: found.id, name: found.name, created: false };
  const taken = (await readConfigs(client, { name: [plan.name] })).find((c) => c.name === plan.name);
  if (taken) {
    throw new ConflictError(
      `a swarm config named ${plan.name} already exists on ${describeEndpoint(client.endpoint)} with other content (sha256 label ${taken.labels[SHA256_LABEL] ?? 'missing'})`,
      `Inspect it (docker config inspect ${plan.name}) and remove it if nothing uses it (docker config rm ${plan.name}).`,
    );
  }
  const { ID } = await client.createConfig({ Name: plan.name, Labels: plan.labels, Data: plan.data });
  return { id: ID, name: plan.name, created: true };
}

/** Removes a config the plugin just created, when the docker command that was to use it failed. */
export async function removeQuietly(client: EngineClient, id: string): Promise<boolean> {
  try {
    await client.removeConfig(id);
    return true;
  } catch (err) {
    if (err instanceof GmsaError) return false;
    throw err;
  }
}

export async function inspectServiceOrThrow(client: EngineClient, name: string): Promise<any> {
  const s = await client.inspectService(name);
  if (!s) {
    throw new NotFoundError(`no service ${name} on the swarm at ${describeEndpoint(client.endpoint)}`, 'List the services with docker service ls.');
  }
  return s;
}

/** The config the service's credential spec points at (Privileges.CredentialSpec.Config), with its labels. */
export async function currentCredentialConfig(client: EngineClient, service: any): Promise<CurrentConfig | undefined> {
  const id = service?.Spec?.TaskTemplate?.ContainerSpec?.Privileges?.CredentialSpec?.Config;
  if (typeof id !== 'string' || id === '') return undefined;
  const raw = await client.inspectConfig(id);
  if (!raw) return { id };
  const c = configFromApi(raw);
  const cur: CurrentConfig = { id: c.id || id, name: c.name };
  const account = c.labels[ACCOUNT_LABEL];
  const sha = c.labels[SHA256_LABEL];
  if (account !== undefined) cur.account = account;
  if (sha !== undefined) cur.sha256 = sha;
  return cur;
}

/**
 * Services (names) that run with this gMSA now: their spec uses a gMSA config of the account, or they
 * carry the account label. `except` is left out (the service being created or updated).
 */
export async function servicesUsingAccount(client: EngineClient, account: string, except?: string): Promise<string[]> {
  const [configs, services] = await Promise.all([readGmsaConfigs(client), client.listServices()]);
  const mine = configs.filter((c) => (c.labels[ACCOUNT_LABEL] ?? '').toLowerCase() === account.toLowerCase());
  const refs = configReferences(services);
  const names = new Set<string>();
  for (const c of mine) for (const s of usersOf(c, refs).services) names.add(s);
  for (const s of services) {
    if (String(s?.Spec?.Labels?.[ACCOUNT_LABEL] ?? '').toLowerCase() === account.toLowerCase()) names.add(String(s?.Spec?.Name ?? s?.ID));
  }
  if (except !== undefined) names.delete(except);
  return [...names].sort();
}

/**
 * What is wrong with a service's spec after a credential spec rotation, if anything: the credential spec
 * must name the new config, which must be attached once with a Runtime target, and the old config must be
 * gone from the spec. Pure.
 */
export function rotationProblems(service: any, newId: string, oldId: string | undefined): string[] {
  const cs = service?.Spec?.TaskTemplate?.ContainerSpec ?? {};
  const problems: string[] = [];
  const cred = cs.Privileges?.CredentialSpec?.Config;
  if (cred !== newId) problems.push(`its credential spec names config ${cred || '(none)'}, not ${newId}`);
  const configs: any[] = Array.isArray(cs.Configs) ? cs.Configs : [];
  const runtimeNew = configs.filter((c) => c?.ConfigID === newId && c?.Runtime);
  if (runtimeNew.length === 0) problems.push(`config ${newId} is not attached with a Runtime target`);
  if (runtimeNew.length > 1) problems.push(`config ${newId} is attached ${runtimeNew.length} times`);
  if (oldId !== undefined && oldId !== newId && configs.some((c) => c?.ConfigID === oldId && c?.Runtime)) {
    problems.push(`the previous config ${oldId} is still attached`);
  }
  return problems;
}
