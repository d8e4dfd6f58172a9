/**
 * Putting the plugin where the docker CLI finds it, and taking away only what we put there.
 *
 * The docker CLI looks for `docker-gmsa` (`docker-gmsa.exe` on Windows) in `<config dir>/cli-plugins`
 * among other folders; the config dir is `--config`, `$DOCKER_CONFIG` or `~/.docker`
 * (`%USERPROFILE%\.docker` on Windows). Every bundle and executable we ship carries PLUGIN_MARKER, which
 * is how install and uninstall tell our file from someone else's.
 *
 * What lands there: on Windows the running docker-gmsa.exe itself (the docker CLI runs only .exe plugins);
 * on Unix the sh launcher with the bundle inside (launcher.ts), so the handshake starts no Node.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import metadata from '../../plugin-metadata/docker-cli-plugin-metadata.json';
import { resolveConfigDir } from '../engine/endpoint';
import type { DockerGlobals } from '../engine/globals';
import { ConflictError, fsError, InvalidInputError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { makeDirectory, readBoundedFile, specialFileSystem } from '../util/safe-fs';
import { bundleLayers, bundleOf, CODE_CACHE_OUT, codeCaches, isLauncher, loaderArgs, sameLauncher, unixLauncher } from './launcher';

/** Larger than any plugin file we ship (the Windows executable included); reads of the target stop there. */
const MAX_PLUGIN_BYTES = 512 * 1024 * 1024;

/** Present in the bundle's text and so in every executable built from it. */
export const PLUGIN_MARKER = 'docker-gmsa:cli-plugin-bundle';

export function pluginFileName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'docker-gmsa.exe' : 'docker-gmsa';
}

function pathApi(platform: NodeJS.Platform): nodePath.PlatformPath {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

/** `<config dir>/cli-plugins`, the config dir resolved as the docker CLI does (engine/endpoint.ts). */
export function defaultPluginDir(globals: DockerGlobals, env: NodeJS.ProcessEnv, homedir: string, platform: NodeJS.Platform): string {
  return pathApi(platform).join(resolveConfigDir(globals, env, platform, homedir), 'cli-plugins');
}

/** A --dir value as a folder: relative to the working directory, in the platform's path syntax. */
export function pluginDir(dir: string, cwd: string, platform: NodeJS.Platform): string {
  return pathApi(platform).resolve(cwd, dir);
}

export interface InstallSource {
  /** The running plugin: the bundle (or installed launcher), or the executable when packaged. */
  path: string;
  packaged: boolean;
  /** The Node running the bundle (recorded in the Unix launcher); not needed for an executable. */
  node?: string;
}

/** What a plugin file is, for `version`: the packaged executable, the sh launcher with the bundle, or the bare bundle. */
export type PluginForm = 'executable' | 'launcher' | 'bundle';

export function pluginForm(source: Pick<InstallSource, 'path' | 'packaged'>): PluginForm {
  if (source.packaged) return 'executable';
  try {
    return isLauncher(readFileSync(source.path).subarray(0, 256)) ? 'launcher' : 'bundle';
  } catch {
    return 'bundle';
  }
}

/**
 * The bytes install writes: the executable as it is, or (Unix, Node) the launcher around the bundle, with
 * each packed layer's code and V8 code caches made by this Node (launcher.ts). The caches are only
 * worth having for the Node the launcher runs: the one recorded, when that is this one.
 */
export function installedContent(content: Buffer, source: InstallSource, platform: NodeJS.Platform): Buffer {
  if (source.packaged || platform === 'win32') return content;
  const bundle = bundleOf(content);
  const layers = bundleLayers(bundle);
  const node = source.node ?? 'node';
  const input = { bundle, metadataText: JSON.stringify(metadata, null, 2) + '\n', node, layers };
  if (node !== process.execPath) return unixLauncher(input);
  // compiled here for every layer; those the warm-up run compiles, with what that run compiled
  const data = codeCaches(bundle, layers);
  for (const [name, cache] of warmUpCaches(unixLauncher(input))) data.set(name, cache);
  return unixLauncher({ ...input, caches: { madeBy: `Node ${process.version} (${process.platform}/${process.arch})`, data } });
}

/** A valid spec for the warm-up run's store. */
const WARM_UP_SPEC = JSON.stringify({
  CmsPlugins: ['ActiveDirectory'],
  DomainJoinConfig: { Sid: 'S-1-5-21-1-2-3', MachineAccountName: 'warmup', Guid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694', DnsTreeName: 'contoso.com', DnsName: 'contoso.com', NetBiosName: 'CONTOSO' },
  ActiveDirectoryConfig: { GroupManagedServiceAccounts: [{ Name: 'warmup', Scope: 'contoso.com' }, { Name: 'warmup', Scope: 'CONTOSO' }] },
});

/**
 * The code caches of one `run --dry-run` through the new launcher, against an engine that is not there
 * and a store in a temporary folder: the path most commands share (the command tree, the endpoint, a
 * request to the engine and its failure, the spec store and validation, the run planner). A cache made
 * after a run holds what that run compiled, which a cache of a fresh compile does not: that was a few
 * milliseconds of every command. None when the run fails.
 */
function warmUpCaches(launcher: Buffer): Map<string, Buffer> {
  const caches = new Map<string, Buffer>();
  let dir: string | undefined;
  try {
    dir = mkdtempSync(nodePath.join(tmpdir(), 'docker-gmsa-install-'));
    const file = nodePath.join(dir, 'docker-gmsa');
    const store = nodePath.join(dir, 'root', 'CredentialSpecs');
    const out = nodePath.join(dir, 'caches');
    writeFileSync(file, launcher);
    mkdirSync(store, { recursive: true });
    mkdirSync(out);
    writeFileSync(nodePath.join(store, 'contoso_warmup.json'), WARM_UP_SPEC);
    // the user's environment (NODE_OPTIONS is part of what a cache must fit), but none of docker's or ours
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(DOCKER|GMSA)_/i.test(k)) env[k] = v;
    Object.assign(env, { DOCKER_CONFIG: nodePath.join(dir, 'config'), DOCKER_HOST: `unix://${nodePath.join(dir, 'no-engine.sock')}`, [CODE_CACHE_OUT]: out });
    const args = ['run', '--dry-run', '--root', nodePath.dirname(store), 'warmup', 'image'];
    const r = spawnSync(process.execPath, loaderArgs(file, args), { env, stdio: 'ignore', timeout: 30_000 });
    if (r.status !== 0) return caches;
    for (const name of readdirSync(out)) if (name.endsWith('.cache')) caches.set(name.slice(0, -'.cache'.length), readFileSync(nodePath.join(out, name)));
  } catch {
    // no warm-up caches: those compiled here stand
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return caches;
}

export type InstallAction = 'installed' | 'updated' | 'unchanged';

function isOurs(content: Buffer): boolean {
  return content.includes(PLUGIN_MARKER);
}

/** The plugin file already there (bounded: a FIFO, device or folder in its place is refused, not read). */
async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readBoundedFile(path, { maxBytes: MAX_PLUGIN_BYTES, tooLargeHint: 'That is not a docker-gmsa plugin: move it away.' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError(err, 'read', path);
  }
}

/**
 * Windows refuses to delete or replace a running .exe (a `docker gmsa` command in progress, or the very
 * uninstall that runs from it) but lets it be renamed. Such a file is moved aside under a name the docker
 * CLI ignores (it runs only names ending in .exe) and swept by the next install or uninstall.
 */
const ASIDE = /^\.docker-gmsa\.exe\.[0-9a-f]+\.old$/;

async function sweepAside(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => ASIDE.test(n)).map((n) => rm(nodePath.win32.join(dir, n)).catch(() => undefined)));
}

async function moveAside(target: string, dir: string): Promise<string> {
  const aside = nodePath.win32.join(dir, `.docker-gmsa.exe.${randomBytes(6).toString('hex')}.old`);
  await rename(target, aside);
  return aside;
}

function inUse(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EPERM' || code === 'EBUSY' || code === 'EACCES';
}

export async function installPlugin(opts: {
  dir: string;
  source: InstallSource;
  platform: NodeJS.Platform;
  force: boolean;
}): Promise<{ path: string; action: InstallAction }> {
  if (opts.platform === 'win32' && !opts.source.packaged) {
    throw new InvalidInputError(
      'the docker CLI on Windows runs only .exe plugins, and this is the Node script',
      'Build docker-gmsa.exe (npm run build:exe) and run `dist\\docker-gmsa.exe install`, or copy that one file to %USERPROFILE%\\.docker\\cli-plugins.',
    );
  }
  let content: Buffer;
  try {
    content = readFileSync(opts.source.path);
  } catch (err) {
    throw fsError(err, 'read the running plugin at', opts.source.path);
  }
  if (!isOurs(content)) {
    throw new InvalidInputError(
      `${opts.source.path} is not a docker-gmsa bundle`,
      'Run install from the built plugin (npm run build, then node dist/docker-gmsa.js install).',
    );
  }
  await refuseSpecialFolder(opts.dir, opts.platform);
  content = installedContent(content, opts.source, opts.platform);
  const target = pathApi(opts.platform).join(opts.dir, pluginFileName(opts.platform));
  const existing = await readIfExists(target);
  if (existing && sameLauncher(existing, content)) return { path: target, action: 'unchanged' };
  if (existing && !isOurs(existing) && !opts.force) {
    throw new ConflictError(
      `${target} exists and was not installed by docker gmsa`,
      'Move it away, or pass --force to replace it.',
    );
  }
  try {
    await makeDirectory(opts.dir);
  } catch (err) {
    throw fsError(err, 'create', opts.dir);
  }
  if (opts.platform === 'win32') {
    await sweepAside(opts.dir);
    if (existing) {
      // The old copy may be running: move it aside (allowed) rather than replace it (refused).
      let aside: string | undefined;
      try {
        aside = await moveAside(target, opts.dir);
      } catch {
        // not movable: let the atomic write below report why
      }
      try {
        await writeFileAtomic(target, content, { overwrite: true });
      } catch (err) {
        if (aside) await rename(aside, target).catch(() => undefined);
        throw err;
      }
      if (aside) await rm(aside).catch(() => undefined);
      return { path: target, action: 'updated' };
    }
  }
  await writeFileAtomic(target, content, { overwrite: true, mode: 0o755 });
  if (opts.platform !== 'win32') chmodSync(target, 0o755);
  return { path: target, action: existing ? 'updated' : 'installed' };
}

/** A plugin folder on /proc, /sys, /dev or a kernel file system like them is refused before anything is created there. */
async function refuseSpecialFolder(dir: string, platform: NodeJS.Platform): Promise<void> {
  const special = await specialFileSystem(dir, platform);
  if (special !== undefined) {
    throw new InvalidInputError(
      `the plugin folder ${pathApi(platform).resolve(dir)} is on ${special}`,
      'Name a folder on an ordinary disk with --dir, or leave --dir out for <docker config dir>/cli-plugins.',
    );
  }
}

export async function uninstallPlugin(opts: {
  dir: string;
  platform: NodeJS.Platform;
}): Promise<{ path: string; action: 'removed' | 'absent'; movedAside?: string }> {
  await refuseSpecialFolder(opts.dir, opts.platform);
  const target = pathApi(opts.platform).join(opts.dir, pluginFileName(opts.platform));
  if (opts.platform === 'win32') await sweepAside(opts.dir);
  const existing = await readIfExists(target);
  if (!existing) return { path: target, action: 'absent' };
  if (!isOurs(existing)) {
    throw new ConflictError(
      `${target} was not installed by docker gmsa; leaving it in place`,
      'Remove it by hand if you really mean to.',
    );
  }
  try {
    await rm(target);
  } catch (err) {
    if (opts.platform === 'win32' && inUse(err)) {
      // The running docker-gmsa.exe is this uninstall itself (or another docker gmsa command).
      try {
        return { path: target, action: 'removed', movedAside: await moveAside(target, opts.dir) };
      } catch {
        // report the original failure
      }
    }
    throw fsError(err, 'remove', target);
  }
  return { path: target, action: 'removed' };
}
