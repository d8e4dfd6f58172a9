import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleLayers, bundleOf, codeCaches, isLauncher, LAUNCHER_MARKER, sameLauncher, unixLauncher } from '../../../src/plugin/launcher';
import { brotliCompressSync } from 'node:zlib';

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

  test('NODE_EXTRA_CA_CERTS is handed to the loader, not to Node\'s start: the bundle sees it as set, and Node never read it', () => {
    // Node reads NODE_EXTRA_CA_CERTS as it starts and warns on stderr when the file cannot be read: no
    // warning means it did not read it. The bundle prints what it sees.
    const bundle = Buffer.from(
      '#!/usr/bin/env node\n"use strict";\nprocess.stdout.write(JSON.stringify([process.env.NODE_EXTRA_CA_CERTS, process.env.DOCKER_GMSA_EXTRA_CA_CERTS, ' +
        'globalThis[Symbol.for("docker-gmsa.extra-ca-deferred")]]) + "\\n");\n',
    );
    const file = write(unixLauncher({ bundle, metadataText: '{}\n', node: process.execPath }));
    const runWith = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(file, ['x'], { env: { PATH: '/nonexistent', ...env } });
      return { stdout: JSON.parse(r.stdout.toString()) as unknown, stderr: r.stderr.toString() };
    };
    expect(runWith({ NODE_EXTRA_CA_CERTS: '/nonexistent/extra.pem' })).toEqual({ stdout: ['/nonexistent/extra.pem', null, '/nonexistent/extra.pem'], stderr: '' });
    // A stale hand-over variable from outside is dropped, never taken for one.
    expect(runWith({ DOCKER_GMSA_EXTRA_CA_CERTS: '/stale.pem' })).toEqual({ stdout: [null, null, null], stderr: '' });
    // With NODE_OPTIONS set, Node loads the file itself as usual (its warning shows it did).
    const own = runWith({ NODE_EXTRA_CA_CERTS: '/nonexistent/extra.pem', NODE_OPTIONS: '--no-deprecation' });
    expect(own.stdout).toEqual(['/nonexistent/extra.pem', null, null]);
    expect(own.stderr).toMatch(/Ignoring extra certs from `\/nonexistent\/extra\.pem`/);
  });

  test('Node starts with --use-openssl-ca and the bundle is told so (util/trust.ts settles the root store); not with NODE_OPTIONS set', () => {
    const bundle = Buffer.from(
      '#!/usr/bin/env node\n"use strict";\nprocess.stdout.write(JSON.stringify([process.execArgv.filter((a) => a.startsWith("--use-")), ' +
        'globalThis[Symbol.for("docker-gmsa.root-store-deferred")] ?? null, process.env.gmsa_node_flags ?? null]) + "\\n");\n',
    );
    const file = write(unixLauncher({ bundle, metadataText: '{}\n', node: process.execPath }));
    const runWith = (env: NodeJS.ProcessEnv): unknown => JSON.parse(spawnSync(file, ['x'], { env: { PATH: '/nonexistent', ...env } }).stdout.toString());
    expect(runWith({})).toEqual([['--use-openssl-ca'], true, null]);
    // An IFS of the user's own does not split or join the flag.
    expect(runWith({ IFS: '-' })).toEqual([['--use-openssl-ca'], true, null]);
    // NODE_OPTIONS may name its own CA store (--use-bundled-ca, with which the flag cannot go): Node as given.
    expect(runWith({ NODE_OPTIONS: '--use-bundled-ca' })).toEqual([[], null, null]);
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

  test('the packed layers and code caches go in sections: the bundle reads them through the layer registry, and caches alone never make two launchers differ', () => {
    // A bundle that prints what the loader hands the unpack runtime for two names.
    const bundle = Buffer.from(
      '#!/usr/bin/env node\n"use strict";\nconst layers = globalThis[Symbol.for("docker-gmsa.layers")];\n' +
        'const s = layers.sections("body"), none = layers.sections("nope");\n' +
        'process.stdout.write(JSON.stringify([s.code, s.cache && s.cache.toString(), none, __filename === process.argv[1]]) + "\\n");\n',
    );
    const layers = new Map([['body', 'module.exports = "body code \u00e9";']]);
    const caches = (x: string) => ({ madeBy: 'Node test', data: new Map([['body', Buffer.from(x)]]) });
    const file = write(unixLauncher({ bundle, metadataText: '{}\n', node: process.execPath, layers, caches: caches('cache-1') }));
    const r = spawnSync(file, ['x'], { env: { PATH: '/nonexistent' } });
    expect({ status: r.status, stderr: r.stderr.toString() }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(r.stdout.toString())).toEqual(['module.exports = "body code \u00e9";', 'cache-1', null, true]);

    const a = unixLauncher({ bundle, metadataText: '{}\n', node: '/usr/bin/node', layers, caches: caches('one') });
    const b = unixLauncher({ bundle, metadataText: '{}\n', node: '/usr/bin/node', layers, caches: caches('another') });
    expect(a.equals(b)).toBe(false);
    expect(sameLauncher(a, b)).toBe(true);
    expect(bundleOf(a).equals(bundle)).toBe(true);
    expect(sameLauncher(a, unixLauncher({ bundle, metadataText: '{}\n', node: '/usr/bin/node', layers: new Map([['body', 'other']]), caches: caches('one') }))).toBe(false);
    expect(sameLauncher(a, unixLauncher({ bundle, metadataText: '{}\n', node: '/usr/bin/node', layers, caches: { ...caches('one'), madeBy: 'Node other' } }))).toBe(false);
    expect(sameLauncher(a, unixLauncher({ bundle, metadataText: '{}\n', node: '/other/node', layers, caches: caches('one') }))).toBe(false);
  });

  test('a code cache that does not fit is refused by V8 and the bundle runs from its code; a cut-short file says to install again', () => {
    const garbage = { madeBy: 'Node test', data: new Map([['bundle', Buffer.from('not a V8 code cache')]]) };
    const ok = write(unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: process.execPath, caches: garbage }));
    expect(spawnSync(ok, ['a']).stdout.toString()).toBe('["a"]\n');
    const real = { madeBy: 'Node test', data: codeCaches(BUNDLE, new Map()) };
    const cached = write(unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: process.execPath, caches: real }));
    expect(spawnSync(cached, ['b']).stdout.toString()).toBe('["b"]\n');
    const whole = unixLauncher({ bundle: BUNDLE, metadataText: '{}\n', node: process.execPath });
    const cut = write(whole.subarray(0, whole.length - 10));
    const r = spawnSync(cut, ['c']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.toString()).toMatch(/cut short: install the plugin again/);
  });

  test('the layers of a bundle come from the index on its last line, nested ones out of their parent', () => {
    const pack = (code: string): string => brotliCompressSync(Buffer.from(code)).toString('base64');
    const inner = pack('inner code');
    const body = `body code ${JSON.stringify(inner)} more`;
    const packedBody = pack(body);
    const text = `#!/usr/bin/env node\nconst x = ${JSON.stringify(packedBody)};\n`;
    const index = { lib: ['body', body.indexOf(inner), inner.length], body: [null, text.indexOf(packedBody), packedBody.length] };
    const bundle = Buffer.from(`${text}//# docker-gmsa:layers ${JSON.stringify(index)}\n`);
    expect(Object.fromEntries(bundleLayers(bundle))).toEqual({ lib: 'inner code', body });
    expect([...bundleLayers(BUNDLE)]).toEqual([]);
  });
});
