/**
 * The one spec lookup (src/credspec/lookup.ts, src/cli/spec-lookup.ts) where no spec file exists: on the
 * lab's Linux swarm manager with the lab DC, against a stand-in Windows engine whose Docker root is not on
 * this machine, and for k8s. Oracles: ldapsearch (the domain head's objectSid and objectGUID, decoded
 * here), the docker CLI (docker config inspect, docker inspect) and `spec create --path -`.
 * Every gMSA, service, stack and config carries this run's id and is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, docker, plugin, socketPath, tempDir, type RunResult } from '../support/cli';
import { labDc, labDescribe, labEngine, type LabDc } from '../support/lab';
import { startWindowsEngine, type WindowsEngineHandle } from '../support/windows-engine';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(String(stdout))));
  });
}

/** objectSid bytes -> S-1-... (MS-DTYP 2.4.2.2), written here so the oracle shares no code with the plugin. */
function sidText(b: Buffer): string {
  const count = b[1] as number;
  const authority = b.readUIntBE(2, 6);
  const subs = Array.from({ length: count }, (_, i) => b.readUInt32LE(8 + 4 * i));
  return `S-${b[0]}-${authority}-${subs.join('-')}`;
}

/** objectGUID bytes -> the registry form (first three groups little-endian). */
function guidText(b: Buffer): string {
  const h = (s: number, e: number, rev: boolean): string => {
    const part = Buffer.from(b.subarray(s, e));
    return (rev ? part.reverse() : part).toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

const IMAGE = 'mcr.microsoft.com/windows/nanoserver:ltsc2022';
const QUIET = ['-d', '--no-resolve-image', '--constraint', 'node.platform.os==windows'];
/** A port nothing listens on: the directory is unreachable. */
const CLOSED = 'ldaps://127.100.0.1:1';

labDescribe('spec lookup without spec files: AD, swarm configs, remote Windows engines, k8s', () => {
  const id = randomBytes(3).toString('hex');
  const account = `lk${id}`;
  let dc: LabDc;
  let host: string;
  let env: NodeJS.ProcessEnv;
  let head: { sid: string; guid: string };
  const services: string[] = [];
  const stacks: string[] = [];

  const ldapsearch = (base: string, scope: string, filter: string, ...attrs: string[]): Promise<string> =>
    sh('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, '-b', base, '-s', scope, filter, ...attrs], {
      ...process.env,
      LDAPTLS_CACERT: dc.caFile,
    });
  const ldapdelete = (dn: string): Promise<string> =>
    sh('ldapdelete', ['-H', dc.ldapUrl, '-x', '-D', dc.user, '-w', dc.password, dn], { ...process.env, LDAPTLS_CACERT: dc.caFile }).catch(() => '');
  const gmsa = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> => plugin(['-H', host, ...args], { ...env, ...extra });
  const dk = (args: string[]): Promise<RunResult> => docker(['-H', host, ...args], env);
  const configsOf = async (a: string): Promise<string[]> =>
    (await dk(['config', 'ls', '--filter', `label=io.docker-gmsa.account=${a}`, '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean).sort();
  const configSpec = async (name: string): Promise<any> => {
    const r = await dk(['config', 'inspect', name, '--format', '{{json .Spec.Data}}']);
    expect(r.status).toBe(0);
    return JSON.parse(Buffer.from(JSON.parse(r.stdout) as string, 'base64').toString('utf8'));
  };

  beforeAll(async () => {
    const d = await labDc();
    const e = await labEngine();
    if (!d || !e) throw new Error('labDescribe registered these tests, so the lab must be up');
    dc = d;
    host = e.host;
    env = cleanEnv({ ...dc.env, DOCKER_CONFIG: tempDir('lookup-cfg') });
    const ldif = await ldapsearch('DC=contoso,DC=com', 'base', '(objectClass=domainDNS)', 'objectSid', 'objectGUID');
    const value = (attr: string): Buffer => Buffer.from((new RegExp(`^${attr}:: (.*)$`, 'm').exec(ldif) as RegExpExecArray)[1] as string, 'base64');
    head = { sid: sidText(value('objectSid')), guid: guidText(value('objectGUID')) };
    const created = await plugin(['account', 'create', account, '--hosts', 'WEBHOST01'], env);
    expect(created.status).toBe(0);
  });

  afterAll(async () => {
    if (!host) return;
    if (stacks.length > 0) await dk(['stack', 'rm', ...stacks]);
    if (services.length > 0) await dk(['service', 'rm', ...services]);
    for (let i = 0; i < 50; i++) {
      const left = (await dk(['service', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n.includes(id));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const configs = await configsOf(account);
    if (configs.length > 0) await dk(['config', 'rm', ...configs]);
    if (dc) {
      await ldapdelete(`CN=${account},CN=Managed Service Accounts,DC=contoso,DC=com`);
      await ldapdelete(`CN=${account}Hosts,CN=Users,DC=contoso,DC=com`);
    }
  });

  test('service create on the Linux manager builds the spec from AD (no spec file), then reuses the config when AD is unreachable', async () => {
    expect(await configsOf(account)).toEqual([]);
    const svc = `lkt-${id}-a`;
    services.push(svc);
    const r = await gmsa(['service', 'create', account, ...QUIET, '--name', svc, IMAGE]);
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.stderr).toContain(`spec for ${account}: built from contoso.com\n`);
    expect(r.status).toBe(0);
    const [config] = await configsOf(account);
    expect(config).toMatch(new RegExp(`^gmsa-contoso_${account}-[0-9a-f]{8}$`));
    const spec = await configSpec(config as string);
    expect(spec.DomainJoinConfig).toMatchObject({ Sid: head.sid, Guid: head.guid, MachineAccountName: account, DnsName: 'contoso.com', NetBiosName: 'CONTOSO' });
    // The config holds exactly what spec create builds.
    const created = await plugin(['spec', 'create', account, '--path', '-'], env);
    expect(created.status).toBe(0);
    expect(spec).toEqual(JSON.parse(created.stdout));

    const svc2 = `lkt-${id}-b`;
    services.push(svc2);
    const again = await gmsa(['service', 'create', '--server', CLOSED, account, ...QUIET, '--name', svc2, IMAGE]);
    expect(again.stderr).toContain(`spec for ${account}: swarm config ${config}\n`);
    expect(again.stderr).toContain(`Using config ${config}`);
    expect(again.status).toBe(0);
    expect(await configsOf(account)).toEqual([config]);
    const used = await dk(['service', 'inspect', svc2, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Privileges.CredentialSpec.Config}}']);
    const cid = await dk(['config', 'inspect', config as string, '--format', '{{.ID}}']);
    expect(used.stdout.trim()).toBe(cid.stdout.trim());
  });

  test('stack deploy with x-gmsa: ACCOUNT and nothing else: the config from AD, or the labelled one when AD is unreachable', async () => {
    const dir = tempDir('lookup-stack');
    const file = path.join(dir, 'compose.yaml');
    fs.writeFileSync(file, `services:\n  web:\n    image: ${IMAGE}\n    x-gmsa: ${account}\n    deploy:\n      placement:\n        constraints: [node.platform.os==windows]\n`);
    const existing = await configsOf(account);
    const first = `lks${id}a`;
    stacks.push(first);
    // No swarm config of a fresh gMSA: use a second account so AD is the source here.
    const other = `lm${id}`;
    expect((await plugin(['account', 'create', other, '--hosts', 'WEBHOST01'], env)).status).toBe(0);
    try {
      const file2 = path.join(dir, 'other.yaml');
      fs.writeFileSync(file2, fs.readFileSync(file, 'utf8').replace(`x-gmsa: ${account}`, `x-gmsa: ${other}`));
      const r = await gmsa(['stack', 'deploy', '-c', file2, '--resolve-image', 'never', first]);
      expect(r.stderr).toContain(`spec for ${other}: built from contoso.com\n`);
      expect(r.status).toBe(0);
      const [config] = await configsOf(other);
      expect((await configSpec(config as string)).DomainJoinConfig).toMatchObject({ Sid: head.sid, Guid: head.guid, MachineAccountName: other });
      const cs = await dk(['service', 'inspect', `${first}_web`, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Privileges.CredentialSpec.Config}}']);
      const cid = await dk(['config', 'inspect', config as string, '--format', '{{.ID}}']);
      expect(cs.stdout.trim()).toBe(cid.stdout.trim());
    } finally {
      await dk(['stack', 'rm', first]);
      for (let i = 0; i < 50; i++) {
        if (!(await dk(['service', 'ls', '--format', '{{.Name}}'])).stdout.includes(`${first}_`)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const left = await configsOf(other);
      if (left.length > 0) await dk(['config', 'rm', ...left]);
      await ldapdelete(`CN=${other},CN=Managed Service Accounts,DC=contoso,DC=com`);
      await ldapdelete(`CN=${other}Hosts,CN=Users,DC=contoso,DC=com`);
    }

    // The account of the previous test has a labelled config: with the directory unreachable it is reused.
    expect(existing.length).toBe(1);
    const second = `lks${id}b`;
    stacks.push(second);
    const r = await gmsa(['stack', 'deploy', '-c', file, '--resolve-image', 'never', second], { GMSA_LDAP_URL: CLOSED });
    expect(r.stderr).toContain(`spec for ${account}: swarm config ${existing[0]}\n`);
    expect(r.status).toBe(0);
    expect(await configsOf(account)).toEqual(existing);
  });

  test('nothing anywhere: the error lists the steps in order and the one fix', async () => {
    const r = await gmsa(['service', 'create', '--server', CLOSED, `nx${id}`, ...QUIET, '--name', `lkt-${id}-x`, IMAGE]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: no credential spec found for nx${id}; tried, in order:\\n  1\\. the engine's CredentialSpecs folder: the engine at .+? is a linux engine, which keeps no credential specs\\n  2\\. the swarm's gMSA configs: no config labelled io\\.docker-gmsa\\.account=nx${id} on .+\\n  3\\. Active Directory: .*\\nHint: `,
        'm',
      ),
    );
    expect(r.stderr).not.toContain('is not on this machine');
  });

  test('k8s ACCOUNT without --spec: the GMSACredentialSpec is built from AD', async () => {
    const r = await plugin(['k8s', account, '--format', 'json'], env);
    expect(r.stderr).toContain(`spec for ${account}: built from contoso.com\n`);
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout);
    const cs = list.items.find((i: any) => i.kind === 'GMSACredentialSpec');
    const created = await plugin(['spec', 'create', account, '--path', '-'], env);
    expect(cs.credspec).toEqual(JSON.parse(created.stdout));
    expect(cs.credspec.DomainJoinConfig).toMatchObject({ Sid: head.sid, Guid: head.guid });
  });

  describe('a Windows engine whose Docker root is not on this machine', () => {
    let engine: WindowsEngineHandle;
    let whost: string;
    beforeAll(async () => {
      engine = await startWindowsEngine({ socketPath: socketPath('lookup'), fixture: 'windows-17763-engine-20.10' });
      whost = `unix://${engine.socketPath}`;
    });
    afterAll(async () => {
      await engine?.close();
    });

    test('run ACCOUNT: raw:// with the spec spec create builds', async () => {
      const r = await plugin(['-H', whost, 'run', account, '-d', '--name', `r${id}`, 'local/app:1', 'ping', '-t', 'localhost'], env);
      expect(r.stderr).toContain(`spec for ${account}: built from contoso.com\n`);
      expect(r.status).toBe(0);
      const opts = await docker(['-H', whost, 'inspect', `r${id}`, '--format', '{{json .HostConfig.SecurityOpt}}'], env);
      const [opt] = JSON.parse(opts.stdout) as string[];
      const created = await plugin(['spec', 'create', account, '--path', '-'], env);
      expect(opt).toBe(`credentialspec=raw://${JSON.stringify(JSON.parse(created.stdout))}`);
    });

    test('compose up --dry-run: raw:// with the same spec in the rewritten file', async () => {
      const dir = tempDir('lookup-compose');
      fs.writeFileSync(path.join(dir, 'compose.yaml'), `services:\n  web:\n    image: local/app:1\n    x-gmsa: ${account}\n`);
      const r = await plugin(['-H', whost, 'compose', '--dry-run', '-f', path.join(dir, 'compose.yaml'), 'up', '-d'], env);
      expect(r.stderr).toContain(`spec for ${account}: built from contoso.com\n`);
      expect(r.status).toBe(0);
      const kept = (/^# (\S+): rewritten from/m.exec(r.stdout) as RegExpExecArray)[1] as string;
      const text = fs.readFileSync(kept, 'utf8');
      fs.rmSync(path.dirname(kept), { recursive: true, force: true });
      const created = await plugin(['spec', 'create', account, '--path', '-'], env);
      const { parse } = require('yaml') as typeof import('yaml');
      const doc = parse(text);
      expect(doc.services.web.security_opt).toEqual([`credentialspec=raw://${JSON.stringify(JSON.parse(created.stdout))}`]);
    });

    test('verify: the domain of a file:// spec this machine cannot read comes from the lookup for the labelled gMSA', async () => {
      const created = await plugin(['spec', 'create', account, '--path', '-'], env);
      expect(created.status).toBe(0);
      const remote = await startWindowsEngine({ socketPath: socketPath('lookup-verify'), fixture: 'windows-20348-engine-24.0', credentialSpecFiles: { [`contoso_${account}.json`]: created.stdout } });
      try {
        const rhost = `unix://${remote.socketPath}`;
        const started = await docker(
          ['-H', rhost, 'run', '-d', '--name', `f${id}`, '--security-opt', `credentialspec=file://contoso_${account}.json`, '--label', `io.docker-gmsa.account=${account}`, 'local/app:1', 'ping', '-t', 'localhost'],
          env,
        );
        expect(started.status).toBe(0);
        const v = await plugin(['-H', rhost, 'verify', `f${id}`, '--format', 'json'], env);
        expect(v.stderr).toBe(`spec for ${account}: built from contoso.com\n`);
        expect(v.status).toBe(0);
        expect(JSON.parse(v.stdout)).toMatchObject({ OK: true, Account: account, Domain: 'contoso.com' });
        // --domain needs no lookup; --offline leaves only steps that cannot answer, and says how to go on.
        const given = await plugin(['-H', rhost, 'verify', '--domain', 'contoso.com', `f${id}`], env);
        expect(given.stderr).toBe('');
        expect(given.status).toBe(0);
        const offline = await plugin(['-H', rhost, 'verify', '--offline', `f${id}`], env);
        expect(offline.status).toBe(1);
        expect(offline.stderr).toMatch(/^Error: no credential spec found for /m);
        expect(offline.stderr).toMatch(/Active Directory: not asked \(--offline/);
        expect(offline.stderr).toMatch(new RegExp(`docker gmsa verify --domain contoso\\.com f${id}`));
        expect(offline.stderr.split('verify --domain').length - 1).toBe(1);
      } finally {
        await remote.close();
      }
    });

    test('--offline forbids the directory step', async () => {
      const r = await plugin(['-H', whost, 'run', '--offline', account, '-d', 'local/app:1'], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/2\. Active Directory: not asked \(--offline/);
      const e = await plugin(['-H', whost, 'run', account, '-d', 'local/app:1'], { ...env, GMSA_OFFLINE: '1' });
      expect(e.status).toBe(1);
      expect(e.stderr).toMatch(/1\. the engine's CredentialSpecs folder: the engine at .+? keeps them in C:\\ProgramData\\docker\\CredentialSpecs on its own host/);
    });
  });
});
