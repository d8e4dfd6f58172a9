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
