/**
 * The rewrite against expected files (test/fixtures/compose/rewrite/<case>/expected*): comments, blank
 * lines, quoting, anchors, merge keys, !reset/!override, aliases, interpolation and the build rules.
 * A missing expected file fails; GMSA_UPDATE_FIXTURES=1 writes them from the current output (then read the diff).
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expectGolden } from '../../support/golden';
import { FIXTURES, rewrite } from './helpers';

const CASES = join(FIXTURES, 'rewrite');

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

const expectedName = (files: readonly string[], f: string): string => (files.length === 1 ? 'expected.yaml' : `expected.${basename(f)}`);

test('every case folder has a case here, and holds exactly the expected files its case compares', () => {
  expect(readdirSync(CASES).sort()).toEqual(cases.map((c) => c.name).sort());
  for (const c of cases) {
    const files = c.files ?? ['compose.yaml'];
    const present = readdirSync(join(CASES, c.name)).filter((f) => f.startsWith('expected'));
    expect(present.sort()).toEqual(files.map((f) => expectedName(files, f)).sort());
  }
});

describe.each(cases)('rewrite $name', (c) => {
  test('matches the expected file(s)', async () => {
    const dir = join(CASES, c.name);
    const files = c.files ?? ['compose.yaml'];
    const r = await rewrite(dir, c.args ?? [], { build: c.build ?? 17763, env: c.env ?? {} });
    expect(r.texts).toHaveLength(files.length);
    files.forEach((f, i) => {
      expectGolden(r.texts[i] as string, join(dir, expectedName(files, f)));
    });
    for (const n of c.notes ?? []) expect(r.notes.join('\n')).toMatch(n);
  });
});
