/**
 * Which compose files a `docker compose` command would read, and the variables it would interpolate
 * them with, found the way compose does:
 *
 *   1. every `-f/--file` in order (relative to the current folder; `-` is standard input);
 *   2. else `COMPOSE_FILE` (from the environment, else from the `.env` file), split on
 *      `COMPOSE_PATH_SEPARATOR`, else ':' (';' on Windows);
 *   3. else the first of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in the
 *      project directory (or the current folder) or the nearest parent that has one, plus the first of
 *      compose.override.yml, compose.override.yaml, docker-compose.override.yml,
 *      docker-compose.override.yaml next to it.
 *
 * The project directory is `--project-directory`, else the folder of the first file. Variables are the
 * environment over the `--env-file` files, or over `<project directory>/.env`.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fsError, InvalidInputError, NotFoundError } from '../errors';
import { parseDotEnv, type Lookup } from './env';

export const DEFAULT_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;
export const DEFAULT_OVERRIDE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'] as const;

export interface DiscoveryFs {
  /** 'file', 'dir' or undefined when nothing is there. */
  kind(path: string): 'file' | 'dir' | 'other' | undefined;
  readText(path: string): string;
}

export const nodeDiscoveryFs: DiscoveryFs = {
  kind: (p) => {
    try {
      const st = fs.statSync(p);
      return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
    } catch {
      return undefined;
    }
  },
  readText: (p) => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch (err) {
      throw fsError(err, 'read', p);
    }
  },
};

export interface DiscoveryInput {
  files: readonly string[];
  projectDirectory?: string;
  envFiles: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

export interface Discovery {
  /** Absolute paths, or '-' for standard input, in the order compose applies them. */
  files: string[];
  /** Where the list came from ('none': no file was found; compose runs without -f). */
  source: 'flag' | 'env' | 'default' | 'none';
  /** Absolute. */
  projectDir: string;
  /** The variables compose interpolates with (environment first, then the env files). */
  lookup: Lookup;
  /** The variables from the env files (for COMPOSE_PROFILES, COMPOSE_PROJECT_NAME...). */
  fileVariables: Map<string, string>;
  /** What compose would warn about (several default files in one folder). */
  warnings: string[];
}

function pathApi(platform: NodeJS.Platform): nodePath.PlatformPath {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

function envLookup(env: NodeJS.ProcessEnv): Lookup {
  return (n) => (Object.prototype.hasOwnProperty.call(env, n) ? env[n] : undefined);
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|t|true|y|yes|on)$/i.test(v.trim());
}

function readEnvFiles(paths: readonly string[], env: NodeJS.ProcessEnv, fsx: DiscoveryFs, required: boolean): Map<string, string> {
  const vars = new Map<string, string>();
  const outer = envLookup(env);
  for (const p of paths) {
    const kind = fsx.kind(p);
    if (kind !== 'file') {
      if (!required) continue;
      throw new NotFoundError(`env file ${p} not found`, 'Check the --env-file path (it is relative to the current folder).');
    }
    for (const [k, v] of parseDotEnv(fsx.readText(p), (n) => outer(n) ?? vars.get(n), p)) vars.set(k, v);
  }
  return vars;
}

function checkFile(path: string, label: string, fsx: DiscoveryFs): void {
  const kind = fsx.kind(path);
  if (kind === undefined) throw new NotFoundError(`compose file ${label} not found (${path})`, 'Check the -f/--file or COMPOSE_FILE path; relative paths start from the current folder.');
  if (kind !== 'file') throw new InvalidInputError(`compose file ${label} is not a file (${path})`, 'Name a compose file, not a folder.');
}

export function discoverComposeFiles(input: DiscoveryInput, fsx: DiscoveryFs = nodeDiscoveryFs): Discovery {
  const path = pathApi(input.platform);
  const abs = (p: string): string => path.resolve(input.cwd, p);
  const warnings: string[] = [];
  const givenProjectDir = input.projectDirectory !== undefined ? abs(input.projectDirectory) : undefined;
  if (givenProjectDir !== undefined && fsx.kind(givenProjectDir) !== 'dir') {
    throw new NotFoundError(`project directory ${input.projectDirectory} not found (${givenProjectDir})`, 'Check --project-directory.');
  }
  const noDotEnv = truthy(input.env.COMPOSE_DISABLE_ENV_FILE);
  const envFilesFor = (dir: string): { paths: string[]; required: boolean } =>
    input.envFiles.length > 0 ? { paths: input.envFiles.map(abs), required: true } : { paths: noDotEnv ? [] : [path.join(dir, '.env')], required: false };

  let files: string[] = [];
  let source: Discovery['source'];
  if (input.files.length > 0) {
    source = 'flag';
    files = input.files.map((f) => (f === '-' ? '-' : abs(f)));
    input.files.forEach((f, i) => f !== '-' && checkFile(files[i] as string, f, fsx));
  } else {
    // COMPOSE_FILE and COMPOSE_PATH_SEPARATOR may come from the .env file of the folder compose starts in.
    const early = envFilesFor(givenProjectDir ?? input.cwd);
    const earlyVars = readEnvFiles(early.paths, input.env, fsx, early.required);
    const get = (n: string): string | undefined => envLookup(input.env)(n) ?? earlyVars.get(n);
    const composeFile = get('COMPOSE_FILE');
    if (composeFile !== undefined && composeFile !== '') {
      source = 'env';
      const sep = get('COMPOSE_PATH_SEPARATOR') || (input.platform === 'win32' ? ';' : ':');
      const entries = composeFile.split(sep).filter((e) => e !== '');
      files = entries.map(abs);
      entries.forEach((e, i) => checkFile(files[i] as string, `${e} (from COMPOSE_FILE)`, fsx));
    } else {
      source = 'none';
      let dir = givenProjectDir ?? abs('.');
      for (;;) {
        const found = DEFAULT_FILE_NAMES.map((n) => path.join(dir, n)).filter((p) => fsx.kind(p) === 'file');
        if (found.length > 0) {
          source = 'default';
          const winner = found[0] as string;
          if (found.length > 1) warnings.push(`Found multiple config files with supported names: ${found.join(', ')}; using ${winner}`);
          files.push(winner);
          const overrides = DEFAULT_OVERRIDE_NAMES.map((n) => path.join(dir, n)).filter((p) => fsx.kind(p) === 'file');
          if (overrides.length > 1) warnings.push(`Found multiple override files with supported names: ${overrides.join(', ')}; using ${overrides[0]}`);
          if (overrides[0] !== undefined) files.push(overrides[0]);
          break;
        }
        const parent = path.dirname(dir);
        if (parent === dir) break;
        dir = parent;
      }
    }
  }

  const firstFile = files.find((f) => f !== '-');
  const projectDir = givenProjectDir ?? (firstFile !== undefined ? path.dirname(firstFile) : abs('.'));
  const envFiles = envFilesFor(projectDir);
  const fileVariables = readEnvFiles(envFiles.paths, input.env, fsx, envFiles.required);
  const osLookup = envLookup(input.env);
  return {
    files,
    source,
    projectDir,
    lookup: (n) => osLookup(n) ?? fileVariables.get(n),
    fileVariables,
    warnings,
  };
}
