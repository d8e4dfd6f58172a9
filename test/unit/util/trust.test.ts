import { rootCertificates } from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY = Symbol.for('docker-gmsa.extra-ca-deferred');
const globals = globalThis as Record<symbol, unknown>;

/** A fresh copy of the module (it keeps what it built for the life of the process). */
function fresh(): typeof import('../../../src/util/trust') {
  let mod: typeof import('../../../src/util/trust') | undefined;
  jest.isolateModules(() => {
    mod = require('../../../src/util/trust') as typeof import('../../../src/util/trust');
  });
  return mod as typeof import('../../../src/util/trust');
}

describe('defaultCa: the trust of a connection that names no CA', () => {
  afterEach(() => {
    delete globals[KEY];
    jest.restoreAllMocks();
  });

  test('nothing handed over (npm bin, Windows executable, NODE_OPTIONS set): undefined, so Node\'s own default applies', () => {
    const { defaultCa, EXTRA_CA_DEFERRED } = fresh();
    expect(EXTRA_CA_DEFERRED).toBe('docker-gmsa.extra-ca-deferred');
    expect(defaultCa()).toBeUndefined();
    globals[KEY] = '';
    expect(defaultCa()).toBeUndefined();
  });

  test('a file the launcher kept from Node\'s start: Node\'s bundled roots and then that file, built once', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gmsa-trust-')), 'extra.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(file, pem);
    globals[KEY] = file;
    const { defaultCa } = fresh();
    const ca = defaultCa();
    expect(ca).toEqual([...rootCertificates, pem]);
    expect(ca?.length).toBe(rootCertificates.length + 1);
    expect(defaultCa()).toBe(ca);
  });

  test('a file that cannot be read: a warning naming it and the variable, and Node\'s roots alone', () => {
    const writes: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    globals[KEY] = '/nonexistent/extra.pem';
    const { defaultCa } = fresh();
    expect(defaultCa()).toEqual([...rootCertificates]);
    expect(writes).toEqual(['Warning: ignoring the extra CA certificates in /nonexistent/extra.pem (NODE_EXTRA_CA_CERTS): it could not be read (ENOENT)\n']);
  });
});

describe('trustFor: the `ca` of every TLS connection, and the root store the launcher deferred', () => {
  const ROOTS = Symbol.for('docker-gmsa.root-store-deferred');
  const saved = { file: process.env.SSL_CERT_FILE, dir: process.env.SSL_CERT_DIR };
  afterEach(() => {
    delete globals[KEY];
    delete globals[ROOTS];
    for (const [k, v] of [['SSL_CERT_FILE', saved.file], ['SSL_CERT_DIR', saved.dir]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    jest.restoreAllMocks();
  });

  /** trust.ts with createSecureContext watched: what OpenSSL's variables were at each call. */
  function watched(): { trust: typeof import('../../../src/util/trust'); calls: (string | undefined)[][] } {
    const calls: (string | undefined)[][] = [];
    const tls = require('node:tls') as typeof import('node:tls');
    jest.spyOn(tls, 'createSecureContext').mockImplementation(() => {
      calls.push([process.env.SSL_CERT_FILE, process.env.SSL_CERT_DIR]);
      return {} as ReturnType<typeof tls.createSecureContext>;
    });
    return { trust: fresh(), calls };
  }

  test('not deferred (npm bin, Windows executable, NODE_OPTIONS set): the own CAs, else Node\'s default, and no context made', () => {
    const { trust, calls } = watched();
    const own = [Buffer.from('own')];
    expect(trust.trustFor(own, true)).toBe(own);
    expect(trust.trustFor(undefined, true)).toBeUndefined();
    expect(trust.trustFor(undefined, false)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  test('deferred: one context made while OpenSSL\'s file and folder point at nothing, both put back as they were, set or not', () => {
    process.env.SSL_CERT_FILE = '/etc/corp/ca.pem';
    delete process.env.SSL_CERT_DIR;
    globals[ROOTS] = true;
    const { trust, calls } = watched();
    expect(trust.ROOT_STORE_DEFERRED).toBe('docker-gmsa.root-store-deferred');
    const own = [Buffer.from('own')];
    expect(trust.trustFor(own, true)).toBe(own);
    expect(calls).toHaveLength(1);
    const [file, dir] = calls[0] as string[];
    expect(file).toBe(dir);
    expect(file).toMatch(/^\/dev\/null\//);
    expect(process.env.SSL_CERT_FILE).toBe('/etc/corp/ca.pem');
    expect('SSL_CERT_DIR' in process.env).toBe(false);
    trust.trustFor(undefined, true);
    expect(calls).toHaveLength(1);
  });

  test('deferred: the root store trusts nothing, so default trust is Node\'s bundled roots given as `ca`, plus a handed-over file', () => {
    globals[ROOTS] = true;
    const { trust } = watched();
    expect(trust.trustFor(undefined, true)).toEqual([...rootCertificates]);
    expect(trust.trustFor(undefined, false)).toBeUndefined();
    const file = join(mkdtempSync(join(tmpdir(), 'gmsa-trust-')), 'extra.pem');
    writeFileSync(file, 'PEM');
    globals[KEY] = file;
    expect(watched().trust.trustFor(undefined, true)).toEqual([...rootCertificates, 'PEM']);
  });
});
