/** Which compose client runs, how it is pointed at the user's engine, and the names of the rewritten files. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientArgv, findOnPath, standaloneTarget, tempNames } from '../../../src/compose/client';
import { emptyGlobals } from '../../../src/engine/globals';
import { project, rewrite } from './helpers';

describe('standaloneTarget: docker-compose gets the engine the docker CLI would use', () => {
  const home = project({});

  test('DOCKER_HOST and the default: nothing to add', () => {
    expect(standaloneTarget(emptyGlobals(), { DOCKER_HOST: 'tcp://h:2375' }, 'linux', home).args).toEqual([]);
    expect(standaloneTarget(emptyGlobals(), {}, 'linux', home).args).toEqual([]);
  });

  test('-H, with its TLS flags', () => {
    expect(standaloneTarget({ ...emptyGlobals(), hosts: ['unix:///tmp/x.sock'] }, {}, 'linux', home).args).toEqual(['--host', 'unix:///tmp/x.sock']);
  });

  test('a context without TLS becomes --host; --config becomes DOCKER_CONFIG', () => {
    const cfg = project({});
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const meta = join(cfg, 'contexts', 'meta', createHash('sha256').update('win').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: 'win', Metadata: {}, Endpoints: { docker: { Host: 'unix:///tmp/win.sock', SkipTLSVerify: false } } }));
    const t = standaloneTarget({ ...emptyGlobals(), context: 'win', config: cfg }, {}, 'linux', home);
    expect(t.args).toEqual(['--host', 'unix:///tmp/win.sock']);
    expect(t.env.DOCKER_CONFIG).toBe(cfg);
    expect(standaloneTarget(emptyGlobals(), { DOCKER_CONFIG: cfg, DOCKER_CONTEXT: 'win' }, 'linux', home).args).toEqual(['--host', 'unix:///tmp/win.sock']);
  });
});

test('clientArgv: the plugin runs as docker compose, the standalone client with its target first', () => {
  expect(clientArgv({ kind: 'plugin' }, { args: ['--host', 'x'] }, ['-f', 'a', 'up'])).toEqual({ exe: undefined, args: ['compose', '-f', 'a', 'up'] });
  expect(clientArgv({ kind: 'standalone', exe: 'docker-compose' }, { args: ['--host', 'x'] }, ['-f', 'a', 'up'])).toEqual({ exe: 'docker-compose', args: ['--host', 'x', '-f', 'a', 'up'] });
});

test('tempNames keep the file names, numbered when two would collide', () => {
  expect(tempNames(['/a/compose.yaml', '/a/compose.override.yaml'])).toEqual(['compose.yaml', 'compose.override.yaml']);
  expect(tempNames(['/a/compose.yaml', '/b/compose.yaml', '-'])).toEqual(['1-compose.yaml', '2-compose.yaml', '3-stdin-compose.yaml']);
});

test('findOnPath', () => {
  const dir = project({ 'bin/docker-compose': '#!/bin/sh\n' });
  chmodSync(join(dir, 'bin', 'docker-compose'), 0o755);
  expect(findOnPath('docker-compose', { PATH: `/nonexistent:${join(dir, 'bin')}` }, 'linux')).toBe(join(dir, 'bin', 'docker-compose'));
  expect(findOnPath('docker-compose', { PATH: '/nonexistent' }, 'linux')).toBeUndefined();
});

describe('what docker gmsa does not follow, and standard input', () => {
  test('include and extends are mentioned when a service asks for a gMSA', async () => {
    const dir = project({
      'compose.yaml': 'include:\n  - other.yaml\nservices:\n  base:\n    image: x\n    x-gmsa: webapp01\n  web:\n    extends: base\n',
      'other.yaml': 'services: {}\n',
    });
    const r = await rewrite(dir, []);
    expect(r.notes.join('\n')).toMatch(/services from included files are passed on as they are/);
    expect(r.notes.join('\n')).toMatch(/service "web": extends is not followed/);
    const plain = await rewrite(project({ 'compose.yaml': 'services:\n  web:\n    extends: {file: b.yaml, service: x}\n' }), []);
    expect(plain.notes).toEqual([]);
  });

  test('-f - reads the file from standard input', async () => {
    const dir = project({});
    const r = await rewrite(dir, ['-f', '-'], { stdin: 'services:\n  web:\n    image: x\n    x-gmsa: api01\n' });
    expect(r.texts[0]).toBe('services:\n  web:\n    image: x\n    security_opt:\n      - credentialspec=file://contoso_api01.json\n    hostname: api01-web\n');
  });
});
