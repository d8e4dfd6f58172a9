/**
 * Reading compose files: nesting and aliases are bounded explicitly, so a runaway or self-referencing
 * file gets an InvalidInputError naming the file, line and cause (never a stack overflow), and files at
 * the bound still go through the whole rewrite.
 */
import { InvalidInputError, type GmsaError } from '../../../src/errors';
import { effectiveEntries, effectiveEntry, MAX_NESTING, parseComposeText, serviceMaps, servicesData, toData } from '../../../src/compose/yaml-doc';
import { parseDocument } from 'yaml';
import { project, rewrite } from './helpers';

const GMSA = 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n';

function parseError(text: string): GmsaError {
  try {
    parseComposeText('/p/compose.yaml', 'compose.yaml', text);
  } catch (err) {
    return err as GmsaError;
  }
  throw new Error('expected a refusal');
}

async function rewriteError(text: string): Promise<GmsaError> {
  const err = await rewrite(project({ 'compose.yaml': text }), []).then(
    () => new Error('expected a refusal'),
    (e: unknown) => e as Error,
  );
  return err as GmsaError;
}

/** `levels` flow sequences inside each other. */
const flow = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('an alias inside the value it refers to', () => {
  test.each([
    ['a merge key of the map itself', 'x-a: &a {<<: *a}\n', /\/compose\.yaml:1:14: the alias \*a is inside the value it refers to \(&a, from line 1\), so that value would contain itself$/],
    ['a list that holds itself', 'x-a: &a [1, *a]\n', /\/compose\.yaml:1:13: the alias \*a is inside the value it refers to/],
    ['a service that merges itself further down', 'services:\n  api: &api\n    image: y\n    labels:\n      <<: *api\n', /\/compose\.yaml:5:11: the alias \*api is inside the value it refers to \(&api, from line 3\)/],
  ])('%s is refused with the file, line and cause', async (_what, head, message) => {
    const text = head.startsWith('services:') ? `${head}  web:\n    image: x\n    x-gmsa: webapp01\n` : `${head}${GMSA}`;
    const err = await rewriteError(text);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/^Point \*\w+ at a value defined before and outside it/);
  });

  test('an alias of a finished anchor, and of an anchor defined again, are fine', () => {
    const d = parseComposeText('/p/c.yaml', 'c.yaml', 'x-a: &a {k: 1}\nx-b: {<<: *a}\nx-c: &a {k: 2}\nx-d: {<<: *a}\n');
    expect(d.doc.toJS()).toEqual({ 'x-a': { k: 1 }, 'x-b': { k: 1 }, 'x-c': { k: 2 }, 'x-d': { k: 2 } });
  });
});

describe('nesting', () => {
  test.each([
    ['1,000 flow lists', `${GMSA}    labels:\n      a: ${flow(1000)}\n`, /\/compose\.yaml:6:\d+: the YAML nests collections more than 200 levels deep$/],
    ['100,000 flow lists', `${GMSA}    labels:\n      a: ${flow(100_000)}\n`, /\/compose\.yaml:6:\d+: the YAML nests collections more than 200 levels deep$/],
    ['1,000 block maps', `${GMSA}${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(4 + 2 * i)}k${i}:\n`).join('')}`, /\/compose\.yaml:\d+:\d+: the YAML nests collections more than 200 levels deep$/],
  ])('%s: an error with the line, not a stack overflow', async (_what, text, message) => {
    expect(MAX_NESTING).toBe(200);
    const err = await rewriteError(text);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/A compose file needs a few levels of nesting; look in \S*compose\.yaml for brackets that are never closed/);
  });

  test('the line is the one where the nesting passes the bound', () => {
    const lines = Array.from({ length: MAX_NESTING + 5 }, (_, i) => `${' '.repeat(2 * i)}k${i}:`);
    const err = parseError(`${lines.join('\n')}\n`);
    // The root map is level 1 (line 1), so the map at line MAX_NESTING + 1 is the first one too deep.
    expect(err.message).toMatch(new RegExp(`^compose\\.yaml:${MAX_NESTING + 1}:${2 * MAX_NESTING + 1}: `));
  });

  test('aliases that nest the data past the bound once expanded are refused at the alias', () => {
    const text = `x-0: &a0 ${flow(150)}\nx-1: &a1 [*a0]\nx-2: &a2 ${'['.repeat(60)}*a1${']'.repeat(60)}\n${GMSA}`;
    const err = parseError(text);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/^compose\.yaml:3:70: with the alias \*a1 expanded, the data nests more than 200 levels deep$/);
    expect(err.hint).toMatch(/lead to line 3\.$/);
  });

  test('a file at the bound, as written and through merge keys, goes through the whole rewrite', async () => {
    // The root map, services, web and labels are 4 levels; a holds the rest of them.
    const written = `${GMSA}    labels:\n      a: ${flow(MAX_NESTING - 4)}\n`;
    expect((await rewrite(project({ 'compose.yaml': written }), [])).texts[0]).toMatch(/credentialspec=file:\/\/contoso_webapp01\.json/);
    // A chain of merge keys, each map merging the one before it (converting it recurses through each link),
    // from a value MAX_NESTING - 8 deep: m5 nests MAX_NESTING - 3 levels, and web merges it 3 levels down.
    const chain = (n: number): string =>
      Array.from({ length: n + 1 }, (_, i) => (i === 0 ? `x-m0: &m0 {k0: ${flow(MAX_NESTING - 9)}}` : `x-m${i}: &m${i} {<<: *m${i - 1}, k${i}: v}`)).join('\n');
    const merged = `${chain(5)}\n${GMSA}    <<: *m5\n`;
    const r = await rewrite(project({ 'compose.yaml': merged }), []);
    expect(r.texts[0]).toMatch(/credentialspec=file:\/\/contoso_webapp01\.json/);
    expect(r.texts[0]).toContain('    <<: *m5\n');
    // One more link is one level too many, refused where web merges it.
    const err = parseError(`${chain(6)}\n${GMSA}    <<: *m6\n`);
    expect(err.message).toMatch(/^compose\.yaml:12:9: with the alias \*m6 expanded, the data nests more than 200 levels deep$/);
  });
});

test('aliases that expand too far ("billion laughs") are refused naming the file', async () => {
  const levels = Array.from({ length: 9 }, (_, i) => (i === 0 ? 'x-0: &a0 [x, x, x, x, x, x, x, x, x, x]' : `x-${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`));
  const err = await rewriteError(`${levels.join('\n')}\n${GMSA}`);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect(err.message).toMatch(/\/compose\.yaml: its aliases expand too far \(Excessive alias count indicates a resource exhaustion attack\)$/);
  expect(err.hint).toMatch(/^Every alias repeats the whole value it refers to; check the anchors \(&name\) and aliases \(\*name\) of \S+compose\.yaml/);
});

describe('plain data of a compose file (toData, servicesData)', () => {
  const MERGES = `x-a: &a {image: a, restart: always, labels: {from: a}}
x-b: &b {image: b, user: b, isolation: process}
services:
  own:
    image: mine
    <<: [*a, *b]
  later:
    <<: *a
    restart: "no"
  shared:
    labels: *x
x-labels: &x {k: v}
`.replace('labels: *x\nx-labels: &x {k: v}', 'labels: {k: v}');

  test('merge keys as yaml applies them: own keys win wherever they stand, then the sources in order', () => {
    const d = parseComposeText('/p/compose.yaml', 'compose.yaml', MERGES);
    const data = servicesData(d.doc);
    expect(data?.get('own')).toEqual({ image: 'mine', restart: 'always', labels: { from: 'a' }, user: 'b', isolation: 'process' });
    expect(data?.get('later')).toEqual({ image: 'a', restart: 'no', labels: { from: 'a' } });
    // The same answers as yaml's own conversion of the whole document.
    const reference = parseDocument(MERGES, { merge: true }).toJS({ maxAliasCount: -1 }) as { services: Record<string, unknown> };
    for (const name of ['own', 'later', 'shared']) expect(data?.get(name)).toEqual(reference.services[name]);
  });

  test('several keys looked up in one pass find what one lookup per key finds', () => {
    const d = parseComposeText('/p/compose.yaml', 'compose.yaml', MERGES);
    const keys = new Set(['image', 'restart', 'labels', 'user', 'isolation', 'hostname']);
    for (const { map } of serviceMaps(d)) {
      const all = effectiveEntries(d.doc, map, keys);
      for (const k of keys) expect(all.get(k)).toEqual(effectiveEntry(d.doc, map, k));
    }
    expect(effectiveEntries(d.doc, serviceMaps(d)[0]!.map, keys).get('image')?.pair.value).toMatchObject({ value: 'mine' });
  });

  test('an anchored value is read once and shared by its aliases', () => {
    const text = 'x-env: &env {A: "1", B: "2"}\nservices:\n  a: {image: x, environment: *env}\n  b: {image: x, environment: *env}\n';
    const d = parseComposeText('/p/compose.yaml', 'compose.yaml', text);
    const data = servicesData(d.doc) as Map<string, { environment: unknown }>;
    expect(data.get('a')?.environment).toEqual({ A: '1', B: '2' });
    expect(data.get('a')?.environment).toBe(data.get('b')?.environment);
  });

  test('keys become their text; a __proto__ key is data, not a prototype', () => {
    const d = parseComposeText('/p/compose.yaml', 'compose.yaml', 'services:\n  a:\n    labels: {1: one, true: yes, __proto__: p}\n');
    const labels = (servicesData(d.doc)?.get('a') as { labels: Record<string, unknown> }).labels;
    expect(Object.keys(labels)).toEqual(['1', 'true', '__proto__']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(labels['__proto__']).toBe('p');
  });

  test('a merge key with something other than maps names the file', () => {
    const d = parseComposeText('/p/compose.yaml', 'compose.yaml', 'services:\n  a:\n    <<: [x]\n    image: y\n');
    const map = (d.doc.contents as { items: Array<{ value: unknown }> }).items[0]?.value as { items: Array<{ value: unknown }> };
    expect(() => toData(d.doc, map.items[0]?.value)).toThrow(/compose\.yaml: a merge key \(<<\) takes a map, an alias of one, or a list of them/);
  });
});
