/** Shared data and harness for the orchestrator tests (k8s, servicefabric). */
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerK8s } from '../../../src/cli/k8s';
import { registerServiceFabric } from '../../../src/cli/servicefabric';
import type { Deps } from '../../../src/cli/deps';
import { buildCredentialSpec, serializeCredentialSpec, type CredentialSpec } from '../../../src/credspec/model';
import { emptyGlobals } from '../../../src/engine/globals';
import { EngineError } from '../../../src/errors';

/** The facts test/support/cli.ts DOMAIN_FLAGS give `spec create --offline`. */
export const DOMAIN = {
  dnsName: 'contoso.com',
  netbiosName: 'CONTOSO',
  domainSid: 'S-1-5-21-1111111111-2222222222-3333333333',
  domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694',
};

/** What `docker gmsa spec create ACCOUNT ...DOMAIN_FLAGS` writes. */
export function specFor(account: string, more: string[] = []): CredentialSpec {
  return buildCredentialSpec(DOMAIN, [account, ...more]);
}

export const GOLDEN_DIR = join(__dirname, 'golden');

export function tempRoot(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gmsa-orch-${prefix}-`));
}

/** Writes `content` as <root>/CredentialSpecs/<name>; returns the path. */
export function putSpec(root: string, name: string, content: string | CredentialSpec): string {
  const dir = join(root, 'CredentialSpecs');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : serializeCredentialSpec(content));
  return p;
}

export interface Harness {
  deps: Deps;
  out: () => string;
  err: () => string;
  run: (args: string[]) => Promise<void>;
  engineCalls: () => number;
}

/**
 * The two commands in a commander program of their own, driven in-process with captured output. The
 * engine is unreachable: commands that would need it must say how to do without.
 */
export function harness(cwd: string = process.cwd()): Harness {
  let out = '';
  let err = '';
  let engineCalls = 0;
  const deps: Deps = {
    io: {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
      readStdin: async () => Buffer.alloc(0),
    },
    env: {},
    globals: emptyGlobals(),
    cwd,
    platform: 'linux',
    homedir: tmpdir(),
    self: { path: '/nonexistent/docker-gmsa', packaged: false },
    version: '0.0.0-test',
    engine: async () => {
      engineCalls++;
      throw new EngineError('cannot connect to the Docker engine at unix:///var/run/docker.sock', 'Is the docker daemon running?');
    },
  };
  const run = async (args: string[]): Promise<void> => {
    const program = new Command('docker gmsa').exitOverride().configureOutput({ writeOut: deps.io.out, writeErr: deps.io.err });
    registerK8s(program, deps);
    registerServiceFabric(program, deps);
    for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: deps.io.out, writeErr: () => undefined });
    await program.parseAsync(args, { from: 'user' });
  };
  return { deps, out: () => out, err: () => err, run, engineCalls: () => engineCalls };
}
