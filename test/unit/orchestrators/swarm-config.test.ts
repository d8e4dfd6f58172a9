import { createHash } from 'node:crypto';
import {
  ACCOUNT_LABEL,
  configData,
  configFromApi,
  configName,
  describeConfigPlan,
  DOMAIN_LABEL,
  isGmsaConfig,
  MAX_CONFIG_NAME,
  pickReusable,
  planConfig,
  SHA256_LABEL,
} from '../../../src/orchestrators/swarm-config';
import { gmsaConfig, specFor } from './swarm-helpers';

const SWARM_NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

describe('config content and hash', () => {
  test('data is the spec as UTF-8 JSON, and the hash is sha256 of exactly those bytes', () => {
    const spec = specFor();
    const plan = planConfig(spec);
    expect(JSON.parse(plan.data.toString('utf8'))).toEqual(spec);
    expect(plan.data[0]).toBe('{'.charCodeAt(0)); // no BOM
    expect(plan.sha256).toBe(createHash('sha256').update(plan.data).digest('hex'));
    expect(plan.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the same spec always gives the same bytes; another spec another hash', () => {
    expect(configData(specFor()).equals(configData(JSON.parse(JSON.stringify(specFor()))))).toBe(true);
    expect(planConfig(specFor()).sha256).not.toBe(planConfig(specFor('webapp02')).sha256);
  });

  test('unknown keys of the spec are kept (the config holds the spec as it is)', () => {
    const spec = { ...specFor(), Extra: { a: 1 } };
    expect(JSON.parse(configData(spec).toString())).toEqual(spec);
  });

  test('labels: account, domain and the full hash', () => {
    const plan = planConfig(specFor());
    expect(plan.labels).toEqual({ [ACCOUNT_LABEL]: 'webapp01', [DOMAIN_LABEL]: 'contoso.com', [SHA256_LABEL]: plan.sha256 });
  });
});

describe('config names', () => {
  test('gmsa-<netbios>_<account>-<8 hex>, lower case', () => {
    const plan = planConfig(specFor('WebApp01'));
    expect(plan.name).toBe(`gmsa-contoso_webapp01-${plan.sha256.slice(0, 8)}`);
    expect(configName('CONTOSO', 'webapp01', '1a2b3c4d'.padEnd(64, '0'))).toBe('gmsa-contoso_webapp01-1a2b3c4d');
  });

  test('characters swarm refuses become -, and long names are cut to 64 keeping the hash', () => {
    const hash = 'ab'.repeat(32);
    const odd = configName('MY DOM!', 'svc$acct', hash);
    expect(odd).toBe('gmsa-my-dom-_svc-acct-abababab');
    expect(odd).toMatch(SWARM_NAME);
    const long = configName('N'.repeat(15), 'a'.repeat(200), hash);
    expect(long.length).toBe(MAX_CONFIG_NAME);
    expect(long.endsWith('-abababab')).toBe(true);
    expect(long).toMatch(SWARM_NAME);
  });

  test('every name is one swarm accepts (property)', () => {
    const fc = require('fast-check') as typeof import('fast-check');
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/), (n, a, h) => {
        const name = configName(n, a, h);
        return name.length <= MAX_CONFIG_NAME && SWARM_NAME.test(name) && name.endsWith(h.slice(0, 8));
      }),
    );
  });
});

describe('reuse', () => {
  const plan = planConfig(specFor());
  test('a gMSA config with the same hash label and data is reused, the planned name first', () => {
    const other = { ...gmsaConfig('c1', 'hand-made', 'webapp01', plan.sha256), data: plan.data };
    const named = gmsaConfig('c2', plan.name, 'webapp01', plan.sha256);
    expect(pickReusable(plan, [other, named])?.id).toBe('c2');
    expect(pickReusable(plan, [other])?.id).toBe('c1');
  });

  test('never a config whose data does not hash to the label, nor one without our labels', () => {
    const liar = { ...gmsaConfig('c1', plan.name, 'webapp01', plan.sha256), data: Buffer.from('{}') };
    expect(pickReusable(plan, [liar])).toBeUndefined();
    expect(pickReusable(plan, [{ id: 'c3', name: plan.name, labels: { [SHA256_LABEL]: plan.sha256 }, data: plan.data }])).toBeUndefined();
    expect(pickReusable(plan, [gmsaConfig('c4', plan.name, 'webapp01', 'f'.repeat(64))])).toBeUndefined();
  });

  test('configFromApi decodes Spec.Data; isGmsaConfig needs both labels', () => {
    const c = configFromApi({ ID: 'x', CreatedAt: 't', Spec: { Name: 'n', Labels: { [ACCOUNT_LABEL]: 'a', [SHA256_LABEL]: 'h' }, Data: Buffer.from('hi').toString('base64') } });
    expect(c).toEqual({ id: 'x', name: 'n', labels: { [ACCOUNT_LABEL]: 'a', [SHA256_LABEL]: 'h' }, data: Buffer.from('hi'), createdAt: 't' });
    expect(isGmsaConfig(c)).toBe(true);
    expect(isGmsaConfig({ ...c, labels: { [ACCOUNT_LABEL]: 'a' } })).toBe(false);
    expect(isGmsaConfig(configFromApi({ ID: 'y', Spec: { Name: 'plain' } }))).toBe(false);
  });

  test('the dry-run description shows name, labels and content', () => {
    const text = describeConfigPlan(plan, undefined);
    expect(text).toContain(`Config ${plan.name} (would be created)`);
    expect(text).toContain(`label ${SHA256_LABEL}=${plan.sha256}`);
    expect(text).toContain('"MachineAccountName": "webapp01"');
    expect(describeConfigPlan(plan, gmsaConfig('c9', 'old', 'webapp01', plan.sha256))).toMatch(/^Config old \(exists, c9: reused\)/);
  });
});
