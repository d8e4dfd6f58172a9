/**
 * No input, however malformed, makes the built plugin crash: random bytes and mangled specs fed to
 * `spec validate -` and `spec install -` always end in a report or a clear error (exit 0 or 1), never
 * in the "unexpected failure" bug message, and never leave a file behind when rejected.
 */
import fc from 'fast-check';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, DOMAIN_FLAGS, plugin, tempDir } from '../support/cli';

const env = cleanEnv();

async function validSpec(): Promise<string> {
  const r = await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--path', '-'], env);
  expect(r.status).toBe(0);
  return r.stdout;
}

const mangled = (base: string): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 40 }), fc.string({ maxLength: 5 })).map(([at, del, ins]) =>
      Buffer.from(base.slice(0, at) + ins + base.slice(at + del), 'utf8'),
    ),
    fc.nat({ max: base.length }).map((cut) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(base.slice(0, cut), 'utf16le')])),
  );

test('spec validate and spec install never crash on malformed input', async () => {
  const base = await validSpec();
  const root = tempDir('fuzz');
  await fc.assert(
    fc.asyncProperty(mangled(base), async (bytes) => {
      const v = await plugin(['spec', 'validate', '-', '--format', 'json'], env, bytes);
      expect([0, 1]).toContain(v.status);
      expect(v.stderr).not.toMatch(/unexpected failure|bug in docker gmsa|\n\s+at /);
      type Report = { Valid: boolean; Findings: { Path: string; Fix: string }[] };
      const reports = JSON.parse(v.stdout) as Report[];
      expect(reports).toHaveLength(1);
      const report = reports[0] as Report;
      expect(report.Valid).toBe(v.status === 0);
      for (const f of report.Findings) {
        expect(f.Path).toMatch(/^\$/);
        expect(f.Fix.length).toBeGreaterThan(0);
      }

      const i = await plugin(['spec', 'install', '-', '--name', 'fuzzed', '--root', root, '--force'], env, bytes);
      expect(i.status).toBe(v.status);
      expect(i.stderr).not.toMatch(/unexpected failure|bug in docker gmsa/);
      const store = join(root, 'CredentialSpecs');
      const files = existsSync(store) ? readdirSync(store).filter((n) => n !== 'fuzzed.json') : [];
      expect(files).toEqual([]); // no temp files left behind, nothing under another name
    }),
    { numRuns: 25 },
  );
}, 120_000);
