/**
 * Which gMSA a container runs with (engine/container-gmsa.ts): the pure readings of a container's
 * security options, and the running peers of a gMSA on the stand-in Windows engine (containers made by
 * raw HTTP as the docker CLI makes them, so the oracle is the engine's own inspect answer).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { ACCOUNT_LABEL, containerGmsa, credentialSpecOption, deliveryOf, runningByGmsa, runningWithGmsa, sameHostname, specIdentity, specReader } from '../../../src/engine/container-gmsa';
import { createEngineClient } from '../../../src/engine/client';
import { resolveEndpoint } from '../../../src/engine/endpoint';
import { emptyGlobals } from '../../../src/engine/globals';
import { startWindowsEngine, type WindowsEngineHandle } from '../../support/windows-engine';
import { removeDir, tempDir } from './helpers';

const SPEC_TEXT = fs.readFileSync(path.join(__dirname, '../../fixtures/specs/contoso_webapp01.json'), 'utf8');
const SPEC = JSON.parse(SPEC_TEXT) as { DomainJoinConfig: { MachineAccountName: string; DnsName: string } };

describe('reading a container', () => {
  test('the last credentialspec option wins, an empty one is none, other options are ignored', () => {
    expect(credentialSpecOption({ HostConfig: { SecurityOpt: ['credentialspec=file://a.json', 'no-new-privileges', 'CredentialSpec=raw://{}'] } })).toBe('raw://{}');
    expect(credentialSpecOption({ HostConfig: { SecurityOpt: ['credentialspec=file://a.json', 'credentialspec='] } })).toBeUndefined();
    expect(credentialSpecOption({ HostConfig: { SecurityOpt: null } })).toBeUndefined();
    expect(credentialSpecOption(undefined)).toBeUndefined();
  });

  test('deliveries by scheme, without case', () => {
    expect(deliveryOf('raw://{"a":1}')).toEqual({ kind: 'raw', json: '{"a":1}' });
    expect(deliveryOf('FILE://contoso_webapp01.json')).toEqual({ kind: 'file', name: 'contoso_webapp01.json' });
    expect(deliveryOf('config://abc123')).toEqual({ kind: 'config', id: 'abc123' });
    expect(deliveryOf('registry://webapp01')).toEqual({ kind: 'registry', name: 'webapp01' });
    expect(deliveryOf('webapp01.json')).toEqual({ kind: 'other', value: 'webapp01.json' });
  });

  test('specIdentity reads MachineAccountName and DnsName, a BOM allowed; junk gives nothing', () => {
    expect(specIdentity(`\uFEFF${SPEC_TEXT}`)).toEqual({ account: SPEC.DomainJoinConfig.MachineAccountName, domain: SPEC.DomainJoinConfig.DnsName });
    expect(specIdentity('{"DomainJoinConfig":{"MachineAccountName":""}}')).toEqual({});
    expect(specIdentity('not json')).toEqual({});
  });

  test('the spec wins over the label; an unreadable file:// falls back to the label, without a domain', async () => {
    const raw = { HostConfig: { SecurityOpt: [`credentialspec=raw://${SPEC_TEXT}`] }, Config: { Labels: { [ACCOUNT_LABEL]: 'other' } } };
    expect(await containerGmsa(raw)).toMatchObject({ account: 'webapp01', domain: 'contoso.com', read: true, delivery: { kind: 'raw' } });
    const file = { HostConfig: { SecurityOpt: ['credentialspec=file://contoso_webapp01.json'] }, Config: { Labels: { [ACCOUNT_LABEL]: 'webapp01' } } };
    const unread = await containerGmsa(file, specReader(undefined));
    expect(unread).toEqual({ option: 'file://contoso_webapp01.json', delivery: { kind: 'file', name: 'contoso_webapp01.json' }, account: 'webapp01', read: false });
    const failing = await containerGmsa(file, async () => Promise.reject(new Error('EACCES')));
    expect(failing?.read).toBe(false);
    const store = { read: async (name: string) => ({ bytes: Buffer.from(name === 'contoso_webapp01.json' ? SPEC_TEXT.replace('"webapp01"', '"webapp02"') : '') }) };
    expect(await containerGmsa(file, specReader(store))).toMatchObject({ account: 'webapp02', domain: 'contoso.com', read: true });
    expect(await containerGmsa({ HostConfig: { SecurityOpt: [] }, Config: { Labels: { [ACCOUNT_LABEL]: 'webapp01' } } })).toBeUndefined();
  });
});

describe('runningWithGmsa on the stand-in Windows engine', () => {
  let dir: string;
  let engine: WindowsEngineHandle;

  const api = (method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ socketPath: engine.socketPath, method, path: p, headers: { 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const run = async (name: string, hostname: string, securityOpt: string[], labels: Record<string, string> = {}): Promise<string> => {
    const c = await api('POST', `/containers/create?name=${name}`, { Image: 'local/app:1', Cmd: ['ping', '-t', 'localhost'], Hostname: hostname, Labels: labels, HostConfig: { SecurityOpt: securityOpt } });
    expect(c.status).toBe(201);
    expect((await api('POST', `/containers/${c.json.Id}/start`)).status).toBe(204);
    return c.json.Id as string;
  };

  beforeAll(async () => {
    dir = tempDir('gmsa-peers-');
    engine = await startWindowsEngine({ socketPath: path.join(dir, 'w.sock'), fixture: 'windows-20348-engine-24.0', credentialSpecFiles: { 'contoso_webapp01.json': SPEC_TEXT } });
  });
  afterAll(async () => {
    await engine?.close();
    removeDir(dir);
  });

  test('inline specs, labels and readable files count; other gMSAs, stopped containers and the caller do not', async () => {
    const self = await run('self', 'web-a', [`credentialspec=raw://${SPEC_TEXT}`]);
    await run('inline', 'web-a', [`credentialspec=raw://${SPEC_TEXT}`]);
    await run('labelled', 'web-b', ['credentialspec=file://contoso_webapp01.json'], { [ACCOUNT_LABEL]: 'WEBAPP01' });
    await run('byhand', 'webapp01', ['credentialspec=file://contoso_webapp01.json']);
    await run('other', 'web-a', [`credentialspec=raw://${SPEC_TEXT.replace('"webapp01"', '"sql01"')}`]);
    await run('plain', 'web-a', []);
    const stopped = await run('stopped', 'web-a', [`credentialspec=raw://${SPEC_TEXT}`]);
    expect((await api('POST', `/containers/${stopped}/stop`)).status).toBe(204);

    const client = createEngineClient(resolveEndpoint({ ...emptyGlobals(), hosts: [`unix://${engine.socketPath}`] }, {}, 'linux', dir), { timeoutMs: 5000 });
    const peers = await runningWithGmsa(client, 'webapp01', { exceptId: self });
    // byhand: its file:// spec is not readable here and it has no label, but its hostname is the gMSA name.
    expect(peers).toEqual([
      { name: 'byhand', hostname: 'webapp01' },
      { name: 'inline', hostname: 'web-a' },
      { name: 'labelled', hostname: 'web-b' },
    ]);
    expect(sameHostname(peers, 'WEB-A')).toEqual(['inline']);
    expect(sameHostname(peers, 'web-c')).toEqual([]);
    expect((await runningWithGmsa(client, 'sql01')).map((p) => p.name)).toEqual(['other']);

    // Several gMSAs in one pass: each container inspected once, the same answer as one call per gMSA.
    let inspections = 0;
    const counting = { ...client, inspectContainer: (id: string) => ((inspections += 1), client.inspectContainer(id)) };
    const all = await runningByGmsa(counting, ['WebApp01', 'sql01', 'nobody'], { exceptId: self });
    expect(inspections).toBe((await client.listContainers(false)).length - 1);
    expect([...all.keys()]).toEqual(['webapp01', 'sql01', 'nobody']);
    expect(all.get('webapp01')).toEqual(peers);
    expect(all.get('sql01')?.map((p) => p.name)).toEqual(['other']);
    expect(all.get('nobody')).toEqual([]);
  });
});
