/**
 * The stack deploy pipeline without a swarm: --dry-run with an unreachable manager plans from --root's
 * store and prints the rewritten file, the config and the command; files without a gMSA service go on
 * unchanged; refusals come before anything is deployed. (Against a real manager: test/integration/stack.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackArgs, type StackPreset } from '../../../src/compose/stack-args';
import { EngineError, UnsupportedEngineError } from '../../../src/errors';
import { deployStack } from '../../../src/orchestrators/stack-deploy';
import { fakeDeps, project, STORE_ROOT } from '../compose/helpers';

const unreachable = new EngineError('Cannot connect to the Docker daemon at unix:///nowhere.sock', 'Start the engine.');

async function dryRun(files: Record<string, string>, preset: StackPreset = {}): Promise<{ dir: string; out: string; err: string }> {
  const dir = project(files);
  const f = fakeDeps({ cwd: dir, profile: unreachable });
  await deployStack(parseStackArgs(['-c', 'compose.yaml', 'web'], { dryRun: true, ...preset }), f.deps);
  return { dir, out: f.out(), err: f.err() };
}

test('--dry-run without a manager: the spec from --root, the rewritten file, the config and the command; the file is untouched', async () => {
  const source = 'services:\n  web:\n    image: x\n    x-gmsa: webapp01 # the site\n';
  const r = await dryRun({ 'compose.yaml': source }, { root: STORE_ROOT });
  expect(r.err).toMatch(/Cannot connect to the Docker daemon.*; planning without the swarm's configs and nodes/);
  const name = /config: (gmsa-contoso_webapp01-[0-9a-f]+) # the site\n/.exec(r.out)?.[1];
  expect(name).toBeDefined();
  expect(r.out).toContain(`configs:\n  ${name as string}:\n    external: true\n`);
  expect(r.out).toMatch(/^# docker gmsa stack deploy --dry-run: nothing was created or deployed\.$/m);
  expect(r.out).toMatch(/stack deploy -c '?<temporary folder>\/compose\.yaml'? web$/m);
  expect(readFileSync(join(r.dir, 'compose.yaml'), 'utf8')).toBe(source);
});

test('a file without a gMSA service goes to docker stack deploy as it is', async () => {
  const r = await dryRun({ 'compose.yaml': 'services:\n  web:\n    image: x\n' });
  expect(r.err).toMatch(/No service asks for a gMSA \(x-gmsa or credential_spec\.file\); the files go to docker stack deploy unchanged\./);
  expect(r.out).toMatch(/stack deploy -c compose\.yaml web\n$/);
});

test('credential_spec.file without a store on this machine is refused before anything is deployed', async () => {
  await expect(dryRun({ 'compose.yaml': 'services:\n  web:\n    image: x\n    credential_spec: {file: contoso_webapp01.json}\n' })).rejects.toThrow(UnsupportedEngineError);
});
