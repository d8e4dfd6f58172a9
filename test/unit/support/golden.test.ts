/** Golden files are compared, and written only on request: a missing one fails and is not created. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { golden } from '../../support/golden';

const dir = (): string => mkdtempSync(join(tmpdir(), 'gmsa-golden-'));

test('a missing expected file fails with how to create it, and stays missing', () => {
  const path = join(dir(), 'case', 'expected.yaml');
  expect(() => golden('services: {}\n', path, {})).toThrow(/expected\.yaml does not exist: create it with GMSA_UPDATE_FIXTURES=1 npx jest test\/unit\/support\/golden\.test\.ts, read it, and commit it/);
  expect(existsSync(path)).toBe(false);
  // Any other value of the variable is not a request to write.
  expect(() => golden('x', path, { GMSA_UPDATE_FIXTURES: 'true' })).toThrow(/does not exist/);
  expect(existsSync(path)).toBe(false);
});

test('an existing expected file is read, not overwritten, so a different output fails the comparison', () => {
  const path = join(dir(), 'expected.yaml');
  writeFileSync(path, 'old\n');
  expect(golden('new\n', path, {})).toBe('old\n');
  expect(readFileSync(path, 'utf8')).toBe('old\n');
});

test('GMSA_UPDATE_FIXTURES=1 writes the expected file (folders included)', () => {
  const path = join(dir(), 'a', 'b', 'expected.yaml');
  expect(golden('new\n', path, { GMSA_UPDATE_FIXTURES: '1' })).toBe('new\n');
  expect(readFileSync(path, 'utf8')).toBe('new\n');
});
