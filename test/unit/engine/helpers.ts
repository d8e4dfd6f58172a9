/** Temporary docker config directories with contexts written by hand, as `docker context create` lays them out. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const FAKE_CA = '-----BEGIN CERTIFICATE-----\nQ0EtZm9yLXRlc3Rz\n-----END CERTIFICATE-----\n';
export const FAKE_CERT = '-----BEGIN CERTIFICATE-----\nY2VydC1mb3ItdGVzdHM=\n-----END CERTIFICATE-----\n';
export const FAKE_KEY = '-----BEGIN RSA PRIVATE KEY-----\na2V5LWZvci10ZXN0cw==\n-----END RSA PRIVATE KEY-----\n';

export function tempDir(prefix = 'gmsa-eng-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function sha(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export function writeFile(file: string, content: string | Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Writes <configDir>/contexts/meta/<sha>/meta.json; `meta` may be an object or raw text. */
export function writeContext(configDir: string, name: string, meta: unknown): string {
  const file = path.join(configDir, 'contexts', 'meta', sha(name), 'meta.json');
  return writeFile(file, typeof meta === 'string' ? meta : JSON.stringify(meta));
}

/** A context in the shape the docker CLI writes. */
export function dockerContext(name: string, host: string, skipTLSVerify = false): Record<string, unknown> {
  return { Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: skipTLSVerify } } };
}

/** Writes <configDir>/contexts/tls/<sha>/docker/<file> for each given file. */
export function writeContextTls(configDir: string, name: string, files: { ca?: string; cert?: string; key?: string }): string {
  const dir = path.join(configDir, 'contexts', 'tls', sha(name), 'docker');
  if (files.ca !== undefined) writeFile(path.join(dir, 'ca.pem'), files.ca);
  if (files.cert !== undefined) writeFile(path.join(dir, 'cert.pem'), files.cert);
  if (files.key !== undefined) writeFile(path.join(dir, 'key.pem'), files.key);
  return dir;
}

export function writeConfigJson(configDir: string, content: unknown): string {
  return writeFile(path.join(configDir, 'config.json'), typeof content === 'string' ? content : JSON.stringify(content));
}
