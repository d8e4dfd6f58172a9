/**
 * `docker gmsa service create|update` and `configs prune` against the lab's real swarm manager (dockerd
 * 20.10, Linux), with the docker CLI as the oracle: the service's ContainerSpec must name the config's ID
 * as its credential spec and carry it as a Runtime config, and the config must hold the spec.
 *
 * Tasks of these services never run (the image is a Windows image nobody can pull and the services are
 * constrained to Windows nodes the lab does not have): the assertions are about the specs the engine
 * stored. Every name carries this run's id; everything created is removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCredentialSpec } from '../../src/credspec/model';
import { ACCOUNT_LABEL, DOMAIN_LABEL, planConfig, SHA256_LABEL } from '../../src/orchestrators/swarm-config';
import { serviceHostnameTemplate } from '../../src/orchestrators/swarm-plan';
import { cleanEnv, docker, plugin, tempDir, type RunResult } from '../support/cli';
import { labDescribe, labEngine } from '../support/lab';

const IMAGE = 'mcr.microsoft.com/windows/nanoserver:ltsc2022';
/** docker service create options every test passes: no registry, no waiting, never scheduled here. */
const QUIET = ['-d', '--no-resolve-image', '--constraint', 'node.platform.os==windows'];

const DOMAIN = { dnsName: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1111111111-2222222222-3333333333', domainGuid: 'b8453a02-7d3f-4dc2-9c73-c3d57f725694' };

labDescribe('swarm: docker gmsa service and configs against a real manager', () => {
  const id = randomBytes(3).toString('hex');
  /** gMSA names of this run (at most 15 characters). */
  const acct = (n: number): string => `sw${id}${n}`;
  const svc = (n: string): string => `gmsa-it-${id}-${n}`;
  let host: string;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  /** Writes the spec of `account` (variant changes the content) and returns its path. */
  function specFile(account: string, variant = 0): string {
    const spec = buildCredentialSpec(DOMAIN, variant === 0 ? [account] : [account, `extra${variant}`]);
    const file = path.join(dir, `${account}-${variant}.json`);
    fs.writeFileSync(file, JSON.stringify(spec, null, 4));
    return file;
  }

  const gmsa = (args: string[]): Promise<RunResult> => plugin(['-H', host, ...args], env);
  const dk = (args: string[]): Promise<RunResult> => docker(['-H', host, ...args], env);

  async function inspectJson(kind: 'service' | 'config', name: string, format = '{{json .}}'): Promise<any> {
    const r = await dk([kind, 'inspect', name, '--format', format]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  }

  async function configIdByName(name: string): Promise<string> {
    return (await inspectJson('config', name, '{{json .ID}}')) as string;
  }

  /** The gMSA configs of `account` (names), from the docker CLI. */
  async function configsOf(account: string): Promise<string[]> {
    const r = await dk(['config', 'ls', '--filter', `label=${ACCOUNT_LABEL}=${account}`, '--format', '{{.Name}}']);
    expect(r.status).toBe(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  beforeAll(async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('labDescribe registered these tests, so the lab must be up');
    host = engine.host;
    dir = tempDir('swarm');
    env = cleanEnv({ DOCKER_CONFIG: tempDir('swarm-cfg') });
  });

  afterAll(async () => {
    if (!host) return;
    const services = (await dk(['service', 'ls', '--filter', `name=gmsa-it-${id}-`, '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean);
    if (services.length > 0) await dk(['service', 'rm', ...services]);
    const configs = (await dk(['config', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n.includes(id));
    if (configs.length > 0) await dk(['config', 'rm', ...configs]);
  });

  test('service create stores the spec as a config and the service uses it as a Runtime config', async () => {
    const account = acct(1);
    const file = specFile(account);
    const r = await gmsa(['service', 'create', '--spec', file, account, ...QUIET, '--name', svc('a'), IMAGE]);
    expect(r.stderr).toMatch(/Windows Server 2019 \(17763\) or later assumed: the swarm has no Windows node/);
    expect(r.stderr).toMatch(/Created config gmsa-contoso_/);
    expect(r.status).toBe(0);

    const plan = planConfig(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(plan.name).toBe(`gmsa-contoso_${account}-${plan.sha256.slice(0, 8)}`);
    const config = await inspectJson('config', plan.name);
    expect(config.Spec.Labels).toEqual({ [ACCOUNT_LABEL]: account, [DOMAIN_LABEL]: 'contoso.com', [SHA256_LABEL]: plan.sha256 });
    expect(JSON.parse(Buffer.from(config.Spec.Data, 'base64').toString('utf8'))).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));

    const cs = await inspectJson('service', svc('a'), '{{json .Spec.TaskTemplate.ContainerSpec}}');
    expect(cs.Privileges.CredentialSpec.Config).toBe(config.ID);
    expect(cs.Configs).toEqual([{ ConfigID: config.ID, ConfigName: plan.name, Runtime: {} }]);
    expect(cs.Hostname).toBe(serviceHostnameTemplate(account));
    expect(cs.Labels).toEqual({ [ACCOUNT_LABEL]: account });
    const labels = await inspectJson('service', svc('a'), '{{json .Spec.Labels}}');
    expect(labels).toEqual({ [ACCOUNT_LABEL]: account });
  });

  test('an identical config is reused by the next service', async () => {
    const account = acct(2);
    const file = specFile(account);
    expect((await gmsa(['service', 'create', '--spec', file, account, ...QUIET, '--name', svc('b1'), IMAGE])).status).toBe(0);
    // the same content written differently (indentation) is the same spec
    const again = path.join(dir, 'same.json');
    fs.writeFileSync(again, JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))));
    const r = await gmsa(['service', 'create', '--spec', again, account, ...QUIET, '--name', svc('b2'), IMAGE]);
    expect(r.stderr).toMatch(/Using config gmsa-contoso_.* it already holds this spec/);
    expect(r.status).toBe(0);
    expect(await configsOf(account)).toHaveLength(1);
    const one = await inspectJson('service', svc('b1'), '{{json .Spec.TaskTemplate.ContainerSpec.Privileges.CredentialSpec.Config}}');
    const two = await inspectJson('service', svc('b2'), '{{json .Spec.TaskTemplate.ContainerSpec.Privileges.CredentialSpec.Config}}');
    expect(two).toBe(one);
  });

  test('service update rotates to a new config, and says so; the same spec again is already current', async () => {
    const account = acct(3);
    const v1 = specFile(account, 0);
    const v2 = specFile(account, 1);
    expect((await gmsa(['service', 'create', '--spec', v1, account, ...QUIET, '--name', svc('c'), IMAGE])).status).toBe(0);
    const before = await inspectJson('service', svc('c'), '{{json .Spec.TaskTemplate.ContainerSpec}}');
    const oldId = before.Privileges.CredentialSpec.Config as string;

    const r = await gmsa(['service', 'update', '--spec', v2, account, '--detach', svc('c')]);
    expect(r.status).toBe(0);
    const newName = planConfig(JSON.parse(fs.readFileSync(v2, 'utf8'))).name;
    expect(r.stdout).toMatch(new RegExp(`${svc('c')}: credential spec rotated from config gmsa-contoso_${account}-[0-9a-f]{8} to ${newName}\\.`));
    expect(r.stderr).not.toMatch(/Warning/);
    const newId = await configIdByName(newName);
    expect(newId).not.toBe(oldId);
    const after = await inspectJson('service', svc('c'), '{{json .Spec.TaskTemplate.ContainerSpec}}');
    expect(after.Privileges.CredentialSpec.Config).toBe(newId);
    expect(after.Configs).toEqual([{ ConfigID: newId, ConfigName: newName, Runtime: {} }]);
    expect(JSON.stringify(after.Configs)).not.toContain(oldId);

    const index = await inspectJson('service', svc('c'), '{{json .Version.Index}}');
    const same = await gmsa(['service', 'update', '--spec', v2, account, svc('c')]);
    expect(same.status).toBe(0);
    expect(same.stdout).toBe(`${svc('c')}: credential spec already current (config ${newName}); nothing to rotate.\n`);
    expect(await inspectJson('service', svc('c'), '{{json .Version.Index}}')).toBe(index);
    const unchanged = await inspectJson('service', svc('c'), '{{json .Spec.TaskTemplate.ContainerSpec.Configs}}');
    expect(unchanged).toHaveLength(1);
  });

  test('configs prune removes only unused gMSA configs: never one in use, a rollback target, or one without our labels', async () => {
    const account = acct(4);
    const v1 = specFile(account, 0);
    const v2 = specFile(account, 1);
    const v3 = specFile(account, 2);
    // in use: v2 after the update; rollback target: v1 (the previous spec)
    expect((await gmsa(['service', 'create', '--spec', v1, account, ...QUIET, '--name', svc('d'), IMAGE])).status).toBe(0);
    expect((await gmsa(['service', 'update', '--spec', v2, account, '--detach', svc('d')])).status).toBe(0);
    // unused: v3's config, left by a service that is gone
    expect((await gmsa(['service', 'create', '--spec', v3, account, ...QUIET, '--name', svc('d-gone'), IMAGE])).status).toBe(0);
    expect((await dk(['service', 'rm', svc('d-gone')])).status).toBe(0);
    // not ours: no labels, and only the account label
    const plainFile = path.join(dir, 'plain.json');
    fs.writeFileSync(plainFile, '{}');
    expect((await dk(['config', 'create', `plain-${id}`, plainFile])).status).toBe(0);
    expect((await dk(['config', 'create', '--label', `${ACCOUNT_LABEL}=${account}`, `half-${id}`, plainFile])).status).toBe(0);

    const [n1, n2, n3] = [v1, v2, v3].map((f) => planConfig(JSON.parse(fs.readFileSync(f, 'utf8'))).name) as [string, string, string];
    const dry = await gmsa(['configs', 'prune', '--account', account]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toBe(`Would remove ${n3} (${account})\n`);
    expect(dry.stderr).toContain(`Keeping ${n1}: used by rollback: ${svc('d')}.`);
    expect(dry.stderr).toContain(`Keeping ${n2}: used by ${svc('d')}.`);
    expect(dry.stderr).toMatch(/Nothing was removed: run again with --force/);
    expect((await configsOf(account)).sort()).toEqual([n1, n2, n3, `half-${id}`].sort());

    const ls = await gmsa(['configs', 'ls', '--account', account, '--format', 'json']);
    expect(ls.status).toBe(0);
    expect(ls.stdout.trim().split('\n').map((l) => JSON.parse(l).Name).sort()).toEqual([n1, n2, n3].sort());

    const forced = await gmsa(['configs', 'prune', '--force', '--account', account]);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toBe(`Removed ${n3} (${account})\n`);
    expect((await configsOf(account)).sort()).toEqual([n1, n2, `half-${id}`].sort());
    expect((await dk(['config', 'inspect', `plain-${id}`])).status).toBe(0);

    // after the next rotation the first config is no one's rollback any more
    expect((await gmsa(['service', 'update', '--spec', v3, account, '--detach', svc('d')])).status).toBe(0);
    const again = await gmsa(['configs', 'prune', '--force', '--account', account]);
    expect(again.stdout).toBe(`Removed ${n1} (${account})\n`);
  });

  test('--windows-build 14393: hostname pinned to the gMSA; more than one replica refused before anything is created', async () => {
    const account = acct(5);
    const file = specFile(account);
    const refused = await gmsa(['service', 'create', '--spec', file, '--windows-build', '14393', account, ...QUIET, '--replicas', '2', '--name', svc('e2'), IMAGE]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Error: on Windows Server 2016 \(1607\) only one container per gMSA may run at a time .*--replicas 2/m);
    expect(refused.stderr).toMatch(/^Hint: .*--force/m);
    expect(await configsOf(account)).toEqual([]);
    expect((await dk(['service', 'inspect', svc('e2')])).status).not.toBe(0);

    const ok = await gmsa(['service', 'create', '--spec', file, '--windows-build', '14393', account, ...QUIET, '--name', svc('e1'), IMAGE]);
    expect(ok.stderr).toMatch(/Windows build 14393 .*from --windows-build/);
    expect(ok.status).toBe(0);
    expect(await inspectJson('service', svc('e1'), '{{json .Spec.TaskTemplate.ContainerSpec.Hostname}}')).toBe(account);

    const other = await gmsa(['service', 'create', '--spec', file, '--windows-build', '14393', account, ...QUIET, '--name', svc('e3'), IMAGE]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`the service ${svc('e1')} already uses the gMSA ${account}`);
  });

  test('--windows-build 20348: a per-task hostname template that swarm accepts; a user hostname is kept', async () => {
    const account = acct(6);
    const file = specFile(account);
    const r = await gmsa(['service', 'create', '--spec', file, '--windows-build', '20348', account, ...QUIET, '--replicas', '3', '--name', svc('f1'), IMAGE]);
    expect(r.status).toBe(0);
    expect(await inspectJson('service', svc('f1'), '{{json .Spec.TaskTemplate.ContainerSpec.Hostname}}')).toBe(serviceHostnameTemplate(account));
    const own = await gmsa(['service', 'create', '--spec', file, '--windows-build', '20348', account, ...QUIET, '--hostname', 'web-{{.Task.Slot}}', '--name', svc('f2'), IMAGE]);
    expect(own.status).toBe(0);
    expect(await inspectJson('service', svc('f2'), '{{json .Spec.TaskTemplate.ContainerSpec.Hostname}}')).toBe('web-{{.Task.Slot}}');
  });

  test('--dry-run shows the config and the command and creates nothing', async () => {
    const account = acct(7);
    const file = specFile(account);
    const r = await gmsa(['service', 'create', '--dry-run', '--spec', file, account, ...QUIET, '--name', svc('g'), IMAGE]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Config gmsa-contoso_${account}-[0-9a-f]{8} \\(would be created\\)`));
    expect(r.stdout).toMatch(new RegExp(`^docker --host ${host.replace(/[/.]/g, '\\$&')} service create --credential-spec config://gmsa-contoso_${account}-`, 'm'));
    expect(await configsOf(account)).toEqual([]);
    expect((await dk(['service', 'inspect', svc('g')])).status).not.toBe(0);
  });

  test('an invalid spec is refused as in run, and nothing is created', async () => {
    const account = acct(8);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"CmsPlugins": ["ActiveDirectory"]}');
    const r = await gmsa(['service', 'create', '--spec', bad, account, ...QUIET, '--name', svc('h'), IMAGE]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*bad\.json is not a valid credential spec; no config or service was changed/m);
    expect(await configsOf(account)).toEqual([]);
  });

  test('when docker service create fails, the config made for it is removed and the status passes through', async () => {
    const account = acct(9);
    const file = specFile(account);
    // docker refuses the replica count itself, after the plugin created the config.
    const r = await gmsa(['service', 'create', '--spec', file, account, ...QUIET, '--replicas', 'many', '--name', svc('i'), IMAGE]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/many/);
    expect(await configsOf(account)).toEqual([]);
    expect((await dk(['service', 'inspect', svc('i')])).status).not.toBe(0);
  });

  test('an engine that is not a swarm manager is refused before anything is created', async () => {
    const { startWindowsEngine } = await import('../support/windows-engine');
    const { socketPath } = await import('../support/cli');
    const ws = await startWindowsEngine({ socketPath: socketPath('not-manager'), fixture: 'windows-20348-engine-24.0' });
    try {
      const account = acct(0);
      const r = await plugin(['-H', `unix://${ws.socketPath}`, 'service', 'create', '--spec', specFile(account), account, ...QUIET, IMAGE], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/swarm manager/i);
      expect(ws.requests.some((q) => q.method === 'POST')).toBe(false);
    } finally {
      await ws.close();
    }
  });
});
