/** The pure core of the spec lookup: the order of the steps, validation of what the first finds, and the not-found error. */
import { buildCredentialSpec, serializeCredentialSpec } from '../../../src/credspec/model';
import { describeOrigin, lookupSpec, missFrom, originLine, type LookupStep, type LookupWording } from '../../../src/credspec/lookup';
import { InvalidInputError, NotFoundError, SpecInvalidError, UnsupportedEngineError } from '../../../src/errors';

const DOMAIN = { dnsName: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1111111111-2222222222-3333333333', domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694' };
const bytesOf = (account: string): Buffer => Buffer.from(serializeCredentialSpec(buildCredentialSpec(DOMAIN, [account])), 'utf8');
const WORDING: LookupWording = { outcome: 'nothing ran', notFoundHint: (a) => `create ${a}`, mismatchHint: (p) => `use ${p}` };

function recorder(): { steps: (defs: Array<[string, 'miss' | 'found' | 'throw', string?]>) => LookupStep[]; ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    steps: (defs) =>
      defs.map(([title, what, fix]) => ({
        title,
        run: async () => {
          ran.push(title);
          if (what === 'throw') throw new UnsupportedEngineError(`${title} broke`);
          if (what === 'found') return { found: { bytes: bytesOf('webapp01'), origin: { kind: 'directory', domain: 'contoso.com' } } };
          return { miss: fix !== undefined ? { reason: `${title} had none`, fix } : { reason: `${title} had none` } };
        },
      })),
  };
}

const noReport = (): void => undefined;

describe('lookupSpec', () => {
  test('runs the steps in order and stops at the first that finds a spec', async () => {
    const r = recorder();
    const found = await lookupSpec('webapp01', r.steps([['store', 'miss'], ['swarm', 'found'], ['ad', 'found']]), WORDING, noReport);
    expect(r.ran).toEqual(['store', 'swarm']);
    expect(found.spec.DomainJoinConfig.MachineAccountName).toBe('webapp01');
    expect(found.bytes.equals(bytesOf('webapp01'))).toBe(true);
    expect(found.storeName).toBeUndefined();
  });

  test('nothing found: every step in order with its reason; the hint is the fix of the last step that knows one', async () => {
    const r = recorder();
    const err = await lookupSpec('webapp01', r.steps([['store', 'miss', 'store fix'], ['swarm', 'miss'], ['ad', 'miss', 'configure AD']]), WORDING, noReport).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toBe('no credential spec found for webapp01; tried, in order:\n  1. store: store had none\n  2. swarm: swarm had none\n  3. ad: ad had none');
    expect((err as NotFoundError).hint).toBe('configure AD');
    const plain = await lookupSpec('webapp01', r.steps([['store', 'miss']]), WORDING, noReport).catch((e: unknown) => e);
    expect((plain as NotFoundError).hint).toBe('create webapp01');
  });

  test('a failing step (not a miss) stops the lookup with its own error', async () => {
    const r = recorder();
    await expect(lookupSpec('webapp01', r.steps([['store', 'throw'], ['ad', 'found']]), WORDING, noReport)).rejects.toBeInstanceOf(UnsupportedEngineError);
    expect(r.ran).toEqual(['store']);
  });

  test("the spec of another gMSA is refused; an invalid spec prints its report and is refused", async () => {
    const other: LookupStep = { title: 'x', run: async () => ({ found: { bytes: bytesOf('api01'), origin: { kind: 'file', path: '/p/api.json', label: 'api.json' } } }) };
    const err = await lookupSpec('webapp01', [other], WORDING, noReport).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toBe('api.json is the spec of the gMSA api01, not webapp01');
    const reports: string[] = [];
    const bad: LookupStep = { title: 'x', run: async () => ({ found: { bytes: Buffer.from('{"CmsPlugins": 1}'), origin: { kind: 'store', dir: '/s', name: 'bad.json', root: true } } }) };
    const invalid = await lookupSpec('webapp01', [bad], WORDING, (t) => reports.push(t)).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(SpecInvalidError);
    expect((invalid as Error).message).toBe('bad.json is not a valid credential spec; nothing ran');
    expect(reports.join('')).toMatch(/bad\.json/);
  });

  test('a spec from the store carries its store name (file:// delivery); the origin line names the source', async () => {
    const store: LookupStep = { title: 's', run: async () => ({ found: { bytes: bytesOf('webapp01'), origin: { kind: 'store', dir: '/r/CredentialSpecs', name: 'contoso_webapp01.json', root: false } } }) };
    const found = await lookupSpec('webapp01', [store], WORDING, noReport);
    expect(found.storeName).toBe('contoso_webapp01.json');
    expect(originLine('webapp01', found.origin)).toBe("spec for webapp01: contoso_webapp01.json in the engine's CredentialSpecs folder (/r/CredentialSpecs)");
    expect(describeOrigin({ kind: 'directory', domain: 'contoso.com' })).toBe('built from contoso.com');
    expect(describeOrigin({ kind: 'swarm', configName: 'gmsa-contoso_webapp01-1a2b3c4d', configId: 'x' })).toBe('swarm config gmsa-contoso_webapp01-1a2b3c4d');
  });

  test('missFrom turns our errors into misses and lets bugs through', () => {
    expect(missFrom(new UnsupportedEngineError('down', 'start it'))).toEqual({ reason: 'down', fix: 'start it' });
    expect(() => missFrom(new TypeError('bug'))).toThrow(TypeError);
  });
});
