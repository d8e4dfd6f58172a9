/**
 * The rewrite against expected files (test/fixtures/compose/rewrite/<case>/expected*): comments, blank
 * lines, quoting, anchors, merge keys, !reset/!override, aliases, interpolation and the build rules.
 * Set GMSA_UPDATE_FIXTURES=1 to write the expected files from the current output (then review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FIXTURES, rewrite } from './helpers';

const CASES = join(FIXTURES, 'rewrite');
const update = process.env.GMSA_UPDATE_FIXTURES === '1';

interface Case {
  name: string;
  args?: string[];
  build?: number;
  env?: NodeJS.ProcessEnv;
  /** Output files to compare, by input file name (default: compose.yaml). */
  files?: string[];
  notes?: RegExp[];
}

const cases: Case[] = [
  { name: 'comments-quoting' },
  { name: 'anchors-merge' },
  { name: 'reset-override', files: ['compose.yaml', 'compose.override.yaml'] },
  { name: 'bare-alias' },
  { name: 'credential-spec', notes: [/credential_spec\.file is a file name, not a URL: "file:\/\/contoso_webapp01\.json" was read as "contoso_webapp01\.json"/] },
  { name: 'pre-2019', build: 14393 },
  { name: 'raw-spec', notes: [/passed inline \(credentialspec=raw:\/\/\)/] },
  { name: 'style' },
  { name: 'interpolation', env: { USERNAME: 'ignored' } },
  { name: 'replicas', notes: [/3 replicas: no hostname is set, so each replica keeps its container ID/] },
];

describe.each(cases)('rewrite $name', (c) => {
  test('matches the expected file(s)', async () => {
    const dir = join(CASES, c.name);
    const files = c.files ?? ['compose.yaml'];
    const r = await rewrite(dir, c.args ?? [], { build: c.build ?? 17763, env: c.env ?? {} });
    expect(r.texts).toHaveLength(files.length);
    files.forEach((f, i) => {
      const expectedPath = join(dir, files.length === 1 ? 'expected.yaml' : `expected.${basename(f)}`);
      if (update || !existsSync(expectedPath)) writeFileSync(expectedPath, r.texts[i] as string);
      expect(r.texts[i]).toBe(readFileSync(expectedPath, 'utf8'));
    });
    for (const n of c.notes ?? []) expect(r.notes.join('\n')).toMatch(n);
  });
});
