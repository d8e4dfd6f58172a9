import fc from 'fast-check';
import { InvalidInputError } from '../../../src/errors';
import { parseJson } from '../../../src/credspec/json';
import { DomainFacts, HostAccountConfig, buildCredentialSpec, netbiosNameProblem, serializeCredentialSpec } from '../../../src/credspec/model';
import { checkSpecName, defaultSpecFileName, isReservedDeviceName } from '../../../src/credspec/naming';
import { decodeSpecBytes } from '../../../src/credspec/parse';
import { FINDING_CODES, Finding, hasErrors, validateSpecBytes, validateSpecValue } from '../../../src/credspec/validate';
import { CONTOSO_WEBAPP01_JSON, Loose, utf16be, utf16le } from './fixtures';

/** Every finding is complete and comes from the documented list; the checker never failed internally. */
function expectWellFormed(findings: Finding[]): void {
  expect(Array.isArray(findings)).toBe(true);
  for (const f of findings) {
    expect(typeof f.path).toBe('string');
    expect(f.path.startsWith('$')).toBe(true);
    expect(['error', 'warning']).toContain(f.severity);
    expect(Object.keys(FINDING_CODES)).toContain(f.code);
    expect(f.code).not.toBe('internal-error');
    expect(f.severity).toBe(FINDING_CODES[f.code].severity);
    expect(typeof f.message).toBe('string');
    expect(f.message.length).toBeGreaterThan(0);
    expect(typeof f.fix).toBe('string');
    expect(f.fix.length).toBeGreaterThan(0);
    if (f.line !== undefined) expect(Number.isInteger(f.line) && f.line >= 1).toBe(true);
    if (f.column !== undefined) expect(Number.isInteger(f.column) && f.column >= 1).toBe(true);
  }
}

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyString = fc.string({ unit: codeUnit, maxLength: 200 });
const jsonish = fc.string({
  unit: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'u', '0', '1', '9', 'e', 'E', '-', '+', '.', ' ', '\n', '\r', '\t', 't', 'r', 'n', 'a', 'l', 's', 'f', '/', '*', 'A', '\u00e9', '\ud800'),
  maxLength: 60,
});

// ---------------------------------------------------------------------------------------------------------
// Valid domain facts

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const dnsName = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const netbios = fc.oneof(
  fc.stringMatching(/^[A-Z0-9-]{1,15}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 15 }).filter((s) => s.trim() === s && netbiosNameProblem(s) === undefined),
);
const subAuthority = fc.integer({ min: 0, max: 4294967295 });
const domainSid = fc.tuple(subAuthority, subAuthority, subAuthority).map(([a, b, c]) => `S-1-5-21-${a}-${b}-${c}`);
const guid = fc.tuple(fc.uuid(), fc.boolean(), fc.boolean()).map(([g, braces, upper]) => {
  const s = upper ? g.toUpperCase() : g;
  return braces ? `{${s}}` : s;
});
const bareAccount = fc.stringMatching(/^[A-Za-z0-9._-]{1,15}$/).filter((s) => !/^\.+$/.test(s));
const decoratedAccount = fc.tuple(bareAccount, fc.constantFrom('plain', 'dollar', 'backslash', 'at')).map(([name, form]) => {
  switch (form) {
    case 'dollar':
      return `${name}$`;
    case 'backslash':
      return `CONTOSO\\${name}`;
    case 'at':
      return `${name}@contoso.com`;
    default:
      return name;
  }
});
const hostAccount: fc.Arbitrary<HostAccountConfig | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({ oid: fc.uuid(), vault: label }).map(({ oid, vault }) => ({
    PortableCcgVersion: '1',
    PluginGUID: 'azure-keyvault',
    PluginInput: `ObjectId=${oid};SecretUri=https://${vault}.vault.azure.net/secrets/gmsa`,
  })),
  fc.nat().map((n) => ({
    PortableCcgVersion: '1',
    PluginGUID: 'aws-ecs',
    PluginInput: JSON.stringify({ credentialArn: `arn:aws:secretsmanager:us-west-2:${n}:secret:gmsa` }),
  })),
);
const facts: fc.Arbitrary<DomainFacts> = fc.record(
  { dnsName, netbiosName: netbios, domainSid, domainGuid: guid, forestDnsName: dnsName },
  { requiredKeys: ['dnsName', 'netbiosName', 'domainSid', 'domainGuid'] },
);
const builtSpec = fc.tuple(facts, fc.array(decoratedAccount, { minLength: 1, maxLength: 5 }), hostAccount).map(([f, accounts, host]) =>
  buildCredentialSpec(f, accounts, host ? { hostAccount: host } : {}),
);

function encode(text: string, how: number): Buffer {
  switch (how % 4) {
    case 0:
      return Buffer.from(text, 'utf8');
    case 1:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 2:
      return utf16le(text);
    default:
      return utf16be(text);
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('validateSpecBytes never throws and always returns complete findings', () => {
  test('arbitrary strings', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expectWellFormed(validateSpecBytes(Buffer.from(s, 'utf8')).findings);
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expectWellFormed(validateSpecBytes(Buffer.from(bytes)).findings);
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary bytes after each BOM', () => {
    const boms = [[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xff, 0xfe, 0, 0]];
    fc.assert(
      fc.property(fc.constantFrom(...boms), fc.uint8Array({ maxLength: 100 }), (bom, bytes) => {
        expectWellFormed(validateSpecBytes(Buffer.concat([Buffer.from(bom), Buffer.from(bytes)])).findings);
      }),
    );
  });

  test('arbitrary JSON values, as values and as bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectWellFormed(validateSpecValue(value));
        expectWellFormed(validateSpecBytes(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8')).findings);
      }),
      { numRuns: 300 },
    );
  });

  test('objects shaped almost like a spec', () => {
    const nearly = fc.record({
      CmsPlugins: fc.oneof(fc.constant(['ActiveDirectory']), fc.jsonValue()),
      DomainJoinConfig: fc.oneof(
        fc.jsonValue(),
        fc.record({
          Sid: fc.oneof(domainSid, fc.jsonValue()),
          MachineAccountName: fc.oneof(bareAccount, anyString, fc.jsonValue()),
          Guid: fc.oneof(guid, fc.jsonValue()),
          DnsTreeName: fc.oneof(dnsName, anyString),
          DnsName: fc.oneof(dnsName, anyString),
          NetBiosName: fc.oneof(netbios, anyString),
        }),
      ),
      ActiveDirectoryConfig: fc.oneof(
        fc.jsonValue(),
        fc.record({
          GroupManagedServiceAccounts: fc.array(fc.oneof(fc.record({ Name: fc.oneof(bareAccount, anyString), Scope: fc.oneof(dnsName, anyString) }), fc.jsonValue())),
          HostAccountConfig: fc.oneof(
            fc.jsonValue(),
            fc.record({ PortableCcgVersion: fc.oneof(fc.constant('1'), fc.jsonValue()), PluginGUID: fc.oneof(guid, fc.constant('{CCC2A336-D7F3-4818-A213-272B7924213E}'), fc.constant('{859E1386-BDB4-49E8-85C7-3070B13920E1}')), PluginInput: fc.oneof(anyString, fc.json()) }),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(nearly, (value) => {
        expectWellFormed(validateSpecValue(value));
        expectWellFormed(validateSpecBytes(Buffer.from(JSON.stringify(value, null, 1), 'utf8')).findings);
      }),
      { numRuns: 300 },
    );
  });
});

describe('mutations of a valid spec', () => {
  /** Paths (as key lists) of every node below the root. */
  function nodePaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== 'object' || value === null) return [];
    const out: (string | number)[][] = [];
    const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const k of keys) {
      const child = (value as Loose)[k];
      out.push([...prefix, k]);
      out.push(...nodePaths(child, [...prefix, k]));
    }
    return out;
  }

  function parentOf(root: Loose, p: (string | number)[]): Loose {
    let node = root;
    for (const k of p.slice(0, -1)) node = node[k];
    return node;
  }

  const baseAndPick = fc.tuple(builtSpec, fc.nat(), fc.nat(4)).map(([spec, pick, how]) => {
    const clone = JSON.parse(JSON.stringify(spec));
    const paths = nodePaths(clone);
    return { clone, path: paths[pick % paths.length] as (string | number)[], how };
  });

  test('deleting any key or element', () => {
    fc.assert(
      fc.property(baseAndPick, ({ clone, path }) => {
        const parent = parentOf(clone, path);
        const key = path[path.length - 1] as string | number;
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        const findings = validateSpecValue(clone);
        expectWellFormed(findings);
        expectWellFormed(validateSpecBytes(Buffer.from(JSON.stringify(clone))).findings);
      }),
      { numRuns: 300 },
    );
  });

  test('deleting a required key is always an error', () => {
    fc.assert(
      fc.property(builtSpec, fc.constantFrom('CmsPlugins', 'DomainJoinConfig', 'ActiveDirectoryConfig', 'Sid', 'MachineAccountName', 'Guid', 'DnsTreeName', 'DnsName', 'NetBiosName', 'GroupManagedServiceAccounts'), (spec, key) => {
        const clone = JSON.parse(JSON.stringify(spec));
        if (key in clone) delete clone[key];
        else if (key in clone.DomainJoinConfig) delete clone.DomainJoinConfig[key];
        else delete clone.ActiveDirectoryConfig[key];
        const findings = validateSpecValue(clone);
        expect(hasErrors(findings)).toBe(true);
        expect(findings.some((f) => f.code === 'missing-field' && f.path.endsWith(`.${key}`))).toBe(true);
      }),
    );
  });

  test('replacing any node with another JSON value', () => {
    fc.assert(
      fc.property(baseAndPick, fc.jsonValue({ maxDepth: 3 }), ({ clone, path }, replacement) => {
        const parent = parentOf(clone, path);
        parent[path[path.length - 1] as string | number] = replacement;
        expectWellFormed(validateSpecValue(clone));
        expectWellFormed(validateSpecBytes(Buffer.from(JSON.stringify(clone, null, 2))).findings);
      }),
      { numRuns: 300 },
    );
  });

  test('inserting, deleting or replacing a character in the file, in any encoding', () => {
    fc.assert(
      fc.property(builtSpec, fc.nat(), codeUnit, fc.nat(3), fc.nat(3), (spec, at, ch, op, how) => {
        const text = serializeCredentialSpec(spec);
        const i = at % (text.length + 1);
        const mutated = op === 0 ? text.slice(0, i) + ch + text.slice(i) : op === 1 ? text.slice(0, i) + text.slice(i + 1) : op === 2 ? text.slice(0, i) + ch + text.slice(i + 1) : text.slice(0, i);
        const r = validateSpecBytes(encode(mutated, how));
        expectWellFormed(r.findings);
        if (r.findings.length === 0) expect(r.spec).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });

  test('truncating a UTF-16 file at any byte', () => {
    const bytes = utf16le(CONTOSO_WEBAPP01_JSON);
    for (let n = 0; n <= bytes.length; n++) {
      const r = validateSpecBytes(bytes.subarray(0, n));
      expectWellFormed(r.findings);
      if (n < bytes.length - 4) expect(hasErrors(r.findings)).toBe(true);
    }
  });
});

describe('built specs are valid', () => {
  test('buildCredentialSpec from arbitrary valid facts validates with zero errors, in every encoding', () => {
    fc.assert(
      fc.property(builtSpec, fc.nat(3), (spec, how) => {
        const fromValue = validateSpecValue(spec);
        expectWellFormed(fromValue);
        expect(fromValue.filter((f) => f.severity === 'error')).toEqual([]);
        const text = serializeCredentialSpec(spec);
        const r = validateSpecBytes(encode(text, how));
        expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
        expect(r.spec).toEqual(spec);
        expect(JSON.parse(text)).toEqual(spec);
      }),
      { numRuns: 300 },
    );
  });

  test('defaultSpecFileName always gives a name checkSpecName accepts unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,15}$/), decoratedAccount, (nb, account) => {
        const name = defaultSpecFileName(nb, account);
        expect(checkSpecName(name)).toBe(name);
        expect(name).toBe(name.toLowerCase());
        expect(name).toBe(`${nb.toLowerCase()}_${account.replace(/^CONTOSO\\/, '').replace(/@contoso\.com$/, '').replace(/\$$/, '').toLowerCase()}.json`);
      }),
    );
  });

  test('defaultSpecFileName with any NetBIOS name: a checked name or InvalidInputError', () => {
    fc.assert(
      fc.property(fc.oneof(netbios, anyString), bareAccount, (nb, account) => {
        try {
          const name = defaultSpecFileName(nb, account);
          expect(checkSpecName(name)).toBe(name);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidInputError);
        }
      }),
    );
  });
});

describe('checkSpecName on arbitrary strings', () => {
  const nameish = fc.oneof(
    anyString,
    fc.string({ unit: fc.constantFrom('a', 'B', '.', '/', '\\', ':', ' ', 'n', 'u', 'l', 'c', 'o', 'N', '1', '¹', '$', '*', '\u0000', 'json', '..'), maxLength: 20 }),
  );

  test('either a safe file name or InvalidInputError, nothing else', () => {
    fc.assert(
      fc.property(nameish, (name) => {
        let out: string;
        try {
          out = checkSpecName(name);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidInputError);
          expect((err as InvalidInputError).message).toContain(JSON.stringify(name));
          return;
        }
        expect(out.startsWith(name)).toBe(true);
        expect(/\.json$/i.test(out)).toBe(true);
        expect(out).not.toMatch(/[\\/:<>"|?*\u0000-\u001f]/);
        expect(out.split('.').length).toBeGreaterThan(1);
        expect(out === '.' || out === '..' || out.startsWith('../') || out.includes('/..')).toBe(false);
        expect(isReservedDeviceName(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(255);
        expect(/[. ]$/.test(name)).toBe(false);
        expect(checkSpecName(out)).toBe(out);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('checkSpecName on plain names (letters, digits, _ - and inner dots: the batch shortcut)', () => {
  const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '_', '-', '.', 'c', 'o', 'n', 'N', 'u', 'l', 'p', 't', '1', 'json'), minLength: 1, maxLength: 270 });

  test('the file name is the name (plus .json), refused only for a device name, a final dot, nothing before .json or length', () => {
    fc.assert(
      fc.property(plain, (name) => {
        const fileName = /\.json$/i.test(name) ? name : `${name}.json`;
        const base = (fileName.split('.')[0] ?? '');
        const device = /^(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$/i.test(base);
        const refused = name.endsWith('.') || fileName.length === 5 || device || fileName.length > 255;
        if (refused) expect(() => checkSpecName(name)).toThrow(InvalidInputError);
        else expect(checkSpecName(name)).toBe(fileName);
      }),
      { numRuns: 2000 },
    );
  });

  test('isReservedDeviceName: the part before the first dot, trailing spaces dropped, is a device', () => {
    const devices = ['CON', 'prn', 'Aux', 'nul', 'COM1', 'com¹', 'LPT9', 'lpt³', 'CONIN$', 'conout$'];
    const word = fc.oneof(fc.constantFrom(...devices), fc.string({ unit: fc.constantFrom('c', 'O', 'n', 'u', 'L', '1', '$', 'x'), maxLength: 6 }));
    const rest = fc.string({ unit: fc.constantFrom(' ', '.', 'json', 'x', '\t'), maxLength: 6 });
    fc.assert(
      fc.property(word, rest, (w, r) => {
        const name = w + r;
        const base = (name.split('.')[0] ?? '').replace(/ +$/, '');
        expect(isReservedDeviceName(name)).toBe(devices.some((d) => d.toLowerCase() === base.toLowerCase()) || /^(?:com|lpt)[0-9¹²³]$/i.test(base));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parser and decoder agree with the platform', () => {
  test('parseJson accepts exactly what JSON.parse accepts, with the same value', () => {
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.json(), anyString), (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        const r = parseJson(text);
        expect(r.ok).toBe(valid);
        if (r.ok) expect(r.value).toEqual(expected);
        else {
          expect(r.line).toBeGreaterThanOrEqual(1);
          expect(r.column).toBeGreaterThanOrEqual(1);
          expect(r.offset).toBeLessThanOrEqual(text.length);
          expect(r.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('pretty-printed JSON parses to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, 4, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const r = parseJson(text);
        expect(r.ok && r.value).toEqual(JSON.parse(text));
      }),
    );
  });

  test('decodeSpecBytes round-trips text in all four encodings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.nat(3), (s, how) => {
        const text = `{ ${s}`;
        const d = decodeSpecBytes(encode(text, how));
        expect(d.text).toBe(text);
        expect(d.encoding).toBe(['utf-8', 'utf-8-bom', 'utf-16le-bom', 'utf-16be-bom'][how]);
      }),
    );
  });
});
