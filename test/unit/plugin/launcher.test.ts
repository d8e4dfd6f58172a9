import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleOf, isLauncher, LAUNCHER_MARKER, unixLauncher } from '../../../src/plugin/launcher';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'gmsa-launcher-'));
const BUNDLE = Buffer.from('#!/usr/bin/env node\n// bundle\n"use strict";\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)) + "\\n");\n');

function write(content: Buffer): string {
  const file = join(tmp(), 'docker-gmsa');
  writeFileSync(file, content);
  chmodSync(file, 0o755);
  return file;
}

describe('the sh + bundle launcher', () => {
  test('prints the metadata text exactly, whatever it contains, without Node', () => {
    const metadataText = '{\n  "Vendor": "100% \\\\ \'quoted\' $HOME `x`"\n}\n';
    const file = write(unixLauncher({ bundle: BUNDLE, metadataText, node: '/nonexistent/node' }));
    const r = spawnSync(file, ['docker-cli-plugin-metadata'], { env: { PATH: '/nonexistent' } });
    expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }).toEqual({ status: 0, stdout: metadataText, stderr: '' });
  });

  test('runs the recorded Node (a path with spaces and quotes), else the first node on PATH, else says so', () => {
    const dir = join(tmp(), "it's a dir");
    mkdirSync(dir);
    symlinkSync(process.execPath, join(dir, 'node'));
    const recorded = write(unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: join(dir, 'node') }));
    const a = spawnSync(recorded, ['run', "x'y", '$(id)'], { env: { PATH: '/nonexistent' } });
    expect(a.stdout.toString()).toBe('["run","x\'y","$(id)"]\n');

    const gone = write(unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: '/nonexistent/node' }));
    const b = spawnSync(gone, ['version'], { env: { PATH: dirname(process.execPath) } });
    expect(b.stdout.toString()).toBe('["version"]\n');

    const none = spawnSync(gone, ['version'], { env: { PATH: '/nonexistent' } });
    expect(none.status).toBe(127);
    expect(none.stderr.toString()).toBe("docker-gmsa: Node.js not found: /nonexistent/node is gone and PATH has no node\n");
  });

  test('the bundle comes back out byte for byte, and a launcher of a launcher is the same launcher', () => {
    const l = unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: '/usr/bin/node' });
    expect(isLauncher(l)).toBe(true);
    expect(l.toString()).toContain(LAUNCHER_MARKER);
    expect(isLauncher(BUNDLE)).toBe(false);
    expect(bundleOf(l).equals(BUNDLE)).toBe(true);
    expect(bundleOf(BUNDLE).equals(BUNDLE)).toBe(true);
    expect(unixLauncher({ bundle: l, metadataText: '{}\n', node: '/usr/bin/node' }).equals(l)).toBe(true);
    expect(() => unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: '/a\nb' })).toThrow(/unusable Node path/);
  });
});
