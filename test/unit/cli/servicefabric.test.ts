/**
 * `docker gmsa servicefabric` end to end: the store is made by the built plugin (`spec create --offline
 * --root`), then the command runs in-process through a commander program of its own
 * (registerServiceFabric), with an engine that cannot be reached; the last block runs it through the built
 * plugin.
 */
import { CommanderError } from 'commander';
import { InvalidInputError, SpecInvalidError } from '../../../src/errors';
import { cleanEnv, plugin } from '../../support/cli';
import { harness } from '../orchestrators/support';
import { checkXml } from '../orchestrators/xml-check';
import { failure, golden, specFolders } from './helpers';

const { root, elsewhere, storeFile } = specFolders('servicefabric');

describe('docker gmsa servicefabric', () => {
  test('ACCOUNT --root: the golden snippet; stderr names the file and EVERY node', async () => {
    const h = harness();
    await h.run(['servicefabric', 'webapp01', '--root', root]);
    expect(h.out()).toBe(golden('servicefabric-webapp01.xml'));
    expect(h.err()).toMatch(/^spec for webapp01: contoso_webapp01\.json in the --root CredentialSpecs folder .*\nThe spec file contoso_webapp01\.json must be in the CredentialSpecs folder of EVERY node/);
    expect(h.err()).toContain(`copy ${storeFile} to each node`);
    expect(h.err()).toMatch(/docker gmsa spec install contoso_webapp01\.json/);
    expect(h.engineCalls()).toBe(0);
  });

  test('--spec FILE: the SecurityOption names the file as spec install will, XML-escaped', async () => {
    const h = harness(elsewhere);
    await h.run(['servicefabric', 'webapp01', '--spec', "specs/web&app's spec.json", '--hostname', 'web1', '--isolation', 'hyperv', '--code-package', 'Web.Code']);
    const el = checkXml(h.out());
    expect(el.attributes).toEqual({ CodePackageRef: 'Web.Code', Isolation: 'hyperv', Hostname: 'web1' });
    expect(el.children[0]?.attributes).toEqual({ Value: "credentialspec=file://web&app's spec.json" });
    expect(h.out()).toContain('file://web&amp;app&apos;s spec.json');
    expect(h.err()).toContain("The spec file web&app's spec.json must be in the CredentialSpecs folder of EVERY node");
    expect(h.err()).toMatch(/hostname web1 is not the gMSA name webapp01/);
    expect(h.err()).toMatch(/Hyper-V isolation with a gMSA hangs or fails/);
  });

  test('a spec file whose name cannot be a store name is refused', async () => {
    const err = await failure(harness(elsewhere).run(['servicefabric', 'webapp01', '--spec', 'specs/nul.json']));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/NUL is a device name/);
  });

  test('an invalid spec stops before any output', async () => {
    const h = harness();
    const err = await failure(h.run(['servicefabric', 'bad01', '--root', root]));
    expect(err).toBeInstanceOf(SpecInvalidError);
    expect(h.out()).toBe('');
  });

  test('--isolation is process or hyperv', async () => {
    const err = await failure(harness().run(['servicefabric', 'webapp01', '--root', root, '--isolation', 'default']));
    expect(err).toBeInstanceOf(CommanderError);
    expect(err.message).toMatch(/Allowed choices are process, hyperv/);
  });

  test('--hostname that is not a hostname', async () => {
    const err = await failure(harness().run(['servicefabric', 'webapp01', '--root', root, '--hostname', 'web_1']));
    expect(err).toBeInstanceOf(InvalidInputError);
  });
});

describe('through the built plugin', () => {
  test('servicefabric prints the golden snippet and the reminder', async () => {
    const r = await plugin(['servicefabric', 'webapp01', '--root', root], cleanEnv());
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(golden('servicefabric-webapp01.xml'));
    expect(r.stderr).toMatch(/EVERY node/);
  });

  test('a bad --isolation is a usage error (exit 2)', async () => {
    const r = await plugin(['servicefabric', 'webapp01', '--root', root, '--isolation', 'x'], cleanEnv());
    expect(r.status).toBe(2);
  });
});
