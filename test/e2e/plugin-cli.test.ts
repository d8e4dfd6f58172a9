/**
 * The plugin through the real docker CLI: installed into a temporary DOCKER_CONFIG, found by the CLI's
 * own plugin discovery, and handed the CLI's argv (global flags, help, completion).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, docker, DOMAIN_FLAGS, plugin, run, tempDir } from '../support/cli';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

describe('installed into a docker config dir', () => {
  const config = tempDir('dockercfg');
  const env = cleanEnv({ DOCKER_CONFIG: config });
  const target = join(config, 'cli-plugins', 'docker-gmsa');

  beforeAll(async () => {
    const r = await plugin(['install'], env);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
  });

  test('install puts an executable plugin in <config>/cli-plugins and is idempotent', async () => {
    expect(existsSync(target)).toBe(true);
    expect(statSync(target).mode & 0o111).not.toBe(0);
    const again = await plugin(['install'], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^Already installed/);
  });

  test('only docker-gmsa lands in cli-plugins, docker info warns about nothing, and the handshake starts no Node', async () => {
    expect(readdirSync(join(config, 'cli-plugins'))).toEqual(['docker-gmsa']);
    const info = await docker(['-H', 'unix:///nonexistent/docker.sock', 'info'], env);
    expect(info.stdout + info.stderr).not.toMatch(/WARNING: Plugin|is not valid|did not match/);
    expect(info.stdout).toMatch(/^\s+gmsa: Group Managed Service Accounts/m);
    // Had Node started, the preloaded tracer would print its MODULES line.
    const traced = { ...env, NODE_OPTIONS: `--require ${require.resolve('../support/trace-modules.js')}` };
    const hs = await run(target, ['docker-cli-plugin-metadata'], traced);
    expect(hs).toEqual({ status: 0, stdout: (await plugin(['docker-cli-plugin-metadata'], env)).stdout, stderr: '' });
    const v = await run(target, ['version', '--format', '{{.Form}}'], traced);
    expect(v.stdout).toBe('launcher\n');
    expect(v.stderr).toMatch(/^MODULES /m);
  });

  test('docker --help lists the plugin with its short description', async () => {
    const r = await docker(['--help'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+gmsa\*?\s+Group Managed Service Accounts for Windows containers$/m);
  });

  test('docker gmsa version reports the package version', async () => {
    const r = await docker(['gmsa', 'version', '--format', '{{.Version}}'], env);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test('docker info lists the plugin with the metadata version (the handshake)', async () => {
    // `docker info` reads every plugin's metadata even when no daemon answers.
    const r = await docker(['-H', 'unix:///nonexistent/docker.sock', 'info', '--format', '{{json .ClientInfo.Plugins}}'], env);
    const plugins = JSON.parse(r.stdout.trim()) as { Name: string; Version: string; Vendor: string }[];
    const ours = plugins.find((p) => p.Name === 'gmsa');
    expect(ours).toMatchObject({ Version: pkg.version, Vendor: 'docker-gmsa project' });
  });

  test.each([
    [['gmsa', '--help']],
    [['help', 'gmsa']],
    [['gmsa']],
  ])('docker %j shows the command tree', async (args) => {
    const r = await docker(args, env);
    expect(r.status).toBe(0);
    for (const cmd of ['host', 'spec', 'install', 'uninstall', 'version']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }
  });

  test('docker help gmsa spec shows the spec subcommands', async () => {
    const r = await docker(['help', 'gmsa', 'spec'], env);
    expect(r.status).toBe(0);
    for (const cmd of ['create', 'validate', 'install', 'ls', 'inspect', 'rm']) expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });

  test('help for an unknown command is a usage error naming it, with a suggestion when close', async () => {
    const r = await docker(['gmsa', 'help', 'sepc'], env);
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe("Error: unknown command 'sepc'\n(Did you mean spec?)\nHint: See 'docker gmsa --help'.\n");
    const sub = await docker(['gmsa', 'help', 'spec', 'nosuch'], env);
    expect(sub.status).toBe(2);
    expect(sub.stderr).toMatch(/^Error: unknown command 'nosuch'\nHint: See 'docker gmsa spec --help'\.$/m);
    // docker's own help command runs the plugin's and reports its failure itself (exit 1, like `docker help nosuch`)
    const viaDocker = await docker(['help', 'gmsa', 'nosuch'], env);
    expect(viaDocker.status).not.toBe(0);
    expect(viaDocker.stdout).toBe('');
    expect(viaDocker.stderr).toMatch(/^Error: unknown command 'nosuch'$/m);
  });

  test('completion answers in cobra format: commands, flags, spec names', async () => {
    const cmds = await docker(['__complete', 'gmsa', 'sp'], env);
    expect(cmds.status).toBe(0);
    expect(cmds.stdout).toMatch(/^spec\t/m);
    expect(cmds.stdout.trim().split('\n').pop()).toBe(':4');

    const flags = await docker(['__complete', 'gmsa', 'spec', 'create', '--no'], env);
    expect(flags.stdout).toMatch(/^--no-clobber\t/m);

    const root = tempDir('complete-root');
    expect((await docker(['gmsa', 'spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], env)).status).toBe(0);
    const names = await docker(['__complete', 'gmsa', 'spec', 'inspect', '--root', root, 'contoso_w'], env);
    expect(names.stdout.split('\n')[0]).toBe('contoso_webapp01.json\tcredential spec');

    // The docker CLI forwards __completeNoDesc as __complete; called directly, no descriptions.
    const noDesc = await plugin(['__completeNoDesc', 'gmsa', 'spec', 'rm', '--root', root, ''], env);
    expect(noDesc.stdout).toBe('contoso_webapp01.json\n:4\n');
  });

  test('usage errors exit 2 with Error: and a hint; the plugin never prints a stack trace', async () => {
    const unknown = await docker(['gmsa', 'bogus'], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^Error: unknown command 'bogus'$/m);
    expect(unknown.stderr).toMatch(/^Hint: See 'docker gmsa --help'\.$/m);

    const missing = await docker(['gmsa', 'spec', 'create'], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^Hint: See 'docker gmsa spec create --help'\.$/m);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  test('spec lifecycle through the docker CLI against a --root folder', async () => {
    const root = tempDir('lifecycle');
    const created = await docker(['gmsa', 'spec', 'create', 'WebApp01', ...DOMAIN_FLAGS, '--root', root], env);
    expect(created.status).toBe(0);
    const file = join(root, 'CredentialSpecs', 'contoso_webapp01.json');
    expect(created.stdout.trim()).toBe(file);

    const ls = await docker(['gmsa', 'spec', 'ls', '--root', root, '--format', 'json'], env);
    expect(JSON.parse(ls.stdout.trim())).toMatchObject({ Name: 'contoso_webapp01.json', Account: 'WebApp01', Domain: 'contoso.com', Valid: true });

    const inspect = await docker(['gmsa', 'spec', 'inspect', 'contoso_webapp01', '--root', root, '--format', '{{.Spec.DomainJoinConfig.Sid}}'], env);
    expect(inspect.stdout.trim()).toBe('S-1-5-21-1111111111-2222222222-3333333333');

    const clobber = await docker(['gmsa', 'spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root, '--no-clobber'], env);
    expect(clobber.status).toBe(1);
    expect(clobber.stderr).toMatch(/^Error: .*exists/m);

    expect(clobber.stderr).toMatch(/^Hint: Leave out --no-clobber/m);

    const dry = await docker(['gmsa', 'spec', 'create', 'api01', 'API01', 'web02', ...DOMAIN_FLAGS, '--root', root, '--dry-run'], env);
    expect(dry.stdout).toBe(`Would write ${join(root, 'CredentialSpecs', 'contoso_api01.json')}\nWould write ${join(root, 'CredentialSpecs', 'contoso_web02.json')}\n`);
    expect(existsSync(join(root, 'CredentialSpecs', 'contoso_api01.json'))).toBe(false);

    const rm = await docker(['gmsa', 'spec', 'rm', 'contoso_webapp01', '--root', root], env);
    expect(rm.status).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  test('uninstall removes what install put there and nothing else', async () => {
    const other = tempDir('foreign');
    const foreign = join(other, 'docker-gmsa');
    writeFileSync(foreign, '#!/bin/sh\necho someone else\n', { mode: 0o755 });
    const refused = await plugin(['uninstall', '--dir', other], env);
    expect(refused.status).toBe(1);
    expect(readFileSync(foreign, 'utf8')).toContain('someone else');

    const r = await plugin(['uninstall'], env);
    expect(r.status).toBe(0);
    expect(existsSync(target)).toBe(false);
    expect((await docker(['--help'], env)).stdout).not.toMatch(/^\s+gmsa/m);
    expect((await plugin(['uninstall'], env)).stdout).toMatch(/^Not installed/);
  });
});

describe('install refuses to overwrite a foreign plugin file', () => {
  test('without --force it is kept, with --force it is replaced', async () => {
    const dir = tempDir('plugindir');
    const foreign = join(dir, 'docker-gmsa');
    writeFileSync(foreign, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const env = cleanEnv();
    const refused = await plugin(['install', '--dir', dir], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/--force/);
    expect(readFileSync(foreign, 'utf8')).toContain('mine');
    expect((await plugin(['install', '--dir', dir, '--force'], env)).status).toBe(0);
    expect(readFileSync(foreign, 'utf8')).toContain('docker-gmsa:cli-plugin-bundle');
  });
});
