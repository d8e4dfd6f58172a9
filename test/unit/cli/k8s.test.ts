/**
 * `docker gmsa k8s` end to end: the store is made by the built plugin (`spec create --offline --root`), then
 * the command runs in-process through a commander program of its own (registerK8s), with an engine that
 * cannot be reached; the last block runs it through the built plugin.
 */
import { CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { InvalidInputError, NotFoundError, SpecInvalidError, UsageError } from '../../../src/errors';
import { cleanEnv, plugin } from '../../support/cli';
import { harness } from '../orchestrators/support';
import { failure, golden, specFolders } from './helpers';

const { root, elsewhere, storeFile } = specFolders('k8s');

describe('docker gmsa k8s', () => {
  test('ACCOUNT --root: the golden YAML stream, only where the spec came from on stderr, no engine', async () => {
    const h = harness();
    await h.run(['k8s', 'webapp01', '--root', root]);
    expect(h.out()).toBe(golden('k8s-webapp01.yaml'));
    expect(h.err()).toBe(`spec for webapp01: contoso_webapp01.json in the --root CredentialSpecs folder (${join(root, 'CredentialSpecs')})\n`);
    expect(h.engineCalls()).toBe(0);
  });

  test('the stream is what spec create wrote: credspec deep-equals the file', async () => {
    const h = harness();
    await h.run(['k8s', 'webapp01', '--root', root]);
    const docs = parseAllDocuments(h.out());
    if (!Array.isArray(docs)) throw new Error('no documents');
    expect(docs[0]?.toJS().credspec).toEqual(JSON.parse(readFileSync(storeFile, 'utf8')));
  });

  test('--format json: the golden List, the cluster requirements on stderr', async () => {
    const h = harness();
    await h.run(['k8s', 'webapp01', '--root', root, '--format', 'json']);
    expect(h.out()).toBe(golden('k8s-webapp01.json'));
    expect(h.err()).toMatch(/GMSACredentialSpec CRD and the gMSA admission webhook/);
    expect(h.err()).toMatch(/no matches for kind "GMSACredentialSpec"/);
  });

  test('DOMAIN\\account$ is the same account', async () => {
    const h = harness();
    await h.run(['k8s', 'CONTOSO\\webapp01$', '--root', root]);
    expect(h.out()).toBe(golden('k8s-webapp01.yaml'));
  });

  test('--spec NAME in --root', async () => {
    const h = harness();
    await h.run(['k8s', 'webapp01', '--spec', 'contoso_webapp01', '--root', root]);
    expect(h.out()).toBe(golden('k8s-webapp01.yaml'));
  });

  test('--spec FILE needs neither the engine nor --root', async () => {
    const h = harness(elsewhere);
    await h.run(['k8s', 'webapp01', '--spec', 'specs/contoso_webapp01.json']);
    expect(h.out()).toBe(golden('k8s-webapp01.yaml'));
    expect(h.engineCalls()).toBe(0);
  });

  test('options reach the output', async () => {
    const h = harness();
    await h.run(['k8s', 'webapp01', '--root', root, '--name', 'web', '--namespace', 'shop', '--service-account', 'iis', '--replicas', '2', '--image', 'myreg/iis:1']);
    const docs = (parseAllDocuments(h.out()) as any[]).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name)).toEqual(['web', 'use-gmsa-web', 'iis-use-gmsa-web', 'web']);
    expect(docs[3].spec.replicas).toBe(2);
    expect(docs[3].spec.template.spec.containers[0].image).toBe('myreg/iis:1');
  });

  test('no --root, no --spec FILE, no engine and --offline: lists what was tried', async () => {
    const h = harness(elsewhere);
    const err = await failure(h.run(['k8s', 'webapp01', '--offline']));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toMatch(/^no credential spec found for webapp01; tried, in order:\n  1\. the engine's CredentialSpecs folder: the engine did not answer \(cannot connect.*\n  2\. Active Directory: not asked \(--offline/);
    expect(err.hint).toMatch(/Leave out --offline/);
    expect(h.engineCalls()).toBe(1);
    expect(h.out()).toBe('');
  });

  test('an invalid spec: the report on stderr, nothing generated', async () => {
    const h = harness();
    const err = await failure(h.run(['k8s', 'bad01', '--root', root]));
    expect(err).toBeInstanceOf(SpecInvalidError);
    expect(err.message).toBe('contoso_bad01.json is not a valid credential spec; nothing was generated');
    expect(h.err()).toMatch(/S-1-5-21-1111111111-2222222222-3333333333-1104/);
    expect(h.out()).toBe('');
  });

  test('the spec of another gMSA: names the command to run instead', async () => {
    const h = harness();
    const err = await failure(h.run(['k8s', 'sql01', '--spec', 'contoso_webapp01.json', '--root', root]));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/is the spec of the gMSA webapp01, not sql01/);
    expect(err.hint).toBe('Run docker gmsa k8s webapp01, or pick the spec of sql01 with --spec.');
  });

  test('no spec for the account', async () => {
    const err = await failure(harness().run(['k8s', 'nobody', '--root', root]));
    expect(err).toBeInstanceOf(NotFoundError);
  });

  test('an invalid --name is refused before anything is printed', async () => {
    const h = harness();
    const err = await failure(h.run(['k8s', 'webapp01', '--root', root, '--name', 'Web_App']));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/^invalid --name "Web_App"/);
    expect(err.hint).toMatch(/web-app/);
    expect(h.out()).toBe('');
  });

  test.each([
    [['--replicas', 'two'], /invalid --replicas "two"/],
    [['--replicas', '-1'], /invalid --replicas "-1"/],
    [['--format', 'xml'], /unknown format "xml"/],
  ])('usage errors: %j', async (extra, message) => {
    const err = await failure(harness().run(['k8s', 'webapp01', '--root', root, ...extra]));
    expect(err instanceof UsageError || err instanceof CommanderError).toBe(true);
    expect(err.message).toMatch(message);
  });
});

describe('through the built plugin', () => {
  test('k8s prints the golden stream', async () => {
    const r = await plugin(['k8s', 'webapp01', '--root', root], cleanEnv());
    expect(r.stderr).toMatch(/^spec for webapp01: contoso_webapp01\.json in the --root CredentialSpecs folder \(.*\)\n$/);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(golden('k8s-webapp01.yaml'));
  });

  test('an invalid name exits 1 with Error: and Hint:', async () => {
    const r = await plugin(['k8s', 'webapp01', '--root', root, '--name', 'Web_App'], cleanEnv());
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\nError: invalid --name "Web_App"/);
    expect(r.stderr).toMatch(/\nHint: /);
  });
});
