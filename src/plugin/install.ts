/**
 * Putting the plugin where the docker CLI finds it, and taking away only what we put there.
 *
 * The docker CLI looks for `docker-gmsa` (`docker-gmsa.exe` on Windows) in `<config dir>/cli-plugins`
 * among other folders; the config dir is `--config`, `$DOCKER_CONFIG` or `~/.docker`. Every bundle and
 * executable we ship carries PLUGIN_MARKER, which is how uninstall tells our file from someone else's.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DockerGlobals } from '../engine/globals';
import { ConflictError, fsError, InvalidInputError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { makeDirectory, readBoundedFile, specialFileSystem } from '../util/safe-fs';

/** Larger than any plugin file we ship (the Windows executable included); reads of the target stop there. */
const MAX_PLUGIN_BYTES = 512 * 1024 * 1024;

/** Present in the bundle's text and so in every executable built from it. */
export const PLUGIN_MARKER = 'docker-gmsa:cli-plugin-bundle';

export function pluginFileName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'docker-gmsa.exe' : 'docker-gmsa';
}

export function dockerConfigDir(globals: DockerGlobals, env: NodeJS.ProcessEnv, homedir: string): string {
  return globals.config || env.DOCKER_CONFIG || join(homedir, '.docker');
}

export function defaultPluginDir(globals: DockerGlobals, env: NodeJS.ProcessEnv, homedir: string): string {
  return join(dockerConfigDir(globals, env, homedir), 'cli-plugins');
}

export interface InstallSource {
  path: string;
  packaged: boolean;
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

export async function installPlugin(opts: {
  dir: string;
  source: InstallSource;
  platform: NodeJS.Platform;
  force: boolean;
}): Promise<{ path: string; action: InstallAction }> {
  if (opts.platform === 'win32' && !opts.source.packaged) {
    throw new InvalidInputError(
      'the docker CLI on Windows runs only .exe plugins, and this is the Node script',
      'Install docker-gmsa.exe instead: run `docker-gmsa.exe install` from the Windows release.',
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
  const target = join(opts.dir, pluginFileName(opts.platform));
  const existing = await readIfExists(target);
  if (existing && existing.equals(content)) return { path: target, action: 'unchanged' };
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
  await writeFileAtomic(target, content, { overwrite: true, mode: 0o755 });
  if (opts.platform !== 'win32') chmodSync(target, 0o755);
  return { path: target, action: existing ? 'updated' : 'installed' };
}

/** A plugin folder on /proc, /sys, /dev or a kernel file system like them is refused before anything is created there. */
async function refuseSpecialFolder(dir: string, platform: NodeJS.Platform): Promise<void> {
  const special = await specialFileSystem(dir, platform);
  if (special !== undefined) {
    throw new InvalidInputError(
      `the plugin folder ${resolve(dir)} is on ${special}`,
      'Name a folder on an ordinary disk with --dir, or leave --dir out for <docker config dir>/cli-plugins.',
    );
  }
}

export async function uninstallPlugin(opts: {
  dir: string;
  platform: NodeJS.Platform;
}): Promise<{ path: string; action: 'removed' | 'absent' }> {
  await refuseSpecialFolder(opts.dir, opts.platform);
  const target = join(opts.dir, pluginFileName(opts.platform));
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
    throw fsError(err, 'remove', target);
  }
  return { path: target, action: 'removed' };
}
