import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyGlobals } from '../../../src/engine/globals';
import { ConflictError, InvalidInputError } from '../../../src/errors';
import { defaultPluginDir, installPlugin, PLUGIN_MARKER, pluginFileName, uninstallPlugin } from '../../../src/plugin/install';

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `gmsa-${p}-`));

function fakeBundle(version: string): string {
  const dir = tmp('src');
  const file = join(dir, 'docker-gmsa.js');
  writeFileSync(file, `#!/usr/bin/env node\n// ${PLUGIN_MARKER} ${version}\n`);
  return file;
}

describe('plugin install', () => {
  test('default folder: --config, then DOCKER_CONFIG, then ~/.docker', () => {
    expect(defaultPluginDir({ ...emptyGlobals(), config: '/c' }, { DOCKER_CONFIG: '/e' }, '/home/u')).toBe('/c/cli-plugins');
    expect(defaultPluginDir(emptyGlobals(), { DOCKER_CONFIG: '/e' }, '/home/u')).toBe('/e/cli-plugins');
    expect(defaultPluginDir(emptyGlobals(), {}, '/home/u')).toBe(join('/home/u', '.docker', 'cli-plugins'));
    expect(pluginFileName('win32')).toBe('docker-gmsa.exe');
    expect(pluginFileName('linux')).toBe('docker-gmsa');
  });

  test('installs, then is a no-op, then updates a different version of ours', async () => {
    const dir = join(tmp('dest'), 'cli-plugins');
    const v1 = fakeBundle('1');
    const first = await installPlugin({ dir, source: { path: v1, packaged: false }, platform: 'linux', force: false });
    expect(first.action).toBe('installed');
    expect(statSync(first.path).mode & 0o777).toBe(0o755);
    expect((await installPlugin({ dir, source: { path: v1, packaged: false }, platform: 'linux', force: false })).action).toBe('unchanged');
    const v2 = fakeBundle('2');
    expect((await installPlugin({ dir, source: { path: v2, packaged: false }, platform: 'linux', force: false })).action).toBe('updated');
    expect(readFileSync(first.path, 'utf8')).toContain(`${PLUGIN_MARKER} 2`);
  });

  test('refuses to install something that is not our bundle, and a .js plugin on Windows', async () => {
    const dir = tmp('dest');
    const other = join(tmp('src'), 'x.js');
    writeFileSync(other, 'console.log(1)');
    await expect(installPlugin({ dir, source: { path: other, packaged: false }, platform: 'linux', force: false })).rejects.toThrow(InvalidInputError);
    await expect(installPlugin({ dir, source: { path: fakeBundle('1'), packaged: false }, platform: 'win32', force: false })).rejects.toThrow(/only \.exe plugins/);
  });

  test('uninstall removes only our file', async () => {
    const dir = tmp('dest');
    const target = join(dir, 'docker-gmsa');
    writeFileSync(target, 'not ours');
    await expect(uninstallPlugin({ dir, platform: 'linux' })).rejects.toThrow(ConflictError);
    expect(readFileSync(target, 'utf8')).toBe('not ours');
    await installPlugin({ dir, source: { path: fakeBundle('1'), packaged: false }, platform: 'linux', force: true });
    expect((await uninstallPlugin({ dir, platform: 'linux' })).action).toBe('removed');
    expect((await uninstallPlugin({ dir, platform: 'linux' })).action).toBe('absent');
  });

  const onLinux = process.platform === 'linux' ? test : test.skip;

  onLinux('a folder under /proc, /sys or /dev is refused at once (creating one under /proc never returned)', async () => {
    for (const dir of ['/proc/x', '/proc/1/cli-plugins', '/sys/cli-plugins', '/dev/cli-plugins']) {
      await expect(installPlugin({ dir, source: { path: fakeBundle('1'), packaged: false }, platform: 'linux', force: false })).rejects.toThrow(
        `the plugin folder ${dir} is on /`,
      );
      await expect(uninstallPlugin({ dir, platform: 'linux' })).rejects.toThrow(InvalidInputError);
    }
    expect(existsSync('/dev/cli-plugins')).toBe(false);
  }, 10_000);

  onLinux('a FIFO where the plugin goes is refused, not read (reading it would wait for a writer)', async () => {
    const dir = tmp('dest');
    execFileSync('mkfifo', [join(dir, 'docker-gmsa')]);
    await expect(installPlugin({ dir, source: { path: fakeBundle('1'), packaged: false }, platform: 'linux', force: true })).rejects.toThrow(
      /is a named pipe \(FIFO\), not a regular file/,
    );
    await expect(uninstallPlugin({ dir, platform: 'linux' })).rejects.toThrow(/named pipe/);
  }, 10_000);
});
