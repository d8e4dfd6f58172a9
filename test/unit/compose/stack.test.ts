/**
 * docker gmsa stack deploy's rewrite against expected files (test/fixtures/compose/stack/<case>/expected.yaml):
 * credential_spec: {config} with the config external at the top, hostnames by build, network-service,
 * security_opt credentialspec entries dropped, a user's own config kept, comments and anchors kept, and
 * relative paths made absolute. A missing expected file fails; GMSA_UPDATE_FIXTURES=1 writes them (then read
 * the diff).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildRuleError, ConflictError, InvalidInputError, UsageError } from '../../../src/errors';
import { expectGolden } from '../../support/golden';
import { FIXTURES, STACK_CONFIGS as CONFIG, stackRewrite as run } from './helpers';

const CASES = join(FIXTURES, 'stack');

const cases: Array<{ name: string; build?: number; notes: RegExp[] }> = [
  {
    name: 'mixed',
    notes: [
      /security_opt credentialspec=file:\/\/contoso_api01\.json is ignored by docker stack deploy; it is left out of the deployed file\./,
      /"worker".*credentialspec=file:\/\/old\.json is ignored.*use x-gmsa: ACCOUNT/,
      /or later assumed/,
    ],
  },
  { name: 'pre-2019', build: 14393, notes: [/Windows build 14393 .*from --windows-build/] },
  { name: 'anchors', notes: [] },
];

test('every case folder has a case here, with its input and its expected file', () => {
  expect(readdirSync(CASES).sort()).toEqual(cases.map((c) => c.name).sort());
  for (const c of cases) expect(readdirSync(join(CASES, c.name)).sort()).toEqual(['compose.yaml', 'expected.yaml']);
});

describe.each(cases)('stack rewrite $name', (c) => {
  test('matches the expected file; the source is untouched', () => {
    const dir = join(CASES, c.name);
    const source = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    const r = run(source, c.build !== undefined ? { build: c.build } : {});
    expectGolden(r.texts[0] as string, join(dir, 'expected.yaml'));
    expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toBe(source);
    for (const n of c.notes) expect(r.plan.notes.join('\n')).toMatch(n);
  });
});

describe('stack rules', () => {
  const two = 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n    deploy:\n      replicas: 2\n';

  test('before 17763 two replicas are refused, and accepted with --force (a warning)', () => {
    expect(() => run(two, { build: 14393 })).toThrow(BuildRuleError);
    expect(() => run(two, { build: 14393 })).toThrow(/only one container per gMSA \(webapp01\).*it has 2 replicas/);
    const r = run(two, { build: 14393, force: true });
    expect(r.texts[0]).toMatch(/hostname: webapp01\n/);
    expect(r.plan.notes.join('\n')).toMatch(/Warning: .*expect intermittent trust failures/);
  });

  test('before 17763 another service on the swarm with the gMSA is refused, but not one of this stack', () => {
    const one = 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n';
    expect(() => run(one, { build: 14393, others: new Map([['webapp01', ['other_web']]]) })).toThrow(/the service other_web already uses it/);
    expect(run(one, { build: 14393, others: new Map([['webapp01', ['st_web']]]) }).texts[0]).toMatch(/hostname: webapp01/);
  });

  test('before 17763 a hostname other than the gMSA name is refused; from 17763 a given hostname is kept', () => {
    const named = 'services:\n  web:\n    image: x\n    hostname: other\n    x-gmsa: webapp01\n';
    expect(() => run(named, { build: 14393 })).toThrow(BuildRuleError);
    const r = run(named, { build: 20348 });
    expect(r.texts[0]).toMatch(/hostname: other\n/);
    expect(r.texts[0]).not.toMatch(/Task\.ID/);
  });

  test('global mode counts as several tasks before 17763', () => {
    expect(() => run('services:\n  web:\n    image: x\n    x-gmsa: webapp01\n    deploy:\n      mode: global\n', { build: 14393 })).toThrow(/mode: global runs a task on every eligible node/);
  });

  test('network-service with another user is refused; before 16299 it is refused', () => {
    const ns = 'services:\n  web:\n    image: x\n    user: app\n    x-gmsa: {account: webapp01, network-service: true}\n';
    expect(() => run(ns)).toThrow(UsageError);
    expect(() => run('services:\n  web:\n    image: x\n    x-gmsa: {account: webapp01, network-service: true}\n', { build: 14393 })).toThrow(/needs Windows 1709/);
  });

  test('x-gmsa with a credential_spec config of the user is refused', () => {
    expect(() => run('services:\n  web:\n    image: x\n    x-gmsa: webapp01\n    credential_spec: {config: mine}\n')).toThrow(/both x-gmsa and credential_spec: \{config/);
  });

  test('a top-level config of the same name that is not external is refused', () => {
    expect(() => run(`services:\n  web:\n    image: x\n    x-gmsa: webapp01\nconfigs:\n  ${CONFIG.webapp01}:\n    file: ./x.json\n`)).toThrow(ConflictError);
  });

  test('a value that contains itself through its own alias is refused with its line, not a stack overflow', () => {
    expect(() => run('x-a: &a {<<: *a}\nservices:\n  web:\n    image: x\n    x-gmsa: webapp01\n')).toThrow(InvalidInputError);
    expect(() => run('x-a: &a {<<: *a}\nservices:\n  web:\n    image: x\n    x-gmsa: webapp01\n')).toThrow(/^compose\.yaml:1:14: the alias \*a is inside the value it refers to/);
  });

  test('credential_spec.file must be a plain name in the CredentialSpecs folder here too', () => {
    expect(() => run('services:\n  web:\n    image: x\n    credential_spec: {file: "raw://{}"}\n')).toThrow(/compose\.yaml:4: service "web": credential_spec\.file: "raw:\/\/\{\}" is a raw:\/\/ credential spec/);
    expect(() => run('services:\n  web:\n    image: x\n    credential_spec: {file: sub/x.json}\n')).toThrow(/credential_spec\.file: invalid credential spec name "sub\/x\.json": it contains a path separator/);
  });

  test('a service whose key is null is rewritten, not taken for one that shares an anchor', () => {
    const r = run('services:\n  null:\n    image: x\n    x-gmsa: webapp01\n');
    expect(r.texts[0]).toBe(`services:\n  null:\n    image: x\n    credential_spec:\n      config: ${CONFIG.webapp01}\n    hostname: webapp01-{{printf "%.6s" .Task.ID}}\nconfigs:\n  ${CONFIG.webapp01}:\n    external: true\n`);
  });

  test('x-gmsa that YAML reads as a number or binary data: what x-gmsa takes, with the file, line and service', () => {
    expect(() => run('services:\n  web:\n    image: x\n    x-gmsa: .inf\n')).toThrow(/^compose\.yaml:4: service "web": x-gmsa must be an account name or a map with account \(and optionally spec, network-service\), not the number \.inf$/);
    expect(() => run('services:\n  web:\n    image: x\n    x-gmsa: !!binary aGVsbG8=\n')).toThrow(/not binary data \(!!binary\)$/);
  });

  test('a file without gMSA services has no decisions', () => {
    const r = run('services:\n  web:\n    image: x\n');
    expect(r.plan.decisions).toEqual([]);
  });
});
