import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyGlobals } from '../../../src/engine/globals';
import { ConflictError, InvalidInputError } from '../../../src/errors';
import { defaultPluginDir, installPlugin, PLUGIN_MARKER, pluginDir, pluginFileName, pluginForm, uninstallPlugin } from '../../../src/plugin/install';
import { bundleOf, isLauncher } from '../../../src/plugin/launcher';

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `gmsa-${p}-`));

function fakeBundle(version: string): string {
  const dir = tmp('src');
  const file = join(dir, 'docker-gmsa.js');
  writeFileSync(file, `#!/usr/bin/env node\n// ${PLUGIN_MARKER} ${version}\n`);
  return file;
}

describe('plugin install', () => {
  test('default folder: --config, then DOCKER_CONFIG, then ~/.docker', () => {
    expect(defaultPluginDir({ ...emptyGlobals(), config: '/c' }, { DOCKER_CONFIG: '/e' }, '/home/u', 'linux')).toBe('/c/cli-plugins');
    expect(defaultPluginDir(emptyGlobals(), { DOCKER_CONFIG: '/e' }, '/home/u', 'linux')).toBe('/e/cli-plugins');
    expect(defaultPluginDir(emptyGlobals(), {}, '/home/u', 'linux')).toBe(join('/home/u', '.docker', 'cli-plugins'));
    expect(pluginFileName('win32')).toBe('docker-gmsa.exe');
    expect(pluginFileName('linux')).toBe('docker-gmsa');
  });

  test('on Windows: %USERPROFILE%\\.docker\\cli-plugins, --config and DOCKER_CONFIG as given, --dir with drive letters', () => {
    expect(defaultPluginDir(emptyGlobals(), {}, 'C:\\Users\\admin', 'win32')).toBe('C:\\Users\\admin\\.docker\\cli-plugins');
    expect(defaultPluginDir(emptyGlobals(), { DOCKER_CONFIG: 'D:\\cfg' }, 'C:\\Users\\admin', 'win32')).toBe('D:\\cfg\\cli-plugins');
    expect(defaultPluginDir({ ...emptyGlobals(), config: 'E:/docker' }, {}, 'C:\\Users\\admin', 'win32')).toBe('E:\\docker\\cli-plugins');
    expect(pluginDir('C:\\Program Files\\Docker\\cli-plugins', 'D:\\work', 'win32')).toBe('C:\\Program Files\\Docker\\cli-plugins');
    expect(pluginDir('plugins', 'D:\\work', 'win32')).toBe('D:\\work\\plugins');
    expect(pluginDir('plugins', '/w', 'linux')).toBe('/w/plugins');
  });

  test('a packaged executable is copied as it is (the Windows path runs under wine in e2e), idempotently, and replaces only an older copy of ours', async () => {
    const dir = tmp('dest');
    const exe = (v: string): string => {
      const f = join(tmp('exe'), 'docker-gmsa.exe');
      writeFileSync(f, Buffer.concat([Buffer.from('MZ\x90\0'), Buffer.alloc(64), Buffer.from(`// ${PLUGIN_MARKER} ${v}\n`)]));
      return f;
    };
    const v1 = exe('1');
    const first = await installPlugin({ dir, source: { path: v1, packaged: true }, platform: 'linux', force: false });
    expect(first).toEqual({ path: join(dir, 'docker-gmsa'), action: 'installed' });
    expect(readFileSync(first.path).equals(readFileSync(v1))).toBe(true);
    expect((await installPlugin({ dir, source: { path: v1, packaged: true }, platform: 'linux', force: false })).action).toBe('unchanged');
    const v2 = exe('2');
    expect((await installPlugin({ dir, source: { path: v2, packaged: true }, platform: 'linux', force: false })).action).toBe('updated');
    expect(readFileSync(first.path).equals(readFileSync(v2))).toBe(true);
    writeFileSync(first.path, 'MZ someone else');
    await expect(installPlugin({ dir, source: { path: v2, packaged: true }, platform: 'linux', force: false })).rejects.toThrow(ConflictError);
    expect(readFileSync(first.path, 'utf8')).toBe('MZ someone else');
    expect(pluginForm({ path: v2, packaged: true })).toBe('executable');
  });

  test('on Unix the installed file is the sh launcher around the bundle: sh answers the handshake, node runs the rest', async () => {
    const dir = tmp('dest');
    const src = join(tmp('src'), 'docker-gmsa.js');
    writeFileSync(src, `#!/usr/bin/env node\n// ${PLUGIN_MARKER} 9\n"use strict";\nconsole.log(JSON.stringify(process.argv.slice(2)));\n`);
    const r = await installPlugin({ dir, source: { path: src, packaged: false, node: process.execPath }, platform: 'linux', force: false });
    const installed = readFileSync(r.path);
    expect(isLauncher(installed)).toBe(true);
    expect(bundleOf(installed).equals(readFileSync(src))).toBe(true);
    expect(pluginForm({ path: r.path, packaged: false })).toBe('launcher');
    expect(pluginForm({ path: src, packaged: false })).toBe('bundle');
    // sh alone answers the handshake with the metadata file's JSON: no node on PATH, the recorded one unused.
    const meta = readFileSync(join(__dirname, '../../../plugin-metadata/docker-cli-plugin-metadata.json'), 'utf8');
    const hs = execFileSync(r.path, ['docker-cli-plugin-metadata'], { env: { PATH: '/nonexistent' } }).toString();
    expect(JSON.parse(hs)).toEqual(JSON.parse(meta));
    expect(execFileSync(r.path, ['a b', "it's", '$HOME']).toString()).toBe('["a b","it\'s","$HOME"]\n');
    // Installing from the installed copy changes nothing.
    expect((await installPlugin({ dir, source: { path: r.path, packaged: false, node: process.execPath }, platform: 'linux', force: false })).action).toBe('unchanged');
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
