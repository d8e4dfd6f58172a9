import * as path from 'path';
import { DockerConfigError, NotFoundError, UsageError } from '../../../src/errors';
import {
  contextDirName,
  describeEndpoint,
  isLocalEndpoint,
  resolveConfigDir,
  resolveEndpoint,
  type EndpointFs,
} from '../../../src/engine/endpoint';
import { emptyGlobals, type DockerGlobals } from '../../../src/engine/globals';
import {
  FAKE_CA,
  FAKE_CERT,
  FAKE_KEY,
  dockerContext,
  removeDir,
  sha,
  tempDir,
  writeConfigJson,
  writeContext,
  writeContextTls,
  writeFile,
} from './helpers';

let home: string;
let configDir: string;

beforeEach(() => {
  home = tempDir();
  configDir = path.join(home, '.docker');
});
afterEach(() => removeDir(home));

function g(over: Partial<DockerGlobals> = {}): DockerGlobals {
  return { ...emptyGlobals(), ...over };
}

function resolve(globals: DockerGlobals = g(), env: NodeJS.ProcessEnv = {}, platform: NodeJS.Platform = 'linux') {
  return resolveEndpoint(globals, env, platform, home);
}

function catchErr(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('precedence', () => {
  test('nothing configured: the default unix socket, context "default"', () => {
    const ep = resolve();
    expect(ep).toMatchObject({
      contextName: 'default',
      source: 'default',
      host: 'unix:///var/run/docker.sock',
      protocol: 'unix',
      socketPath: '/var/run/docker.sock',
      skipTLSVerify: false,
      configDir,
    });
    expect(ep.tls).toBeUndefined();
    expect(ep.warnings).toEqual([]);
  });

  test('nothing configured on Windows: the docker_engine named pipe', () => {
    const ep = resolveEndpoint(g(), {}, 'win32', 'C:\\Users\\alice');
    expect(ep).toMatchObject({
      contextName: 'default',
      source: 'default',
      host: 'npipe:////./pipe/docker_engine',
      protocol: 'npipe',
      socketPath: '//./pipe/docker_engine',
      configDir: 'C:\\Users\\alice\\.docker',
    });
  });

  test('config.json currentContext names the context', () => {
    writeConfigJson(configDir, { auths: {}, currentContext: 'prod' });
    writeContext(configDir, 'prod', dockerContext('prod', 'tcp://10.0.0.5:2375'));
    const ep = resolve();
    expect(ep).toMatchObject({ contextName: 'prod', source: 'context-config', host: 'tcp://10.0.0.5:2375', protocol: 'tcp', hostname: '10.0.0.5', port: 2375 });
    expect(ep.contextMetaPath).toBe(path.join(configDir, 'contexts', 'meta', sha('prod'), 'meta.json'));
  });

  test('DOCKER_CONTEXT beats config.json', () => {
    writeConfigJson(configDir, { currentContext: 'prod' });
    writeContext(configDir, 'prod', dockerContext('prod', 'tcp://10.0.0.5:2375'));
    writeContext(configDir, 'staging', dockerContext('staging', 'tcp://10.0.0.6:2375'));
    const ep = resolve(g(), { DOCKER_CONTEXT: 'staging' });
    expect(ep).toMatchObject({ contextName: 'staging', source: 'context-env', host: 'tcp://10.0.0.6:2375' });
  });

  test('DOCKER_HOST beats DOCKER_CONTEXT and means context "default"', () => {
    writeContext(configDir, 'staging', dockerContext('staging', 'tcp://10.0.0.6:2375'));
    const ep = resolve(g(), { DOCKER_CONTEXT: 'staging', DOCKER_HOST: 'tcp://10.1.1.1:2375' });
    expect(ep).toMatchObject({ contextName: 'default', source: 'env', host: 'tcp://10.1.1.1:2375' });
  });

  test('-H beats DOCKER_HOST', () => {
    const ep = resolve(g({ hosts: ['unix:///run/user/1000/docker.sock'] }), { DOCKER_HOST: 'tcp://10.1.1.1:2375' });
    expect(ep).toMatchObject({ contextName: 'default', source: 'flag', host: 'unix:///run/user/1000/docker.sock', socketPath: '/run/user/1000/docker.sock' });
  });

  test('--context beats DOCKER_HOST (no conflict with the variable)', () => {
    writeContext(configDir, 'prod', dockerContext('prod', 'ssh://deploy@win-build:2222'));
    const ep = resolve(g({ context: 'prod' }), { DOCKER_HOST: 'tcp://10.1.1.1:2375', DOCKER_CONTEXT: 'other' });
    expect(ep).toMatchObject({ contextName: 'prod', source: 'context-flag', protocol: 'ssh', hostname: 'win-build', port: 2222, username: 'deploy' });
  });

  test('--context together with -H is refused like the CLI does', () => {
    const err = catchErr(() => resolve(g({ context: 'prod', hosts: ['tcp://h:2375'] })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('conflicting options: cannot specify both --host and --context');
  });

  test('more than one -H is refused', () => {
    const err = catchErr(() => resolve(g({ hosts: ['tcp://a:2375', 'tcp://b:2375'] })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^specify only one -H/);
  });

  test('--context default still honours DOCKER_HOST, as the CLI does', () => {
    const ep = resolve(g({ context: 'default' }), { DOCKER_HOST: 'tcp://10.1.1.1:2375' });
    expect(ep).toMatchObject({ contextName: 'default', source: 'context-flag', host: 'tcp://10.1.1.1:2375' });
  });

  test('DOCKER_CONTEXT=default overrides a stored current context', () => {
    writeConfigJson(configDir, { currentContext: 'prod' });
    const ep = resolve(g(), { DOCKER_CONTEXT: 'default' });
    expect(ep).toMatchObject({ contextName: 'default', source: 'context-env', host: 'unix:///var/run/docker.sock' });
  });

  test('currentContext "default" means the default endpoint', () => {
    writeConfigJson(configDir, { currentContext: 'default' });
    expect(resolve()).toMatchObject({ contextName: 'default', source: 'context-config', host: 'unix:///var/run/docker.sock' });
  });

  test('empty variables count as unset', () => {
    writeConfigJson(configDir, { currentContext: 'prod' });
    writeContext(configDir, 'prod', dockerContext('prod', 'tcp://10.0.0.5:2375'));
    const ep = resolve(g({ context: '' }), { DOCKER_HOST: '', DOCKER_CONTEXT: '' });
    expect(ep).toMatchObject({ contextName: 'prod', source: 'context-config' });
  });

  test('-H "" means the default host (and DOCKER_HOST is not consulted)', () => {
    const ep = resolve(g({ hosts: [''] }), { DOCKER_HOST: 'tcp://10.1.1.1:2375' });
    expect(ep).toMatchObject({ source: 'flag', host: 'unix:///var/run/docker.sock' });
  });

  test('a blank DOCKER_HOST means the default host', () => {
    expect(resolve(g(), { DOCKER_HOST: '   ' })).toMatchObject({ source: 'env', host: 'unix:///var/run/docker.sock' });
  });
});

describe('config directory', () => {
  test('--config beats DOCKER_CONFIG beats ~/.docker', () => {
    expect(resolveConfigDir({}, {}, 'linux', '/home/a')).toBe('/home/a/.docker');
    expect(resolveConfigDir({}, { DOCKER_CONFIG: '/etc/dk' }, 'linux', '/home/a')).toBe('/etc/dk');
    expect(resolveConfigDir({ config: '/opt/dk' }, { DOCKER_CONFIG: '/etc/dk' }, 'linux', '/home/a')).toBe('/opt/dk');
    expect(resolveConfigDir({}, {}, 'win32', 'C:\\Users\\a')).toBe('C:\\Users\\a\\.docker');
  });

  test('contexts are read from DOCKER_CONFIG', () => {
    const other = path.join(home, 'elsewhere');
    writeConfigJson(other, { currentContext: 'x1' });
    writeContext(other, 'x1', dockerContext('x1', 'tcp://10.9.9.9:2375'));
    expect(resolve(g(), { DOCKER_CONFIG: other })).toMatchObject({ contextName: 'x1', host: 'tcp://10.9.9.9:2375', configDir: other });
  });

  test('contexts are read from --config before DOCKER_CONFIG', () => {
    const flagDir = path.join(home, 'flagdir');
    writeContext(flagDir, 'x2', dockerContext('x2', 'tcp://10.8.8.8:2375'));
    const ep = resolve(g({ config: flagDir, context: 'x2' }), { DOCKER_CONFIG: path.join(home, 'nothing') });
    expect(ep).toMatchObject({ host: 'tcp://10.8.8.8:2375', configDir: flagDir });
  });

  test('the context directory is the sha256 of the name', () => {
    expect(contextDirName('prod')).toBe('6754af9632a2745e85c293e5aac0863370d9bd3330b9938c00cadfd215227d77');
  });
});

describe('stored contexts', () => {
  test('a missing context is NotFoundError with a hint to docker context ls', () => {
    const err = catchErr(() => resolve(g({ context: 'nope' })));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('context "nope" does not exist');
    expect((err as NotFoundError).hint).toContain('docker context ls');
  });

  test('the hint says where a missing context name came from', () => {
    const fromEnv = catchErr(() => resolve(g(), { DOCKER_CONTEXT: 'ghost' })) as NotFoundError;
    expect(fromEnv.hint).toContain('DOCKER_CONTEXT');
    writeConfigJson(configDir, { currentContext: 'ghost' });
    const fromConfig = catchErr(() => resolve()) as NotFoundError;
    expect(fromConfig).toBeInstanceOf(NotFoundError);
    expect(fromConfig.hint).toContain('docker context use default');
  });

  test('meta.json that is not JSON is DockerConfigError naming the file', () => {
    const file = writeContext(configDir, 'broken', '{"Name": "broken", ');
    const err = catchErr(() => resolve(g({ context: 'broken' })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('context "broken" has an invalid meta.json');
    expect(err.message).toContain(file);
  });

  test('meta.json that is not an object', () => {
    writeContext(configDir, 'arr', '[1,2]');
    expect(catchErr(() => resolve(g({ context: 'arr' })))).toBeInstanceOf(DockerConfigError);
  });

  test('a context without a docker endpoint', () => {
    writeContext(configDir, 'k8s', { Name: 'k8s', Metadata: {}, Endpoints: { kubernetes: { Host: 'https://k' } } });
    const err = catchErr(() => resolve(g({ context: 'k8s' })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('has no docker endpoint');
  });

  test('wrongly typed Host or SkipTLSVerify', () => {
    writeContext(configDir, 'n', { Endpoints: { docker: { Host: 42 } } });
    expect(catchErr(() => resolve(g({ context: 'n' }))).message).toContain('Host is not a string');
    writeContext(configDir, 's', { Endpoints: { docker: { Host: 'tcp://h:1', SkipTLSVerify: 'yes' } } });
    expect(catchErr(() => resolve(g({ context: 's' }))).message).toContain('SkipTLSVerify');
  });

  test('keys are matched case-insensitively, like Go does', () => {
    writeContext(configDir, 'lc', { name: 'lc', endpoints: { docker: { host: 'tcp://10.2.2.2:2376', skipTLSVerify: true } } });
    expect(resolve(g({ context: 'lc' }))).toMatchObject({ host: 'tcp://10.2.2.2:2376', skipTLSVerify: true, tls: { verify: false } });
  });

  test('a UTF-8 BOM is tolerated', () => {
    writeContext(configDir, 'bom', '\uFEFF' + JSON.stringify(dockerContext('bom', 'tcp://10.3.3.3:2375')));
    expect(resolve(g({ context: 'bom' })).host).toBe('tcp://10.3.3.3:2375');
  });

  test('a context with an empty host uses the platform default and warns', () => {
    writeContext(configDir, 'empty', dockerContext('empty', ''));
    const ep = resolve(g({ context: 'empty' }));
    expect(ep.host).toBe('unix:///var/run/docker.sock');
    expect(ep.warnings.join('\n')).toContain('names no docker host');
  });

  test('a context with a malformed host names the context and how to fix it', () => {
    writeContext(configDir, 'bad', dockerContext('bad', 'http://10.0.0.1:2375'));
    const err = catchErr(() => resolve(g({ context: 'bad' })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('context "bad"');
    expect(err.message).toContain('http://10.0.0.1:2375');
    expect((err as DockerConfigError).hint).toContain('docker context update bad');
  });

  test('an unreadable meta.json is DockerConfigError (not "does not exist")', () => {
    writeContext(configDir, 'locked', dockerContext('locked', 'tcp://h:1'));
    const reader: EndpointFs = {
      readFile: (p) => {
        if (p.endsWith('meta.json')) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
      exists: () => false,
    };
    const err = catchErr(() => resolveEndpoint(g({ context: 'locked' }), {}, 'linux', home, reader));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('permission denied');
  });

  test('an unparsable config.json is a warning, as in the CLI, and resolution goes on', () => {
    writeConfigJson(configDir, '{bad');
    const ep = resolve();
    expect(ep.host).toBe('unix:///var/run/docker.sock');
    expect(ep.warnings).toHaveLength(1);
    expect(ep.warnings[0]).toContain('config.json');
  });
});

describe('TLS material of stored contexts', () => {
  test('ca, cert and key are loaded for a tcp context', () => {
    writeContext(configDir, 'tls', dockerContext('tls', 'tcp://10.0.0.5:2376'));
    writeContextTls(configDir, 'tls', { ca: FAKE_CA, cert: FAKE_CERT, key: FAKE_KEY });
    const ep = resolve(g({ context: 'tls' }));
    expect(ep.skipTLSVerify).toBe(false);
    expect(ep.tls?.verify).toBe(true);
    expect(ep.tls?.ca?.toString()).toBe(FAKE_CA);
    expect(ep.tls?.cert?.toString()).toBe(FAKE_CERT);
    expect(ep.tls?.key?.toString()).toBe(FAKE_KEY);
  });

  test('SkipTLSVerify with a CA only', () => {
    writeContext(configDir, 'skip', dockerContext('skip', 'tcp://10.0.0.5:2376', true));
    writeContextTls(configDir, 'skip', { ca: FAKE_CA });
    const ep = resolve(g({ context: 'skip' }));
    expect(ep.skipTLSVerify).toBe(true);
    expect(ep.tls).toEqual({ verify: false, ca: Buffer.from(FAKE_CA) });
  });

  test('SkipTLSVerify without any file still means TLS', () => {
    writeContext(configDir, 'skip2', dockerContext('skip2', 'tcp://10.0.0.5:2376', true));
    expect(resolve(g({ context: 'skip2' })).tls).toEqual({ verify: false });
  });

  test('no TLS files and no SkipTLSVerify: plain tcp', () => {
    writeContext(configDir, 'plain', dockerContext('plain', 'tcp://10.0.0.5:2375'));
    expect(resolve(g({ context: 'plain' })).tls).toBeUndefined();
  });

  test('TLS files are ignored for a socket context', () => {
    writeContext(configDir, 'sock', dockerContext('sock', 'unix:///var/run/docker.sock'));
    writeContextTls(configDir, 'sock', { ca: FAKE_CA });
    expect(resolve(g({ context: 'sock' })).tls).toBeUndefined();
  });

  test('a cert without a key is dropped with a warning', () => {
    writeContext(configDir, 'half', dockerContext('half', 'tcp://10.0.0.5:2376'));
    writeContextTls(configDir, 'half', { ca: FAKE_CA, cert: FAKE_CERT });
    const ep = resolve(g({ context: 'half' }));
    expect(ep.tls?.cert).toBeUndefined();
    expect(ep.warnings.join()).toContain('without a key');
  });

  test('a stored ca.pem that is not PEM is DockerConfigError', () => {
    writeContext(configDir, 'junk', dockerContext('junk', 'tcp://10.0.0.5:2376'));
    const dir = writeContextTls(configDir, 'junk', { ca: 'not a certificate' });
    const err = catchErr(() => resolve(g({ context: 'junk' })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain(path.join(dir, 'ca.pem'));
  });
});

describe('TLS flags and variables for the default context', () => {
  function certDir(files: { ca?: string; cert?: string; key?: string } = { ca: FAKE_CA, cert: FAKE_CERT, key: FAKE_KEY }): string {
    const dir = path.join(home, 'certs');
    if (files.ca) writeFile(path.join(dir, 'ca.pem'), files.ca);
    if (files.cert) writeFile(path.join(dir, 'cert.pem'), files.cert);
    if (files.key) writeFile(path.join(dir, 'key.pem'), files.key);
    return dir;
  }

  test('--tlsverify with nothing else: tcp://localhost:2376 and the files in ~/.docker', () => {
    writeFile(path.join(configDir, 'ca.pem'), FAKE_CA);
    const ep = resolve(g({ tlsVerify: true }));
    expect(ep).toMatchObject({ host: 'tcp://localhost:2376', hostname: 'localhost', port: 2376, source: 'default', skipTLSVerify: false });
    expect(ep.tls).toEqual({ ca: Buffer.from(FAKE_CA), verify: true });
  });

  test('DOCKER_TLS_VERIFY + DOCKER_CERT_PATH + DOCKER_HOST', () => {
    const dir = certDir();
    const ep = resolve(g(), { DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(ep).toMatchObject({ host: 'tcp://10.0.0.5:2376', skipTLSVerify: false });
    expect(ep.tls?.verify).toBe(true);
    expect(ep.tls?.cert?.toString()).toBe(FAKE_CERT);
    expect(ep.tls?.key?.toString()).toBe(FAKE_KEY);
  });

  test('any non-empty DOCKER_TLS_VERIFY turns verification on, even "0"', () => {
    const dir = certDir();
    expect(resolve(g(), { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '0', DOCKER_CERT_PATH: dir }).tls?.verify).toBe(true);
  });

  test('--tls alone: TLS without verification', () => {
    const dir = certDir();
    const ep = resolve(g({ tls: true, hosts: ['tcp://h:2376'] }), { DOCKER_CERT_PATH: dir });
    expect(ep.skipTLSVerify).toBe(true);
    expect(ep.tls?.verify).toBe(false);
  });

  test('DOCKER_TLS turns TLS on', () => {
    const dir = certDir();
    expect(resolve(g({ hosts: ['tcp://h:2376'] }), { DOCKER_TLS: '1', DOCKER_CERT_PATH: dir }).tls?.verify).toBe(false);
  });

  test('--tlsverify=false still turns TLS on, without verification', () => {
    const dir = certDir();
    const ep = resolve(g({ tlsVerify: false, hosts: ['tcp://h:2376'] }), { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(ep.tls?.verify).toBe(false);
    expect(ep.skipTLSVerify).toBe(true);
  });

  test('a host without a port keeps 2375 even with TLS, as the CLI does', () => {
    const dir = certDir();
    expect(resolve(g({ tlsVerify: true, hosts: ['tcp://10.0.0.5'] }), { DOCKER_CERT_PATH: dir }).host).toBe('tcp://10.0.0.5:2375');
  });

  test('explicit --tlscacert/--tlscert/--tlskey', () => {
    const a = writeFile(path.join(home, 'x', 'myca.pem'), FAKE_CA);
    const b = writeFile(path.join(home, 'x', 'mycert.pem'), FAKE_CERT);
    const c = writeFile(path.join(home, 'x', 'mykey.pem'), FAKE_KEY);
    const ep = resolve(g({ tlsVerify: true, hosts: ['tcp://h:2376'], tlsCaCert: a, tlsCert: b, tlsKey: c }));
    expect(ep.tls).toEqual({ ca: Buffer.from(FAKE_CA), cert: Buffer.from(FAKE_CERT), key: Buffer.from(FAKE_KEY), verify: true });
  });

  test('a missing ca.pem is DockerConfigError naming the file', () => {
    const err = catchErr(() => resolve(g({ tlsVerify: true })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain(path.join(configDir, 'ca.pem'));
    expect(err.message).toContain('no such file');
    expect((err as DockerConfigError).hint).toContain('DOCKER_CERT_PATH');
  });

  test('a missing default cert/key is skipped; a missing explicit one is an error', () => {
    const dir = certDir({ ca: FAKE_CA });
    const ep = resolve(g({ tlsVerify: true, hosts: ['tcp://h:2376'] }), { DOCKER_CERT_PATH: dir });
    expect(ep.tls).toEqual({ ca: Buffer.from(FAKE_CA), verify: true });
    const err = catchErr(() =>
      resolve(g({ tlsVerify: true, hosts: ['tcp://h:2376'], tlsCert: path.join(dir, 'nope.pem') }), { DOCKER_CERT_PATH: dir }),
    );
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('nope.pem');
  });

  test('a ca.pem without a certificate is refused', () => {
    const dir = certDir({ ca: 'garbage' });
    const err = catchErr(() => resolve(g({ tlsVerify: true, hosts: ['tcp://h:2376'] }), { DOCKER_CERT_PATH: dir }));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('does not contain a PEM certificate');
  });

  test('the default files live in DOCKER_CONFIG when DOCKER_CERT_PATH is unset (not in --config)', () => {
    const envDir = path.join(home, 'envcfg');
    writeFile(path.join(envDir, 'ca.pem'), FAKE_CA);
    const ep = resolve(g({ tlsVerify: true, config: path.join(home, 'flagcfg') }), { DOCKER_CONFIG: envDir });
    expect(ep.tls?.ca?.toString()).toBe(FAKE_CA);
  });

  test('TLS settings do not apply to a socket host', () => {
    writeFile(path.join(configDir, 'ca.pem'), FAKE_CA);
    const ep = resolve(g({ tlsVerify: true, hosts: ['unix:///var/run/docker.sock'] }));
    expect(ep.tls).toBeUndefined();
  });

  test('TLS flags are ignored for a stored context (the context carries its own)', () => {
    writeContext(configDir, 'plain', dockerContext('plain', 'tcp://10.0.0.5:2375'));
    expect(resolve(g({ context: 'plain', tlsVerify: true })).tls).toBeUndefined();
  });
});

describe('host validation', () => {
  const valid: Array<[string, Record<string, unknown>]> = [
    ['unix:///var/run/docker.sock', { host: 'unix:///var/run/docker.sock', protocol: 'unix', socketPath: '/var/run/docker.sock' }],
    ['unix://', { host: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' }],
    ['unix://docker.sock', { host: 'unix://docker.sock', socketPath: 'docker.sock' }],
    ['npipe:////./pipe/docker_engine', { host: 'npipe:////./pipe/docker_engine', protocol: 'npipe', socketPath: '//./pipe/docker_engine' }],
    ['npipe:////./pipe/dockerDesktopWindowsEngine', { socketPath: '//./pipe/dockerDesktopWindowsEngine' }],
    ['npipe://', { host: 'npipe:////./pipe/docker_engine', socketPath: '//./pipe/docker_engine' }],
    ['tcp://10.0.0.5:2376', { host: 'tcp://10.0.0.5:2376', protocol: 'tcp', hostname: '10.0.0.5', port: 2376, pathPrefix: '' }],
    ['tcp://win-srv.contoso.com', { host: 'tcp://win-srv.contoso.com:2375', hostname: 'win-srv.contoso.com', port: 2375 }],
    ['tcp://:2376', { host: 'tcp://localhost:2376', hostname: 'localhost', port: 2376 }],
    ['tcp://', { host: 'tcp://localhost:2375' }],
    ['tcp://h:', { host: 'tcp://h:2375' }],
    ['win-srv:2376', { host: 'tcp://win-srv:2376', protocol: 'tcp' }],
    ['win-srv', { host: 'tcp://win-srv:2375' }],
    ['tcp://[::1]:2376', { host: 'tcp://[::1]:2376', hostname: '::1', port: 2376 }],
    ['tcp://[fe80::1]', { host: 'tcp://[fe80::1]:2375', hostname: 'fe80::1' }],
    ['tcp://h:2375/proxy', { host: 'tcp://h:2375/proxy', pathPrefix: '/proxy' }],
    ['  tcp://h:1  ', { host: 'tcp://h:1', port: 1 }],
    ['ssh://deploy@win-build', { host: 'ssh://deploy@win-build', protocol: 'ssh', hostname: 'win-build', username: 'deploy' }],
    ['ssh://win-build:2222', { hostname: 'win-build', port: 2222 }],
  ];
  test.each(valid)('-H %s', (value, expected) => {
    expect(resolve(g({ hosts: [value] }))).toMatchObject(expected);
  });

  test('ssh without a user or port leaves them unset', () => {
    const ep = resolve(g({ hosts: ['ssh://h'] }));
    expect(ep.username).toBeUndefined();
    expect(ep.port).toBeUndefined();
  });

  const malformed: Array<[string, RegExp]> = [
    ['http://10.0.0.5:2375', /unknown scheme "http:\/\/"/],
    ['TCP://h:2375', /unknown scheme/],
    ['://h', /scheme is missing/],
    ['unix://a://b', /only one scheme/],
    ['tcp://tcp://h:1', /only one scheme/],
    ['npipe://x://y', /only one scheme/],
    ['tcp://h:abc', /invalid port "abc"/],
    ['tcp://h:99999', /out of range/],
    ['tcp://h:-1', /invalid port/],
    ['tcp://[::1', /missing "\]"/],
    ['tcp://[::1]x', /unexpected/],
    ['tcp://[zz]:1', /not an IPv6 address/],
    ['tcp://::1:2375', /brackets/],
    ['tcp://user@h:2375', /user name/],
    ['tcp://h:2375?x=1', /query/],
    ['tcp://h:2375#f', /query strings and fragments/],
    ['tcp://bad host:1', /white space/],
    ['tcp://h$x:1', /not a valid host name/],
    ['/var/run/docker.sock', /socket path but has no scheme/],
    ['C:\\pipe\\x', /socket path/],
    ['ssh://', /host name is empty/],
    ['ssh://:22', /host name is empty|not a valid ssh URL/],
    ['ssh://u:secret@h', /password/],
    ['ssh://h?x=1', /query/],
    ['ssh://h#frag', /fragments/],
    ['ssh://h:port', /not a valid ssh URL/],
  ];
  test.each(malformed)('-H %s is DockerConfigError', (value, reason) => {
    const err = catchErr(() => resolve(g({ hosts: [value] })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toMatch(reason);
    expect(err.message).toContain('-H');
    expect((err as DockerConfigError).hint).toBeTruthy();
  });

  test('fd:// is refused with its own explanation', () => {
    const err = catchErr(() => resolve(g({ hosts: ['fd://'] })));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toContain('fd://');
    expect(err.message).toContain('does not support');
  });

  test('a malformed DOCKER_HOST names the variable, the value and the fix', () => {
    const err = catchErr(() => resolve(g(), { DOCKER_HOST: 'http://10.0.0.5:2375' }));
    expect(err).toBeInstanceOf(DockerConfigError);
    expect(err.message).toBe('DOCKER_HOST "http://10.0.0.5:2375" is not a valid Docker host: unknown scheme "http://"');
    expect((err as DockerConfigError).hint).toContain('tcp://HOST:PORT');
    expect((err as DockerConfigError).hint).toContain('unset DOCKER_HOST');
  });

  test('a malformed DOCKER_HOST does not matter when --context wins', () => {
    writeContext(configDir, 'prod', dockerContext('prod', 'tcp://10.0.0.5:2375'));
    expect(resolve(g({ context: 'prod' }), { DOCKER_HOST: 'tcp://[bad' }).host).toBe('tcp://10.0.0.5:2375');
  });
});

describe('describeEndpoint / isLocalEndpoint', () => {
  test('human descriptions', () => {
    expect(describeEndpoint(resolve())).toBe('unix:///var/run/docker.sock (context "default")');
    expect(describeEndpoint(resolve(g(), { DOCKER_HOST: 'tcp://h:2375' }))).toBe('tcp://h:2375 (context "default", from DOCKER_HOST)');
    expect(describeEndpoint(resolve(g({ hosts: ['tcp://h:2375'] })))).toBe('tcp://h:2375 (context "default", from -H)');
    writeContext(configDir, 'prod', dockerContext('prod', 'tcp://10.0.0.5:2375'));
    expect(describeEndpoint(resolve(g({ context: 'prod' })))).toBe('tcp://10.0.0.5:2375 (context "prod")');
    expect(describeEndpoint(resolve(g(), { DOCKER_CONTEXT: 'prod' }))).toBe('tcp://10.0.0.5:2375 (context "prod", from DOCKER_CONTEXT)');
  });

  test('local means unix socket or named pipe', () => {
    expect(isLocalEndpoint(resolve())).toBe(true);
    expect(isLocalEndpoint(resolveEndpoint(g(), {}, 'win32', 'C:\\Users\\a'))).toBe(true);
    expect(isLocalEndpoint(resolve(g({ hosts: ['tcp://h:2375'] })))).toBe(false);
    expect(isLocalEndpoint(resolve(g({ hosts: ['ssh://h'] })))).toBe(false);
  });
});
