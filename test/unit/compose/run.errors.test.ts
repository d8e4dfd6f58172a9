/** Every refusal names the file, the service and the fix. */
import { join } from 'node:path';
import { BuildRuleError, InvalidInputError, NotFoundError, SpecInvalidError, UnsupportedEngineError, UsageError } from '../../../src/errors';
import type { GmsaError } from '../../../src/errors';
import { profile, project, rewrite } from './helpers';

async function failure(files: Record<string, string>, opts: Parameters<typeof rewrite>[2] & { args?: string[] } = {}): Promise<GmsaError> {
  const dir = project(files);
  try {
    await rewrite(dir, opts.args ?? [], opts);
  } catch (err) {
    return err as GmsaError;
  }
  throw new Error('expected a refusal');
}

const svc = (body: string): string => `services:\n  web:\n    image: contoso/web:1\n${body}`;

describe('YAML and file errors', () => {
  test('a YAML error names the file, line and column', async () => {
    const err = await failure({ 'compose.yaml': 'services:\n  web:\n    image: [a, b\n    ports: x\n' });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/compose\.yaml:\d+:\d+: /);
    expect(err.hint).toMatch(/Fix the YAML in .*compose\.yaml/);
  });

  test('duplicate keys are YAML errors too', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n    x-gmsa: api01\n') });
    expect(err.message).toMatch(/compose\.yaml:5:\d+: Map keys must be unique/);
  });

  test('a missing -f file and a missing project directory', async () => {
    expect((await failure({ 'a.yaml': 'services: {}\n' }, { args: ['-f', 'nope.yaml'] })).message).toMatch(/^compose file nope\.yaml not found/);
    expect(await failure({ 'a.yaml': 'services: {}\n' }, { args: ['-f', 'nope.yaml'] })).toBeInstanceOf(NotFoundError);
    expect((await failure({ 'compose.yaml': 'services: {}\n' }, { args: ['--project-directory', 'nowhere'] })).message).toMatch(/^project directory nowhere not found/);
  });

  test('services and a service must be maps', async () => {
    expect((await failure({ 'compose.yaml': 'services: [a]\n' })).message).toMatch(/services is not a map/);
    expect((await failure({ 'compose.yaml': 'services:\n  web: hello\n' })).message).toMatch(/service "web" is not a map/);
    expect((await failure({ 'compose.yaml': '- a\n' })).message).toMatch(/the top level is not a map/);
  });
});

describe('x-gmsa and credential_spec', () => {
  test('an account without a spec in the store: the hint creates one', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: nobody\n') });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toMatch(/compose\.yaml:2: service "web": no credential spec found for nobody; tried, in order:\n  1\. the --root CredentialSpecs folder: no spec for nobody in \S+\n  2\. Active Directory: no directory configured/);
    expect(err.hint).toMatch(/^Set GMSA_DOMAIN=contoso\.com or GMSA_LDAP_URL=/);
  });

  test('without a store on this machine and no directory: the lookup says what it tried and how to build it', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n') }, { root: null });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toMatch(/service "web": no credential spec found for webapp01; tried, in order:\n  1\. the engine's CredentialSpecs folder: .*\n  2\. Active Directory: no directory configured/);
    expect(err.hint).toMatch(/GMSA_DOMAIN/);
  });

  test('an account and the spec of another gMSA', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: {account: webapp01, spec: contoso_api01.json}\n') });
    expect(err.message).toMatch(/service "web": contoso_api01\.json is the spec of the gMSA api01, not webapp01/);
    expect(err.hint).toMatch(/same gMSA/);
  });

  test('both x-gmsa and credential_spec, in one file or across files', async () => {
    const one = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n    credential_spec:\n      file: contoso_webapp01.json\n') });
    expect(one).toBeInstanceOf(InvalidInputError);
    expect(one.message).toMatch(/compose\.yaml:4: service "web": has both x-gmsa and credential_spec$/);
    expect(one.hint).toMatch(/^Keep one/);
    const two = await failure({
      'compose.yaml': svc('    x-gmsa: webapp01\n'),
      'compose.override.yaml': 'services:\n  web:\n    credential_spec: {registry: x}\n',
    });
    expect(two.message).toMatch(/has both x-gmsa and credential_spec \(credential_spec in .*compose\.override\.yaml\)/);
  });

  test.each([
    ['a list', '    x-gmsa: [webapp01]\n', /x-gmsa must be an account name or a map with account \(and optionally spec, network-service\), not a list$/],
    ['empty', '    x-gmsa:\n', /x-gmsa must be an account name or a map with account \(and optionally spec, network-service\), not empty$/],
    ['a number', '    x-gmsa: 42\n', /x-gmsa must be an account name or a map with account \(and optionally spec, network-service\), not the number 42$/],
    ['infinity', '    x-gmsa: .inf\n', /x-gmsa must be an account name or a map with account \(and optionally spec, network-service\), not the number \.inf$/],
    ['a hexadecimal number', '    x-gmsa: 0x1F\n', /not the number 0x1F$/],
    ['a boolean', '    x-gmsa: true\n', /not the boolean true$/],
    ['null', '    x-gmsa: ~\n', /not empty$/],
    ['binary data', '    x-gmsa: !!binary aGVsbG8=\n', /not binary data \(!!binary\)$/],
    ['a timestamp', '    x-gmsa: !!timestamp 2001-12-14\n', /not the date 2001-12-14$/],
    ['a set', '    x-gmsa: !!set {webapp01}\n', /not a set \(!!set\)$/],
    ['an account that is a number', '    x-gmsa: {account: .nan}\n', /x-gmsa account must be the account name, not the number \.nan$/],
    ['an account that is binary data', '    x-gmsa: {account: !!binary aGVsbG8=}\n', /x-gmsa account must be the account name, not binary data \(!!binary\)$/],
    ['a spec that is binary data', '    x-gmsa: {account: webapp01, spec: !!binary aGVsbG8=}\n', /x-gmsa spec must be the name or path of a credential spec, not binary data \(!!binary\)$/],
    ['a network-service that is a number', '    x-gmsa: {account: webapp01, network-service: .inf}\n', /x-gmsa network-service must be true or false, not the number \.inf$/],
    ['no account', '    x-gmsa: {spec: contoso_webapp01.json}\n', /x-gmsa has no account/],
    ['an unknown key', '    x-gmsa: {account: webapp01, networkservice: true}\n', /x-gmsa has unknown key networkservice \(allowed: account, spec, network-service\)/],
    ['a bad network-service', '    x-gmsa: {account: webapp01, network-service: maybe}\n', /network-service must be true or false, not "maybe"/],
    ['a bad account name', '    x-gmsa: "web app"\n', /x-gmsa account "web app": /],
  ])('x-gmsa of the wrong shape: %s', async (_what, body, message) => {
    const err = await failure({ 'compose.yaml': svc(body) });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/compose\.yaml:4: service "web": /);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/x-gmsa: ACCOUNT, or x-gmsa: \{account: ACCOUNT, spec: NAME, network-service: true\}/);
  });

  test.each([
    ['a number', '    x-gmsa: 1234\n', /^YAML reads 1234 as a number; if it is meant as text, quote it \(x-gmsa: "1234"\)\. Write x-gmsa: ACCOUNT/],
    ['a boolean in the map', '    x-gmsa: {account: true}\n', /^YAML reads true as a boolean; if it is meant as text, quote it \(account: "true"\)\. Write x-gmsa: ACCOUNT/],
    ['a date under YAML 1.1', '    x-gmsa: 2001-12-14\n', /^YAML reads 2001-12-14 as a date; if it is meant as text, quote it \(x-gmsa: "2001-12-14"\)\./],
  ])('x-gmsa as %s: the hint says how to write it as text', async (what, body, hint) => {
    const text = what.includes('1.1') ? `%YAML 1.1\n---\n${svc(body)}` : svc(body);
    const err = await failure({ 'compose.yaml': text });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(what.includes('1.1') ? /compose\.yaml:6: service "web": x-gmsa must be .* not the date 2001-12-14$/ : /compose\.yaml:4: service "web": /);
    expect(err.hint).toMatch(hint);
  });

  test('the line is that of the value at fault', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa:\n      account: webapp01\n      network-service: .inf\n') });
    expect(err.message).toMatch(/compose\.yaml:6: service "web": x-gmsa network-service must be true or false, not the number \.inf$/);
  });

  test('a credentialspec entry already in security_opt', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n    security_opt:\n      - "credentialspec=file://contoso_webapp01.json"\n') });
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/compose\.yaml:5: service "web": security_opt already has credentialspec=file:\/\/contoso_webapp01\.json/);
    expect(err.hint).toMatch(/Remove the credentialspec entry from security_opt .*or drop x-gmsa\/credential_spec and keep your own entry/);
  });

  test('credential_spec.config is for swarm: the hint is stack deploy', async () => {
    const err = await failure({ 'compose.yaml': svc('    credential_spec:\n      config: webapp01-spec\n') });
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/service "web": credential_spec\.config names a swarm config, which only swarm services can use/);
    expect(err.hint).toMatch(/docker gmsa stack deploy/);
  });

  test.each([
    ['two kinds', '    credential_spec: {file: a.json, registry: b}\n', /needs exactly one of file, registry or config \(it has file and registry\)/],
    ['not a map', '    credential_spec: a.json\n', /credential_spec must be a map/],
  ])('credential_spec with %s', async (_what, body, message) => {
    const err = await failure({ 'compose.yaml': svc(body) });
    expect(err.message).toMatch(/service "web": /);
    expect(err.message).toMatch(message);
  });

  // The engine joins credential_spec.file to its CredentialSpecs folder; the store's naming rules decide.
  test.each([
    ['a drive path', '"C:\\\\ProgramData\\\\docker\\\\CredentialSpecs\\\\a.json"', /credential_spec\.file: invalid credential spec name "C:\\\\ProgramData.*": it starts with a drive letter/],
    ['an absolute path', '/etc/a.json', /credential_spec\.file: invalid credential spec name "\/etc\/a\.json": it is an absolute path/],
    ['a way out of the folder', '../a.json', /credential_spec\.file: invalid credential spec name "\.\.\/a\.json": it contains '\.\.' and a path separator, which would leave the CredentialSpecs folder/],
    ['a subfolder', 'sub/contoso_webapp01.json', /credential_spec\.file: invalid credential spec name "sub\/contoso_webapp01\.json": it contains a path separator/],
    ['a raw:// spec', '"raw://{}"', /credential_spec\.file: "raw:\/\/\{\}" is a raw:\/\/ credential spec, not a file in the CredentialSpecs folder/],
    ['a registry:// spec after file://', 'file://registry://x', /credential_spec\.file: "registry:\/\/x" is a registry:\/\/ credential spec/],
    ['file:// twice', 'file://file://a.json', /credential_spec\.file: invalid credential spec name "file:\/\/a\.json": it contains a path separator/],
    ['an alternate data stream', 'a.json:hidden', /credential_spec\.file: invalid credential spec name "a\.json:hidden": it contains ':'/],
    ['a device name', 'nul.json', /credential_spec\.file: invalid credential spec name "nul\.json": NUL is a device name/],
  ])('credential_spec.file with %s is refused, and nothing is rewritten', async (_what, value, message) => {
    const err = await failure({ 'compose.yaml': svc(`    credential_spec: {file: ${value}}\n`) });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/compose\.yaml:4: service "web": credential_spec\.file: /);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/^credential_spec\.file names a file in the engine's CredentialSpecs folder\. Install the spec there \(docker gmsa spec install FILE\).*x-gmsa: \{account: ACCOUNT, spec: FILE\}/);
  });

  test.each([
    ['file', '    credential_spec: {file: 1234}\n', /credential_spec\.file must be text, not the number 1234$/, /^YAML reads 1234 as a number; if it is meant as text, quote it \(file: "1234"\)\./],
    ['registry', '    credential_spec:\n      registry: !!binary aGVsbG8=\n', /compose\.yaml:5: service "web": credential_spec\.registry must be text, not binary data \(!!binary\)$/, /^Write credential_spec: \{file: NAME\.json\}/],
  ])('credential_spec.%s that is not text is refused', async (_kind, body, message, hint) => {
    const err = await failure({ 'compose.yaml': svc(body) });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(hint);
  });

  test('credential_spec.file as a file:// URL is still read as the file name, with a warning', async () => {
    const r = await rewrite(project({ 'compose.yaml': svc('    credential_spec: {file: "file://contoso_webapp01.json"}\n') }), []);
    expect(r.texts[0]).toMatch(/- credentialspec=file:\/\/contoso_webapp01\.json\n/);
    expect(r.notes.join('\n')).toMatch(/credential_spec\.file is a file name, not a URL: "file:\/\/contoso_webapp01\.json" was read as "contoso_webapp01\.json"/);
  });

  test('credential_spec.file without .json: the store would check NAME.json while the engine reads NAME', async () => {
    const err = await failure({ 'compose.yaml': svc('    credential_spec: {file: contoso_webapp01}\n') });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/compose\.yaml:4: service "web": credential_spec\.file "contoso_webapp01" has no \.json extension; the engine reads exactly the name it is given/);
    expect(err.hint).toBe('Write credential_spec: {file: contoso_webapp01.json}.');
    const upper = await rewrite(project({ 'compose.yaml': svc('    credential_spec: {file: contoso_webapp01.JSON}\n') }), [], { root: null });
    expect(upper.texts[0]).toMatch(/credentialspec=file:\/\/contoso_webapp01\.JSON\n/);
  });

  test('credential_spec.file in a subfolder is refused even without a store to check it in', async () => {
    const err = await failure({ 'compose.yaml': svc('    credential_spec: {file: sub/x.json}\n') }, { root: null });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/credential_spec\.file: invalid credential spec name "sub\/x\.json": it contains a path separator/);
  });

  test('credential_spec.file that is not in the store', async () => {
    const err = await failure({ 'compose.yaml': svc('    credential_spec: {file: contoso_nobody.json}\n') });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toMatch(/service "web": credential_spec\.file contoso_nobody\.json is not in the engine's CredentialSpecs folder/);
    expect(err.hint).toMatch(/docker gmsa spec create/);
  });

  test('a spec file that is not a valid spec', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: {account: webapp01, spec: ./bad.json}\n'), 'bad.json': '{"CmsPlugins": []}' });
    expect(err).toBeInstanceOf(SpecInvalidError);
    expect(err.message).toMatch(/service "web": \.\/bad\.json is not a valid credential spec/);
  });

  test('a required variable that is not set', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: ${GMSA?set GMSA to the account}\n') });
    expect(err.message).toMatch(/service "web": x-gmsa: required variable GMSA is missing a value: set GMSA to the account/);
    expect(err.hint).toMatch(/Set the variable/);
  });
});

describe('build rules', () => {
  test('Hyper-V isolation on 1709/1803, asked or as the engine default', async () => {
    const asked = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n    isolation: hyperv\n') }, { build: 16299 });
    expect(asked).toBeInstanceOf(BuildRuleError);
    expect(asked.message).toMatch(/service "web": Hyper-V isolation with a gMSA hangs or fails on Windows Server 1709$/);
    expect(asked.hint).toBe('Set isolation: process on service "web".');
    const byDefault = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n') }, { profile: profile(17134, { isolation: 'hyperv' }) });
    expect(byDefault.message).toMatch(/on Windows Server 1803 \(it is this engine's default isolation\)/);
  });

  test('before 2019: another hostname is refused', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n    hostname: web\n') }, { build: 14393 });
    expect(err).toBeInstanceOf(BuildRuleError);
    expect(err.message).toMatch(/compose\.yaml:5: service "web": on Windows Server 2016 \(1607\) the container hostname must be the gMSA name \(webapp01\), not web/);
    expect(err.hint).toMatch(/^Remove hostname: from service "web"/);
  });

  test('before 2019: two services, or replicas, with one gMSA are refused', async () => {
    const two = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n  jobs:\n    image: j\n    x-gmsa: webapp01\n') }, { build: 14393 });
    expect(two).toBeInstanceOf(BuildRuleError);
    expect(two.message).toMatch(/service "web": it and "jobs" would run with the gMSA webapp01 at the same time; on Windows Server 2016 \(1607\) two containers/);
    expect(two.hint).toMatch(/Give each service its own gMSA/);
    const replicas = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n    scale: 2\n') }, { build: 16299 });
    expect(replicas.message).toMatch(/it and 1 more replica of "web" would run with the gMSA webapp01/);
    const scaled = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n') }, { build: 14393, args: ['up', '--scale', 'web=3'] });
    expect(scaled.message).toMatch(/it and 2 more replicas of "web"/);
  });

  test('before 2019: a service in an inactive profile does not count, an active one does', async () => {
    const files = { 'compose.yaml': svc('    x-gmsa: webapp01\n  debug:\n    image: d\n    x-gmsa: webapp01\n    profiles: [debug]\n') };
    await expect(rewrite(project(files), [], { build: 14393 })).resolves.toBeDefined();
    expect((await failure(files, { build: 14393, args: ['--profile', 'debug'] })).message).toMatch(/it and "debug" would run/);
    expect((await failure(files, { build: 14393, env: { COMPOSE_PROFILES: 'x,debug' } })).message).toMatch(/it and "debug" would run/);
  });

  test('before 2019 the hostname of a registry spec must be given', async () => {
    const err = await failure({ 'compose.yaml': svc('    credential_spec: {registry: web}\n') }, { build: 14393 });
    expect(err.message).toMatch(/the hostname must be the gMSA name, and docker gmsa cannot read which gMSA the registry spec web is for/);
    expect(err.hint).toMatch(/Set hostname: <the gMSA name> on service "web"/);
  });

  test('network-service: conflicts with user, needs 1709', async () => {
    const both = await failure({ 'compose.yaml': svc('    x-gmsa: {account: webapp01, network-service: true}\n    user: ContainerUser\n') });
    expect(both).toBeInstanceOf(UsageError);
    expect(both.message).toMatch(/service "web": x-gmsa network-service and user: ContainerUser both set the user/);
    const old = await failure({ 'compose.yaml': svc('    x-gmsa: {account: webapp01, network-service: true}\n') }, { build: 14393 });
    expect(old).toBeInstanceOf(BuildRuleError);
    expect(old.message).toMatch(/running as NT AUTHORITY\\NETWORK SERVICE inside a container needs Windows 1709/);
  });

  test('a Linux engine is refused when it has to run (convert and --dry-run plan for 2019)', async () => {
    const err = await failure({ 'compose.yaml': svc('    x-gmsa: webapp01\n') }, { profile: { ...profile(17763), osType: 'linux' }, strict: true });
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err.message).toMatch(/^the engine is a linux engine: .*compose\.yaml:2: service "web" asks for a gMSA/);
    const lenient = await rewrite(project({ 'compose.yaml': svc('    x-gmsa: webapp01\n') }), [], { profile: { ...profile(17763), osType: 'linux' } });
    expect(lenient.err).toMatch(/linux engine and cannot run gMSA containers; planning for a Windows Server 2019 engine/);
  });
});

describe('anchors the rewrite cannot keep', () => {
  test('an edit that would leak into another service through a merge key', async () => {
    const err = await failure({
      'compose.yaml': 'services:\n  web: &web\n    image: x\n    x-gmsa: {account: webapp01, network-service: true}\n  api:\n    <<: *web\n    x-gmsa: api01\n',
    });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/compose\.yaml:5: service "api": rewriting the gMSA services would also change user of this service/);
    expect(err.hint).toMatch(/Give service "api" its own user, or move the shared settings into a top-level x- extension/);
  });

  test('an anchor defined inside x-gmsa and used elsewhere', async () => {
    const err = await failure({ 'compose.yaml': 'services:\n  web:\n    image: x\n    x-gmsa: &acct webapp01\nx-notes:\n  who: *acct\n' });
    expect(err.message).toMatch(/the anchor &acct is defined inside an x-gmsa or credential_spec that docker gmsa removes/);
  });
});

test('the user files are never written', async () => {
  const { readFileSync } = await import('node:fs');
  const dir = project({ 'compose.yaml': svc('    x-gmsa: webapp01\n') });
  const before = readFileSync(join(dir, 'compose.yaml'), 'utf8');
  const r = await rewrite(dir, []);
  expect(r.texts[0]).toMatch(/credentialspec=file:\/\/contoso_webapp01\.json/);
  expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toBe(before);
});

describe('delivery', () => {
  test('a spec outside the store on an engine older than API 1.40 cannot go inline', async () => {
    const dir = project({ 'compose.yaml': svc('    x-gmsa: {account: webapp01, spec: ./w.json}\n') });
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(__dirname, '..', '..', 'fixtures', 'compose', 'root', 'CredentialSpecs', 'contoso_webapp01.json'), join(dir, 'w.json'));
    const err = await rewrite(dir, [], { profile: profile(17763, { apiVersion: '1.39' }) }).catch((e: GmsaError) => e);
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect((err as GmsaError).message).toMatch(/compose\.yaml:2: service "web": this engine speaks API 1\.39; inline specs \(raw:\/\/\) need API 1\.40/);
    const file = await rewrite(dir, ['--spec-mode', 'file']).catch((e: GmsaError) => e);
    expect(file).toBeInstanceOf(UsageError);
    expect((file as GmsaError).message).toMatch(/service "web": --spec-mode file needs a spec that is in the engine's CredentialSpecs folder/);
  });
});
