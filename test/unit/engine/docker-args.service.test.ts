import { allValues, lastValue, parseServiceCreateArgs, parseServiceUpdateArgs } from '../../../src/engine/docker-args';
import { UsageError } from '../../../src/errors';

describe('docker service create arguments', () => {
  test('IMAGE comes after value flags, = forms and short clusters; the rest is COMMAND', () => {
    const p = parseServiceCreateArgs([
      '--name', 'web', '--replicas=3', '-dq', '-p', '80:80', '--constraint', 'node.platform.os==windows',
      '--constraint=node.labels.tier==web', '-eA=1', '--hostname', 'h', '--no-resolve-image', '--mode', 'replicated',
      'img:1', 'cmd', '--replicas', '9',
    ]);
    expect(p.target).toBe('img:1');
    expect(p.rest).toEqual(['cmd', '--replicas', '9']);
    expect(lastValue(p, 'replicas')).toBe('3');
    expect(lastValue(p, 'hostname')).toBe('h');
    expect(lastValue(p, 'env')).toBe('A=1');
    expect(allValues(p, 'constraint')).toEqual(['node.platform.os==windows', 'node.labels.tier==web']);
    expect(p.options.map((o) => o.name)).toEqual(expect.arrayContaining(['d', 'q', 'no-resolve-image']));
  });

  test('every value flag of docker service create takes the next word', () => {
    const flags = [
      'cap-add', 'cap-drop', 'config', 'constraint', 'container-label', 'credential-spec', 'dns', 'dns-option', 'dns-search',
      'endpoint-mode', 'entrypoint', 'env', 'env-file', 'generic-resource', 'group', 'health-cmd', 'health-interval',
      'health-retries', 'health-start-interval', 'health-start-period', 'health-timeout', 'host', 'hostname', 'isolation',
      'label', 'limit-cpu', 'limit-memory', 'limit-pids', 'log-driver', 'log-opt', 'max-concurrent', 'mode', 'mount', 'name',
      'network', 'oom-score-adj', 'placement-pref', 'publish', 'replicas', 'replicas-max-per-node', 'reserve-cpu',
      'reserve-memory', 'restart-condition', 'restart-delay', 'restart-max-attempts', 'restart-window', 'rollback-delay',
      'rollback-failure-action', 'rollback-max-failure-ratio', 'rollback-monitor', 'rollback-order', 'rollback-parallelism',
      'secret', 'stop-grace-period', 'stop-signal', 'sysctl', 'ulimit', 'update-delay', 'update-failure-action',
      'update-max-failure-ratio', 'update-monitor', 'update-order', 'update-parallelism', 'user', 'workdir',
    ];
    for (const f of flags) expect(parseServiceCreateArgs([`--${f}`, 'v', 'img']).target).toBe('img');
    for (const b of ['detach', 'init', 'no-healthcheck', 'no-resolve-image', 'quiet', 'read-only', 'tty', 'with-registry-auth']) {
      expect(parseServiceCreateArgs([`--${b}`, 'img']).target).toBe('img');
    }
    for (const [s, long] of [['e', 'env'], ['l', 'label'], ['p', 'publish'], ['u', 'user'], ['w', 'workdir']] as const) {
      expect(lastValue(parseServiceCreateArgs([`-${s}`, 'v', 'img']), long)).toBe('v');
    }
  });

  test('missing IMAGE, a value flag at the end and unknown short flags are usage errors', () => {
    expect(() => parseServiceCreateArgs(['--name', 'x'])).toThrow(/missing IMAGE/);
    expect(() => parseServiceCreateArgs(['--replicas'])).toThrow(/flag needs an argument: --replicas/);
    expect(() => parseServiceCreateArgs(['-h', 'x', 'img'])).toThrow(UsageError);
  });
});

describe('docker service update arguments', () => {
  test('flags may follow SERVICE, as cobra allows', () => {
    const p = parseServiceUpdateArgs(['--image', 'img:2', 'web', '--detach', '--env-add', 'A=1', '-u', 'bob']);
    expect(p.target).toBe('web');
    expect(p.rest).toEqual([]);
    expect(lastValue(p, 'image')).toBe('img:2');
    expect(lastValue(p, 'env-add')).toBe('A=1');
    expect(lastValue(p, 'user')).toBe('bob');
  });

  test('update-only value flags take their value; extra positionals are reported in rest', () => {
    for (const f of ['args', 'config-add', 'config-rm', 'secret-add', 'label-add', 'publish-rm', 'hostname', 'network-add']) {
      expect(parseServiceUpdateArgs([`--${f}`, 'v', 'svc']).target).toBe('svc');
    }
    for (const b of ['force', 'rollback', 'no-resolve-image']) expect(parseServiceUpdateArgs([`--${b}`, 'svc']).target).toBe('svc');
    expect(parseServiceUpdateArgs(['a', 'b']).rest).toEqual(['b']);
    expect(parseServiceUpdateArgs(['--', '-weird']).target).toBe('-weird');
  });

  test('missing SERVICE and -e (create only) are usage errors', () => {
    expect(() => parseServiceUpdateArgs(['--detach'])).toThrow(/missing SERVICE/);
    expect(() => parseServiceUpdateArgs(['-e', 'A=1', 'svc'])).toThrow(UsageError);
  });
});
