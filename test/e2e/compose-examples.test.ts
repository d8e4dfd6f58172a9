/**
 * Every compose example must name credential specs the way `docker gmsa spec create` writes them, with
 * names the engine accepts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkSpecName } from '../../src/credspec/naming';
import { cleanEnv, DOMAIN_FLAGS, plugin, ROOT, tempDir } from '../support/cli';

const EXAMPLES = join(ROOT, 'compose-examples');
const projects = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

interface Service {
  hostname?: string;
  security_opt?: string[];
}

test('there are examples', () => {
  expect(projects.length).toBeGreaterThan(0);
});

describe.each(projects)('compose-examples/%s', (project) => {
  const file = join(EXAMPLES, project, 'compose.yaml');
  const model = parse(readFileSync(file, 'utf8')) as { services: Record<string, Service> };
  const gmsaServices = Object.entries(model.services).filter(([, s]) =>
    (s.security_opt ?? []).some((o) => o.startsWith('credentialspec=')),
  );

  test('has at least one service with a credential spec', () => {
    expect(gmsaServices.length).toBeGreaterThan(0);
  });

  test.each(gmsaServices)('service %s names a spec that spec create writes under that name', async (_name, service) => {
    const opt = (service.security_opt ?? []).find((o) => o.startsWith('credentialspec=')) as string;
    const specName = opt.slice('credentialspec=file://'.length);
    expect(opt.startsWith('credentialspec=file://')).toBe(true);
    expect(checkSpecName(specName)).toBe(specName);

    const account = service.hostname as string;
    const root = tempDir('example');
    const r = await plugin(['spec', 'create', account, ...DOMAIN_FLAGS, '--root', root], cleanEnv());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(root, 'CredentialSpecs', specName))).toBe(true);
  });
});
