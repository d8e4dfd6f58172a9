/**
 * One connection to the engine the user's docker CLI would talk to: the endpoint resolved like the CLI
 * does, a client built on first use, and the host profile fetched once per run.
 */
import { existsSync } from 'node:fs';
import type { DockerGlobals } from './globals';
import { createEngineClient, type EngineClient } from './client';
import { resolveEndpoint, type ResolvedEndpoint } from './endpoint';
import { buildHostProfile, type HostProfile } from './profile';

export const ENGINE_TIMEOUT_MS = 15_000;

export interface EngineSession {
  endpoint: ResolvedEndpoint;
  client: EngineClient;
  profile(): Promise<HostProfile>;
}

/** What a session needs from the caller (cli/deps.ts's Deps has all of it; engine/ does not import cli/). */
export interface SessionInputs {
  globals: DockerGlobals;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
}

/** `timeoutMs` bounds each engine call (default ENGINE_TIMEOUT_MS; completion asks for less). */
export async function openEngineSession(deps: SessionInputs, opts: { timeoutMs?: number } = {}): Promise<EngineSession> {
  const endpoint = resolveEndpoint(deps.globals, deps.env, deps.platform, deps.homedir);
  const client = createEngineClient(endpoint, { timeoutMs: opts.timeoutMs ?? ENGINE_TIMEOUT_MS, env: deps.env });
  let profile: Promise<HostProfile> | undefined;
  return {
    endpoint,
    client,
    profile: () => {
      profile ??= Promise.all([client.info(), client.version()]).then(([info, version]) =>
        buildHostProfile(info, version, { endpoint, platform: deps.platform, pathExists: existsSync }),
      );
      return profile;
    },
  };
}
