/** Finding the compose files as compose does: -f, COMPOSE_FILE, default names upwards, overrides, .env. */
import { join } from 'node:path';
import { discoverComposeFiles, type DiscoveryFs, type DiscoveryInput } from '../../../src/compose/discovery';
import { InvalidInputError, NotFoundError } from '../../../src/errors';
import { project } from './helpers';

const Y = 'services: {}\n';

function discover(cwd: string, extra: Partial<DiscoveryInput> = {}) {
  return discoverComposeFiles({ files: [], envFiles: [], cwd, env: {}, platform: 'linux', ...extra });
}

describe('default files', () => {
  test('found in the current folder, with the override next to it', () => {
    const dir = project({ 'compose.yaml': Y, 'compose.override.yaml': Y, 'docker-compose.override.yml': Y });
    const d = discover(dir);
    expect(d.source).toBe('default');
    expect(d.files).toEqual([join(dir, 'compose.yaml'), join(dir, 'compose.override.yaml')]);
    expect(d.projectDir).toBe(dir);
    expect(d.warnings).toEqual([expect.stringMatching(/multiple override files .*using .*compose\.override\.yaml$/)]);
  });

  test('searched upwards from a nested folder; the project folder is the one that has it', () => {
    const dir = project({ 'app/docker-compose.yml': Y, 'app/docker-compose.override.yml': Y, 'app/src/deep/x.txt': '' });
    const d = discover(join(dir, 'app', 'src', 'deep'));
    expect(d.files).toEqual([join(dir, 'app', 'docker-compose.yml'), join(dir, 'app', 'docker-compose.override.yml')]);
    expect(d.projectDir).toBe(join(dir, 'app'));
  });

  test('the nearest folder wins, and within it the first name in compose order', () => {
    const dir = project({ 'compose.yaml': Y, 'a/docker-compose.yaml': Y, 'a/compose.yml': Y, 'a/b/.keep': '' });
    const d = discover(join(dir, 'a', 'b'));
    expect(d.files).toEqual([join(dir, 'a', 'compose.yml')]);
    expect(d.warnings[0]).toMatch(/Found multiple config files with supported names: .*compose\.yml, .*docker-compose\.yaml; using .*compose\.yml/);
  });

  test('an override without a main file is not used', () => {
    const dir = project({ 'compose.override.yaml': Y });
    const d = discover(dir);
    expect(d.source === 'none' || d.files.every((f) => !f.startsWith(dir))).toBe(true);
  });

  test('--project-directory is where the search starts', () => {
    const dir = project({ 'proj/compose.yaml': Y, 'elsewhere/.keep': '' });
    const d = discover(join(dir, 'elsewhere'), { projectDirectory: '../proj' });
    expect(d.files).toEqual([join(dir, 'proj', 'compose.yaml')]);
    expect(d.projectDir).toBe(join(dir, 'proj'));
  });
});

describe('-f and COMPOSE_FILE', () => {
  test('-f files in order, relative to the current folder; the project folder is the first one\'s', () => {
    const dir = project({ 'base/compose.yaml': Y, 'env/prod.yaml': Y, 'compose.yaml': Y });
    const d = discover(dir, { files: ['base/compose.yaml', join(dir, 'env/prod.yaml')] });
    expect(d.source).toBe('flag');
    expect(d.files).toEqual([join(dir, 'base', 'compose.yaml'), join(dir, 'env', 'prod.yaml')]);
    expect(d.projectDir).toBe(join(dir, 'base'));
  });

  test('-f - is standard input; the project folder is then the current one', () => {
    const dir = project({});
    const d = discover(dir, { files: ['-'] });
    expect(d.files).toEqual(['-']);
    expect(d.projectDir).toBe(dir);
  });

  test('a missing -f file or a folder is refused', () => {
    const dir = project({ 'sub/.keep': '' });
    expect(() => discover(dir, { files: ['nope.yaml'] })).toThrow(NotFoundError);
    expect(() => discover(dir, { files: ['sub'] })).toThrow(InvalidInputError);
  });

  test('COMPOSE_FILE is split on ":" (and COMPOSE_PATH_SEPARATOR)', () => {
    const dir = project({ 'a.yaml': Y, 'b.yaml': Y, 'compose.yaml': Y });
    expect(discover(dir, { env: { COMPOSE_FILE: 'a.yaml:b.yaml' } }).files).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
    const d = discover(dir, { env: { COMPOSE_FILE: 'b.yaml,a.yaml', COMPOSE_PATH_SEPARATOR: ',' } });
    expect(d.source).toBe('env');
    expect(d.files).toEqual([join(dir, 'b.yaml'), join(dir, 'a.yaml')]);
    expect(() => discover(dir, { env: { COMPOSE_FILE: 'a.yaml:gone.yaml' } })).toThrow(/gone\.yaml \(from COMPOSE_FILE\) not found/);
  });

  test('COMPOSE_FILE may come from the .env file; -f wins over it', () => {
    const dir = project({ 'a.yaml': Y, 'compose.yaml': Y, '.env': 'COMPOSE_FILE=a.yaml\n' });
    expect(discover(dir).files).toEqual([join(dir, 'a.yaml')]);
    expect(discover(dir, { files: ['compose.yaml'] }).files).toEqual([join(dir, 'compose.yaml')]);
  });

  test('on Windows COMPOSE_FILE is split on ";"', () => {
    const files = new Set(['C:\\p\\a.yaml', 'C:\\p\\b.yaml']);
    const fsx: DiscoveryFs = { kind: (p) => (files.has(p) ? 'file' : p === 'C:\\p' ? 'dir' : undefined), readText: () => '' };
    const d = discoverComposeFiles({ files: [], envFiles: [], cwd: 'C:\\p', env: { COMPOSE_FILE: 'a.yaml;b.yaml' }, platform: 'win32' }, fsx);
    expect(d.files).toEqual(['C:\\p\\a.yaml', 'C:\\p\\b.yaml']);
    expect(d.projectDir).toBe('C:\\p');
  });
});

describe('variables', () => {
  test('the environment wins over the project .env; --env-file replaces .env', () => {
    const dir = project({ 'compose.yaml': Y, '.env': 'A=from-dotenv\nB=${A}-b\n', 'other.env': 'A=other\n' });
    const d = discover(dir, { env: { A: 'from-env' } });
    expect(d.lookup('A')).toBe('from-env');
    expect(d.lookup('B')).toBe('from-env-b');
    const e = discover(dir, { envFiles: ['other.env'] });
    expect(e.lookup('A')).toBe('other');
    expect(e.lookup('B')).toBeUndefined();
    expect(() => discover(dir, { envFiles: ['missing.env'] })).toThrow(/env file .*missing\.env not found/);
  });

  test('.env comes from the project folder, and COMPOSE_DISABLE_ENV_FILE turns it off', () => {
    const dir = project({ 'p/compose.yaml': Y, 'p/.env': 'A=1\n', '.env': 'A=2\n' });
    expect(discover(dir, { files: ['p/compose.yaml'] }).lookup('A')).toBe('1');
    expect(discover(dir, { files: ['p/compose.yaml'], env: { COMPOSE_DISABLE_ENV_FILE: 'true' } }).lookup('A')).toBeUndefined();
  });
});
