/**
 * Mutated compose files (the fixtures and examples with characters, lines and YAML constructs inserted,
 * removed or repeated) through docker gmsa compose's whole preparation: the user's files are byte for byte
 * what they were, and every outcome is a rewrite or a GmsaError (an error with a hint), never a crash.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseComposeText } from '../../../src/compose/yaml-doc';
import { GmsaError } from '../../../src/errors';
import { FIXTURES, project, rewrite, stackRewrite } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
const sources: string[] = [
  ...readdirSync(join(FIXTURES, 'rewrite')).map((c) => readFileSync(join(FIXTURES, 'rewrite', c, 'compose.yaml'), 'utf8')),
  ...readdirSync(join(FIXTURES, 'stack')).map((c) => readFileSync(join(FIXTURES, 'stack', c, 'compose.yaml'), 'utf8')),
  ...readdirSync(join(ROOT, 'compose-examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map(({ name: c }) => readFileSync(join(ROOT, 'compose-examples', c, 'compose.yaml'), 'utf8')),
];

/** Pieces that change what YAML reads: anchors, aliases (also of anchors that do not exist), merge keys, tags, flow brackets, scalars of other types. */
const PIECES = [
  '&a ', '*a', '<<: *a', '&w ', '*w', '{<<: *a}', '[', ']', '{', '}', ',', ': ', '- ', '#', '"', "'", '!!binary aGVsbG8=', '!reset ', '!override ',
  '.inf', '~', 'null', 'true', '0x1F', '${X}', '$$', '\t', '\n', '\r\n', '  ', 'x-gmsa: webapp01', 'x-gmsa: {account: api01}', 'credential_spec: {file: "raw://{}"}',
  '&a {<<: *a}', '&a [1, *a]', 'null:', '~:', `${'['.repeat(1000)}${']'.repeat(1000)}`,
  'credential_spec: {file: sub/x.json}', 'security_opt: [credentialspec=file://a.json]', 'hostname: h', 'user: u', 'deploy: {replicas: 2}',
];

type Mutation = { at: number; kind: 'insert' | 'delete' | 'line' | 'dup'; piece: string; n: number };

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>('insert', 'delete', 'line', 'dup'),
  piece: fc.constantFrom(...PIECES),
  n: fc.integer({ min: 1, max: 8 }),
});

function apply(text: string, m: Mutation): string {
  if (text.length === 0) return m.piece;
  const at = m.at % text.length;
  if (m.kind === 'insert') return text.slice(0, at) + m.piece + text.slice(at);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.n);
  const lines = text.split('\n');
  const i = m.at % lines.length;
  if (m.kind === 'dup') lines.splice(i, 0, lines[i] as string);
  else lines.splice(i, 0, `${' '.repeat(2 * (m.n % 4))}${m.piece}`);
  return lines.join('\n');
}

/** An outcome that is not a result must be a GmsaError with a message and a hint, and not a false one. */
function expectRefusal(err: unknown, text: string): void {
  if (!(err instanceof GmsaError)) throw err;
  expect(err.message.length).toBeGreaterThan(0);
  expect(err.hint?.length ?? 0).toBeGreaterThan(0);
  expect(err.message).not.toMatch(/Maximum call stack|undefined|\[object Object\]/);
  // Only a file with an anchor can share one.
  if (/shares a YAML anchor/.test(err.message)) expect(text).toMatch(/&\w/);
}

test('mutated files: the user file is unchanged, and the outcome is a rewrite or an error with a hint', async () => {
  let rewritten = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...sources), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (source, mutations) => {
      const text = mutations.reduce(apply, source);
      const dir = project({ 'compose.yaml': text, 'specs/webapp01.json': readFileSync(join(FIXTURES, 'root', 'CredentialSpecs', 'contoso_webapp01.json'), 'utf8') });
      writeFileSync(join(dir, '.env'), 'WEB_GMSA=webapp01\n');
      try {
        const r = await rewrite(dir, [], { build: 17763 });
        // What compose gets reads back as YAML (printing made nothing unreadable).
        if (r.changed[0]) expect(() => parseComposeText('/out/compose.yaml', 'out', r.texts[0] as string)).not.toThrow();
        rewritten += 1;
      } catch (err) {
        expectRefusal(err, text);
        refused += 1;
      }
      expect(readFileSync(join(dir, 'compose.yaml'), 'utf8')).toBe(text);
    }),
    { numRuns: 400 },
  );
  // Both outcomes happen: the mutations are neither all harmless nor all fatal.
  expect(rewritten).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(20);
});

test('mutated files through the stack deploy rewrite: a result or an error with a hint', () => {
  let done = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.constantFrom(...sources), fc.array(mutation, { minLength: 1, maxLength: 4 }), (source, mutations) => {
      const text = mutations.reduce(apply, source);
      try {
        const r = stackRewrite(text);
        if (r.changed[0]) expect(() => parseComposeText('/out/compose.yaml', 'out', r.texts[0] as string)).not.toThrow();
        done += 1;
      } catch (err) {
        expectRefusal(err, text);
        refused += 1;
      }
    }),
    { numRuns: 400 },
  );
  expect(done).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(20);
});
