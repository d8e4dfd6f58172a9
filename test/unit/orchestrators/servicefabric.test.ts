/**
 * `docker gmsa servicefabric` as a pure generator: golden text, well-formed XML (checked by a strict parser),
 * the ServiceFabricServiceModel.xsd shape (SecurityOption has only Value; CodePackageRef is required),
 * escaping, and the notes about hostname and isolation.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../../src/errors';
import { installReminder, isHostname, planServiceFabric, xmlAttribute } from '../../../src/orchestrators/servicefabric';
import { GOLDEN_DIR } from './support';
import { checkXml } from './xml-check';

const base = { account: 'webapp01', specFileName: 'contoso_webapp01.json' };

describe('golden output', () => {
  test('contoso_webapp01.json with every default', () => {
    expect(planServiceFabric(base).xml).toBe(readFileSync(join(GOLDEN_DIR, 'servicefabric-webapp01.xml'), 'utf8'));
  });
});

describe('the ContainerHostPolicies element', () => {
  test('well-formed, one element with the schema attributes and one SecurityOption carrying only Value', () => {
    const root = checkXml(planServiceFabric(base).xml);
    expect(root.name).toBe('ContainerHostPolicies');
    expect(root.attributes).toEqual({ CodePackageRef: 'Code', Isolation: 'process', Hostname: 'webapp01' });
    expect(root.children).toHaveLength(1);
    expect(root.children[0]).toEqual({
      name: 'SecurityOption',
      attributes: { Value: 'credentialspec=file://contoso_webapp01.json' },
      children: [],
      text: '',
    });
    expect(root.text.trim()).toBe('');
  });

  test('the comment says where the element goes', () => {
    expect(planServiceFabric(base).xml).toMatch(/^<!-- .*<ServiceManifestImport><Policies> of ApplicationManifest\.xml -->\n/);
  });

  test('options: hostname, hyperv isolation, code package', () => {
    const plan = planServiceFabric({ ...base, hostname: 'web-1', isolation: 'hyperv', codePackage: 'WebCode.Pkg' });
    expect(checkXml(plan.xml).attributes).toEqual({ CodePackageRef: 'WebCode.Pkg', Isolation: 'hyperv', Hostname: 'web-1' });
  });

  test('names with XML markup characters are escaped and read back unchanged', () => {
    // Both are allowed: '&' and "'" in a gMSA name, and in a spec file name.
    const plan = planServiceFabric({ account: "o'brien&co", specFileName: 'a&b <"x">.json', codePackage: 'Code&"1"' });
    expect(plan.xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;|#)/);
    const root = checkXml(plan.xml);
    expect(root.attributes.Hostname).toBe("o'brien&co");
    expect(root.attributes.CodePackageRef).toBe('Code&"1"');
    expect(root.children[0]?.attributes.Value).toBe('credentialspec=file://a&b <"x">.json');
  });

  test('property: any attribute text XML can hold reads back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 20 }), (a, b) => {
        const value = `${a}\t\n\r${b}`.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
        const root = checkXml(`<x a="${xmlAttribute(value)}"/>`);
        expect(root.attributes.a).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  test('characters XML cannot hold are refused, not written', () => {
    for (const bad of ['a\u0000b', 'a\u001bb', 'a\uffffb', 'a\ud800b']) {
      expect(() => xmlAttribute(bad)).toThrow(InvalidInputError);
    }
  });
});

describe('hostname and isolation', () => {
  test('the default hostname is the gMSA name, with no notes', () => {
    const plan = planServiceFabric(base);
    expect(plan.hostname).toBe('webapp01');
    expect(plan.notes).toEqual([]);
  });

  test('another hostname is allowed, with the pre-2019 rule as a note', () => {
    const plan = planServiceFabric({ ...base, hostname: 'web1' });
    expect(plan.notes.join('\n')).toMatch(/before Windows Server 2019 \(build 17763\) the hostname must be the gMSA name/);
  });

  test('the gMSA name in another case is the same name', () => {
    expect(planServiceFabric({ ...base, hostname: 'WebApp01' }).notes).toEqual([]);
  });

  test('a hostname over 15 characters is a NetBIOS warning', () => {
    expect(planServiceFabric({ ...base, hostname: 'webapp01-frontend' }).notes.join('\n')).toMatch(/longer than 15 characters/);
  });

  test.each(['', 'web app', 'web_app', '-web', 'web-', 'a'.repeat(64), 'web.contoso.com', 'wéb'])('--hostname %j is refused', (hostname) => {
    expect(() => planServiceFabric({ ...base, hostname })).toThrow(/^invalid --hostname /);
  });

  test('a gMSA name that is not a hostname is written as is, with a note', () => {
    const plan = planServiceFabric({ ...base, account: 'web_app' });
    expect(plan.hostname).toBe('web_app');
    expect(plan.notes.join('\n')).toMatch(/not a valid hostname; give one with --hostname/);
  });

  test('hyperv isolation warns about 1703-1803', () => {
    expect(planServiceFabric({ ...base, isolation: 'hyperv' }).notes.join('\n')).toMatch(/Hyper-V isolation with a gMSA hangs or fails on Windows 1703 to 1803/);
  });

  test('an unknown isolation or an empty code package is refused', () => {
    expect(() => planServiceFabric({ ...base, isolation: 'default' as never })).toThrow(/invalid isolation/);
    expect(() => planServiceFabric({ ...base, codePackage: ' ' })).toThrow(/code package name is empty/);
  });

  test('isHostname', () => {
    expect(isHostname('webapp01')).toBe(true);
    expect(isHostname('a')).toBe(true);
    expect(isHostname('WEB-01')).toBe(true);
    expect(isHostname('web_01')).toBe(false);
  });
});

test('the install reminder names the file, the folder, every node and spec install', () => {
  const text = installReminder('contoso_webapp01.json', '/mnt/docker/CredentialSpecs/contoso_webapp01.json').join('\n');
  expect(text).toMatch(/contoso_webapp01\.json must be in the CredentialSpecs folder of EVERY node/);
  expect(text).toMatch(/copy \/mnt\/docker\/CredentialSpecs\/contoso_webapp01\.json to each node/);
  expect(text).toMatch(/docker gmsa spec install contoso_webapp01\.json/);
});

test('the XML checker itself refuses what is not well-formed', () => {
  for (const bad of [
    '<a b="x & y"/>',
    '<a b="x < y"/>',
    '<a b="&nbsp;"/>',
    '<a b=x/>',
    '<a b="1" b="2"/>',
    '<a><b></a></b>',
    '<a/><b/>',
    '<!-- a -- b --><a/>',
    '<a>\u0001</a>',
    '<a',
    'text<a/>',
  ]) {
    expect(() => checkXml(bad)).toThrow();
  }
  expect(checkXml('<!-- c --><a x="&#38;&#x3C;&quot;"><b/>t</a>\n').attributes.x).toBe('&<"');
});
