/**
 * The rewrite against expected files (test/fixtures/compose/rewrite/<case>/expected*): comments, blank
 * lines, quoting, anchors, merge keys, !reset/!override, aliases, interpolation and the build rules.
 * A missing expected file fails; GMSA_UPDATE_FIXTURES=1 writes them from the current output (then read the diff).
 *
 * Then the one edit pass (applyEdits) as both planners feed it: compose's edits and stack deploy's, on the
 * same inputs, behave alike where they used to differ.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { composeEdits, type ServiceDecision } from '../../../src/compose/plan';
import { readProject } from '../../../src/compose/project';
import { hideConfigSpecs, stackEdits, type StackDecision } from '../../../src/compose/stack';
import { parseComposeText } from '../../../src/compose/yaml-doc';
import { expectGolden } from '../../support/golden';
import { FIXTURES, project, rewrite, STACK_CONFIGS, stackRewrite } from './helpers';

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

describe('one edit pass for compose and stack deploy', () => {
  const config = STACK_CONFIGS.webapp01;
  const task = 'webapp01-{{printf "%.6s" .Task.ID}}';

  // The comment after a one-line value moves to what replaces it; after a flow value only stack deploy's
  // copy of the pass kept it, compose dropped it.
  test.each(['x-gmsa: {account: webapp01}', 'credential_spec: {file: contoso_webapp01.json}', 'x-gmsa: webapp01'])('the comment after `%s` moves along in both', async (line) => {
    const input = `services:\n  web:\n    image: x\n    ${line} # the site\n`;
    const composed = await rewrite(project({ 'compose.yaml': input }), []);
    expect(composed.texts[0]).toBe('services:\n  web:\n    image: x\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json # the site\n    hostname: webapp01-web\n');
    expect(stackRewrite(input).texts[0]).toBe(`services:\n  web:\n    image: x\n    credential_spec:\n      config: ${config} # the site\n    hostname: ${task}\nconfigs:\n  ${config}:\n    external: true\n`);
  });

  test('the comment lines and the blank line above x-gmsa move along in both', async () => {
    const input = 'services:\n  web:\n\n    # the gMSA\n    x-gmsa: {account: webapp01}\n    image: x\n';
    const composed = await rewrite(project({ 'compose.yaml': input }), []);
    expect(composed.texts[0]).toBe('services:\n  web:\n\n    # the gMSA\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json\n    hostname: webapp01-web\n    image: x\n');
    expect(stackRewrite(input).texts[0]).toBe(`services:\n  web:\n\n    # the gMSA\n    credential_spec:\n      config: ${config}\n    hostname: ${task}\n    image: x\nconfigs:\n  ${config}:\n    external: true\n`);
  });

  test('a flow-style service in a stack file stays a flow map with its new keys', () => {
    expect(stackRewrite('services:\n  web: {image: x, x-gmsa: webapp01}\n').texts[0]).toBe(
      `services:\n  web: {image: x, credential_spec: {config: ${config}}, hostname: '${task}'}\nconfigs:\n  ${config}:\n    external: true\n`,
    );
    expect(stackRewrite('services:\n  web: {image: x, x-gmsa: webapp01, security_opt: [credentialspec=file://a.json]}\n').texts[0]).toBe(
      `services:\n  web: {image: x, credential_spec: {config: ${config}}, hostname: '${task}'}\nconfigs:\n  ${config}:\n    external: true\n`,
    );
  });

  // Stack deploy took an empty security_opt for one it had emptied, and refused the file as sharing an anchor.
  test('an empty security_opt of a gMSA service is left as it is in a stack file, not refused', () => {
    expect(stackRewrite('services:\n  web:\n    image: x\n    x-gmsa: webapp01\n    security_opt: []\n').texts[0]).toBe(
      `services:\n  web:\n    image: x\n    credential_spec:\n      config: ${config}\n    hostname: ${task}\n    security_opt: []\nconfigs:\n  ${config}:\n    external: true\n`,
    );
  });

  test('an anchor inside what the pass removes: each names what it removes', async () => {
    const compose = await rewrite(project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    x-gmsa: &acct webapp01\nx-notes:\n  who: *acct\n' }), []).catch((e: Error) => e);
    expect((compose as Error).message).toMatch(/the anchor &acct is defined inside an x-gmsa or credential_spec that docker gmsa removes, and used elsewhere \(\*acct\)$/);
    expect(() => stackRewrite('services:\n  web:\n    image: x\n    x-gmsa: &acct webapp01\nx-notes:\n  who: *acct\n')).toThrow(
      /the anchor &acct is defined inside something docker gmsa removes \(x-gmsa, credential_spec or a credentialspec security_opt\), and used elsewhere/,
    );
    expect(() => stackRewrite('services:\n  web:\n    image: x\n    security_opt: [&o credentialspec=file://a.json]\n  api:\n    image: x\n    labels: [*o]\n')).toThrow(
      /the anchor &o is defined inside something docker gmsa removes \(a credentialspec security_opt\), and used elsewhere \(\*o\)/,
    );
  });

  test('the planners give their decisions to the pass as data', () => {
    const doc = parseComposeText('/base/compose.yaml', 'compose.yaml', 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n  old:\n    image: y\n');
    const hidden = hideConfigSpecs([doc]);
    const [web, old] = readProject([doc], () => undefined).services;
    if (!web?.request || !old) throw new Error('both services are read');
    const c: ServiceDecision = { service: web, request: web.request, securityOpt: 'credentialspec=file://contoso_webapp01.json', hostname: 'h' };
    expect(composeEdits([c])).toEqual({
      services: [{ service: web, remove: ['x-gmsa', 'credential_spec'], set: [{ key: 'security_opt', value: c.securityOpt, append: true }, { key: 'hostname', value: 'h' }] }],
    });
    const s: StackDecision[] = [
      { service: web, request: web.request, account: 'webapp01', configName: config, hostname: '$h', user: 'u', dropped: [] },
      { service: old, dropped: ['credentialspec=file://old.json'] },
    ];
    const plan = stackEdits(s, hidden, { base: '/base', platform: 'linux' });
    expect(plan.services).toEqual([
      {
        service: web,
        remove: ['x-gmsa', 'credential_spec'],
        dropCredentialSpecOpts: true,
        set: [{ key: 'credential_spec', value: { config } }, { key: 'hostname', value: '$$h' }, { key: 'user', value: 'u' }],
        externalConfigs: [config],
      },
      { service: old, remove: [], dropCredentialSpecOpts: true, set: [] },
    ]);
    expect(plan.absolutize).toEqual({ base: '/base', platform: 'linux' });
    expect(plan.renamed?.shownAs).toBe('credential_spec');
  });
});
