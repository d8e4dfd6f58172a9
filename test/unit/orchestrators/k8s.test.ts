/**
 * `docker gmsa k8s` as a pure generator: golden text, the YAML read back by the `yaml` package (the oracle,
 * as YAML 1.2 and as YAML 1.1 the way go-yaml v2 readers see it), the RBAC and pod shape
 * kubernetes-sigs/windows-gmsa expects, quoting, and the names Kubernetes refuses.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import type { CredentialSpec } from '../../../src/credspec/model';
import { InvalidInputError } from '../../../src/errors';
import {
  CRD_KIND,
  defaultResourceName,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  planK8s,
  renderK8sJson,
  renderK8sYaml,
  toYaml,
  yamlComment,
  type K8sRequest,
} from '../../../src/orchestrators/k8s';
import { GOLDEN_DIR, specFor } from './support';

type Obj = Record<string, any>;

function golden(name: string): string {
  return readFileSync(join(GOLDEN_DIR, name), 'utf8');
}

/** Every document of the stream as plain JS, failing on any parse error or warning. */
function readStream(text: string, version: '1.1' | '1.2' = '1.2'): Obj[] {
  const docs = parseAllDocuments(text, { version, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new Error('empty stream');
  for (const d of docs) {
    expect(d.errors).toEqual([]);
    expect(d.warnings).toEqual([]);
  }
  return docs.map((d) => d.toJS() as Obj);
}

function byKind(docs: Obj[], kind: string): Obj {
  const found = docs.filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Obj;
}

const webapp01 = (): CredentialSpec => specFor('webapp01');

describe('golden output', () => {
  test('YAML stream for contoso_webapp01.json with every default', () => {
    expect(renderK8sYaml(planK8s({ spec: webapp01(), source: 'contoso_webapp01.json' }))).toBe(golden('k8s-webapp01.yaml'));
  });

  test('JSON List for the same spec', () => {
    expect(renderK8sJson(planK8s({ spec: webapp01(), source: 'contoso_webapp01.json' }))).toBe(golden('k8s-webapp01.json'));
  });

  test('every option set: name with a dot, namespace, service account, image with a port, replicas', () => {
    const plan = planK8s({
      spec: specFor('WebApp01', ['sql01']),
      source: 'contoso_webapp01.json',
      name: 'contoso.webapp01',
      namespace: 'shop',
      serviceAccount: 'web',
      image: 'registry.contoso.com:5000/shop/web:1.0',
      replicas: 3,
    });
    expect(renderK8sYaml(plan)).toBe(golden('k8s-options.yaml'));
  });
});

describe('the stream read back (yaml package as oracle)', () => {
  const spec = webapp01();
  const text = renderK8sYaml(planK8s({ spec, source: 'contoso_webapp01.json' }));

  test.each(['1.2', '1.1'] as const)('four documents in order, read the same as YAML %s', (version) => {
    const docs = readStream(text, version);
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      'windows.k8s.io/v1 GMSACredentialSpec',
      'rbac.authorization.k8s.io/v1 ClusterRole',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'apps/v1 Deployment',
    ]);
    expect(docs).toEqual(JSON.parse(renderK8sJson(planK8s({ spec, source: 'contoso_webapp01.json' }))).items);
  });

  test('documents are separated by --- lines; the stream ends with a newline', () => {
    expect(text.split('\n').filter((l) => l === '---')).toHaveLength(3);
    expect(text.endsWith('\n')).toBe(true);
  });

  test('GMSACredentialSpec: cluster-scoped, named after the account, credspec deep-equals the spec file', () => {
    const crd = byKind(readStream(text), CRD_KIND);
    expect(crd.apiVersion).toBe('windows.k8s.io/v1');
    expect(crd.metadata).toEqual({ name: 'webapp01' });
    expect(crd.credspec).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(Object.keys(crd.credspec)).toEqual(['CmsPlugins', 'DomainJoinConfig', 'ActiveDirectoryConfig']);
  });

  test('ClusterRole: verb use on windows.k8s.io gmsacredentialspecs, this resource name only', () => {
    const role = byKind(readStream(text), 'ClusterRole');
    expect(role.metadata.namespace).toBeUndefined();
    expect(role.rules).toEqual([{ apiGroups: ['windows.k8s.io'], resources: ['gmsacredentialspecs'], verbs: ['use'], resourceNames: ['webapp01'] }]);
  });

  test('RoleBinding: in the namespace, binds that ClusterRole to the ServiceAccount', () => {
    const docs = readStream(text);
    const role = byKind(docs, 'ClusterRole');
    const binding = byKind(docs, 'RoleBinding');
    expect(binding.metadata.namespace).toBe('default');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
  });

  test('Deployment: Windows nodes, pod-level gmsaCredentialSpecName, the service account, one replica, the IIS image', () => {
    const dep = byKind(readStream(text), 'Deployment');
    expect(dep.metadata.namespace).toBe('default');
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
    const pod = dep.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'windows' });
    expect(pod.securityContext).toEqual({ windowsOptions: { gmsaCredentialSpecName: 'webapp01' } });
    expect(pod.serviceAccountName).toBe('default');
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].image).toBe('mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022');
    expect(pod.containers[0].securityContext).toBeUndefined();
  });

  test('the comments say what the cluster needs and what fails without it', () => {
    const comments = text
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join(' ');
    expect(comments).toMatch(/GMSACredentialSpec CRD and the gMSA admission webhook/);
    expect(comments).toMatch(/no matches for kind "GMSACredentialSpec"/);
    expect(comments).toMatch(/Missing RBAC is the most common failure/);
    expect(comments).toMatch(/random hostname/);
    // The Deployment's own comment repeats that the CRD and the webhook must be installed.
    const deploymentComment = text.split('---\n')[3] as string;
    expect(deploymentComment).toMatch(/CRD and the admission webhook installed in the cluster/);
  });

  test('options reach every document', () => {
    const docs = readStream(
      renderK8sYaml(planK8s({ spec, name: 'web-gmsa', namespace: 'shop', serviceAccount: 'iis-sa', image: 'myreg/iis:2', replicas: 0 })),
    );
    expect(byKind(docs, CRD_KIND).metadata.name).toBe('web-gmsa');
    expect(byKind(docs, 'ClusterRole').rules[0].resourceNames).toEqual(['web-gmsa']);
    expect(byKind(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'iis-sa', namespace: 'shop' }]);
    const dep = byKind(docs, 'Deployment');
    expect(dep.metadata.namespace).toBe('shop');
    expect(dep.spec.replicas).toBe(0);
    expect(dep.spec.template.spec.serviceAccountName).toBe('iis-sa');
    expect(dep.spec.template.spec.securityContext.windowsOptions.gmsaCredentialSpecName).toBe('web-gmsa');
    expect(dep.spec.template.spec.containers[0].image).toBe('myreg/iis:2');
  });
});

describe('credspec content survives whatever the file holds', () => {
  test('HostAccountConfig with JSON inside PluginInput, extra accounts, and keys and values YAML would misread', () => {
    const spec = specFor('webapp01', ['sql01']) as any;
    spec.ActiveDirectoryConfig.HostAccountConfig = {
      PortableCcgVersion: '1',
      PluginGUID: '{859E1386-BDB4-49E8-85C7-3070B13920E1}',
      PluginInput: '{"credentialArn": "arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa-plugin-input"}',
    };
    spec.Extra = {
      yes: 'no',
      on: 'off',
      '007': '0x1F',
      '1:20': '2024-01-01',
      'a: b': '- c',
      '': '',
      '#': '&anchor',
      null: '~',
      'key with "quotes" and \\': 'tab\there\nnewline',
      unicode: 'é😀\u0085\u2028\u00a0',
      control: '\u0000\u0007\u001b\u007f\u009f\ufeff',
      numbers: [0, -1, 1.5, 1e21, 12345678901234567890],
      flags: [true, false, null],
      empty: { list: [], map: {} },
      nested: [
        [1, ['a']],
        [{ k: 'v' }, []],
      ],
      __proto__: 'own property',
    };
    Object.defineProperty(spec.Extra, '__proto__', { value: 'own property', enumerable: true, writable: true, configurable: true });
    const text = renderK8sYaml(planK8s({ spec }));
    for (const version of ['1.2', '1.1'] as const) {
      const crd = byKind(readStream(text, version), CRD_KIND);
      expect(crd.credspec).toEqual(JSON.parse(JSON.stringify(spec)));
    }
  });

  test('a value that cannot be written is a bug, not silent output', () => {
    const spec = webapp01() as any;
    spec.Bad = Number.NaN;
    expect(() => renderK8sYaml(planK8s({ spec }))).toThrow(TypeError);
  });
});

describe('quoting', () => {
  const roundTrip = (s: string, version: '1.1' | '1.2'): unknown => parseYaml(toYaml({ k: s, [s]: 'v' }), { version, uniqueKeys: false });
  /** How toYaml writes the string as a value. */
  const yamlString = (s: string): string => toYaml({ k: s }).slice('k: '.length, -1);

  test.each([
    'yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '', ' ', '007', '0x1F', '0o17', '1e3', '1_000',
    '1:20', '2024-01-01', '.inf', '-.inf', '.NaN', '-', '- a', 'a: b', 'a:b', '#x', 'a #b', ' lead', 'trail ', '@x', '`x', '!tag',
    '&anchor', '*alias', '|', '>', '%YAML', '"q"', "'s'", '{a}', '[a]', 'a,b', '?', '?x', ':x', 'x:', '=', '<<', 'line\nbreak',
    'tab\tin', '\\back', 'é', '😀', '\u0085', '\u2028', '\ufeff', '\u0000', '\ud800',
  ])('%j reads back as the same string in YAML 1.2 and 1.1', (s) => {
    for (const version of ['1.2', '1.1'] as const) {
      expect(roundTrip(s, version)).toEqual({ k: s, [s]: 'v' });
    }
  });

  test('what both versions read back as the string stays plain, everything ambiguous is double-quoted', () => {
    expect(yamlString('webapp01')).toBe('webapp01');
    expect(yamlString('windows.k8s.io/v1')).toBe('windows.k8s.io/v1');
    expect(yamlString('S-1-5-21-1-2-3')).toBe('S-1-5-21-1-2-3');
    expect(yamlString('yes')).toBe('"yes"');
    expect(yamlString('0123')).toBe('"0123"');
    // A GUID reads as a string in both versions: plain.
    expect(yamlString('56d9b66c-d746-4f87-bd26-26760cfdca2e')).toBe('56d9b66c-d746-4f87-bd26-26760cfdca2e');
    expect(yamlString('1:20')).toBe('"1:20"');
    expect(yamlString('a\u0085b')).toBe('"a\\x85b"');
  });

  test('property: any string, as key and as value, reads back unchanged (YAML 1.2 and 1.1)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        for (const version of ['1.2', '1.1'] as const) expect(roundTrip(s, version)).toEqual({ k: s, [s]: 'v' });
      }),
      { numRuns: 400 },
    );
  });

  test('property: any JSON value round-trips through toYaml', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 })), (value) => {
        const expected = JSON.parse(JSON.stringify(value));
        expect(parseYaml(toYaml(value), { uniqueKeys: false })).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('comments cannot break out of their line', () => {
    expect(yamlComment(['a\nkind: Secret', 'b\r\u2028c'])).toBe('# a kind: Secret\n# b  c\n');
  });
});

describe('names', () => {
  const plan = (req: Omit<K8sRequest, 'spec'>, account = 'webapp01') => planK8s({ spec: specFor(account), ...req });

  test('the default name is the account in lower case', () => {
    expect(plan({}, 'WebApp01').name).toBe('webapp01');
  });

  test('a gMSA name Kubernetes cannot take becomes a valid default name', () => {
    expect(defaultResourceName('Web_App.01')).toBe('web-app.01');
    expect(defaultResourceName('_web__')).toBe('web');
    expect(defaultResourceName("o'brien&co")).toBe('o-brien-co');
    expect(plan({}, 'Web_App').name).toBe('web-app');
    for (const a of ['Web_App', "o'brien&co", 'a.b_c', 'X']) expect(dns1123SubdomainProblem(defaultResourceName(a), 63)).toBeUndefined();
  });

  test('an account with nothing usable needs --name', () => {
    expect(() => plan({}, '___')).toThrow(/cannot make a Kubernetes name out of the gMSA name "___"/);
    expect(plan({ name: 'web' }, '___').name).toBe('web');
  });

  test.each(['WebApp', 'web_app', '-web', 'web-', 'web..app', '.web', 'web app', 'web/app', '', 'a'.repeat(64), 'wéb', 'web\n'])(
    '--name %j is refused with the rule and an example',
    (name) => {
      let err: unknown;
      try {
        plan({ name });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).message).toMatch(/^invalid --name /);
      expect((err as InvalidInputError).hint).toMatch(/^Use a Kubernetes name such as [a-z0-9][a-z0-9.-]*/);
    },
  );

  test.each(['webapp01', 'contoso.webapp01', 'a', '0', 'a'.repeat(63), 'web-app-01'])('--name %j is accepted', (name) => {
    expect(plan({ name }).name).toBe(name);
  });

  test.each(['Shop', 'my.ns', '-shop', 'a'.repeat(64), ''])('--namespace %j is refused', (namespace) => {
    expect(() => plan({ namespace })).toThrow(/^invalid --namespace /);
  });

  test.each(['SA', 'sa_1', 'sa-', ''])('--service-account %j is refused', (serviceAccount) => {
    expect(() => plan({ serviceAccount })).toThrow(/^invalid --service-account /);
  });

  test.each(['', 'my image', 'img\t1'])('--image %j is refused', (image) => {
    expect(() => plan({ image })).toThrow(/^invalid --image /);
  });

  test.each([-1, 1.5, 2 ** 31, Number.NaN])('--replicas %p is refused', (replicas) => {
    expect(() => plan({ replicas })).toThrow(/^invalid --replicas /);
  });

  test('the RFC 1123 rules', () => {
    expect(dns1123LabelProblem('default')).toBeUndefined();
    expect(dns1123LabelProblem('a.b')).toMatch(/only lower-case letters, digits and '-'/);
    expect(dns1123SubdomainProblem('a.b')).toBeUndefined();
    expect(dns1123SubdomainProblem('a'.repeat(254))).toMatch(/at most 253/);
  });
});

describe('HostAccountConfig.PluginInput as an object', () => {
  test('is refused: the CRD types PluginInput as a string', () => {
    const spec = specFor('webapp01', []) as any;
    spec.ActiveDirectoryConfig.HostAccountConfig = {
      PortableCcgVersion: '1',
      PluginGUID: '{859E1386-BDB4-49E8-85C7-3070B13920E1}',
      PluginInput: { CredentialArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa' },
    };
    let err: unknown;
    try {
      planK8s({ spec });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).message).toBe("the spec's HostAccountConfig.PluginInput is an object, but the GMSACredentialSpec CRD types it as a string");
    expect((err as InvalidInputError).hint).toMatch(/--ccg-plugin aws-ecs/);
    // the same spec with the string form goes through
    spec.ActiveDirectoryConfig.HostAccountConfig.PluginInput = JSON.stringify({ credentialArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:gmsa' });
    expect(planK8s({ spec }).documents).toHaveLength(4);
  });
});
