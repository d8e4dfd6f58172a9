// The plugin handshake runs on every `docker` help, `docker info` and completion: compare it with the
// cheapest possible Node process.
import { join } from 'node:path';
import { sideBySide, timeOnce } from './lib.mjs';

export function benchHandshake(root) {
  const bundle = join(root, 'dist/docker-gmsa.js');
  return sideBySide({
    title: 'handshake: docker-gmsa docker-cli-plugin-metadata vs node -e 0',
    candidate: { name: 'node dist/docker-gmsa.js docker-cli-plugin-metadata', run: () => timeOnce(process.execPath, [bundle, 'docker-cli-plugin-metadata']) },
    baseline: { name: 'node -e 0', run: () => timeOnce(process.execPath, ['-e', '0']) },
    runs: 40,
    target: 1.25,
  });
}
