import { completionFromCaller, parseGlobalFlags, parseInvocation, type CompleteInvocation } from '../../../src/plugin/argv';
import { emptyGlobals } from '../../../src/engine/globals';
import { UsageError } from '../../../src/errors';

describe('parseInvocation', () => {
  test('the handshake is recognised before anything else', () => {
    expect(parseInvocation(['docker-cli-plugin-metadata'])).toEqual({ kind: 'metadata' });
  });

  test('global flags before the plugin name are parsed and the name is dropped', () => {
    const inv = parseInvocation(['--context', 'prod', '-D', '--log-level=warn', 'gmsa', 'spec', 'ls', '-q']);
    expect(inv).toEqual({
      kind: 'command',
      globals: { ...emptyGlobals(), context: 'prod', debug: true, logLevel: 'warn' },
      args: ['spec', 'ls', '-q'],
    });
  });

  test('every docker global flag form: long, short, =value, attached value, repeated -H', () => {
    const inv = parseInvocation([
      '--config', '/cfg', '-c=ctx', '-Hunix:///a.sock', '--host', 'tcp://b:2376', '--tls', '--tlsverify=false',
      '--tlscacert', 'ca.pem', '--tlscert=cert.pem', '--tlskey', 'key.pem', '-l', 'debug', 'gmsa', 'host',
    ]);
    expect(inv.kind).toBe('command');
    if (inv.kind !== 'command') return;
    expect(inv.globals).toEqual({
      config: '/cfg',
      context: 'ctx',
      hosts: ['unix:///a.sock', 'tcp://b:2376'],
      debug: false,
      logLevel: 'debug',
      tls: true,
      tlsVerify: false,
      tlsCaCert: 'ca.pem',
      tlsCert: 'cert.pem',
      tlsKey: 'key.pem',
    });
    expect(inv.args).toEqual(['host']);
  });

  test('flags after the plugin name belong to the plugin, not to docker', () => {
    const inv = parseInvocation(['gmsa', 'run', '-H', 'x', 'webapp01', 'image']);
    expect(inv).toMatchObject({ kind: 'command', globals: emptyGlobals(), args: ['run', '-H', 'x', 'webapp01', 'image'] });
  });

  test('run directly, the plugin name is optional', () => {
    expect(parseInvocation(['spec', 'ls'])).toMatchObject({ kind: 'command', args: ['spec', 'ls'] });
    expect(parseInvocation([])).toMatchObject({ kind: 'command', args: [] });
  });

  test('`docker help gmsa [cmd]` becomes `help [cmd]`', () => {
    expect(parseInvocation(['help', 'gmsa'])).toMatchObject({ kind: 'command', args: ['help'] });
    expect(parseInvocation(['help', 'gmsa', 'spec', 'ls'])).toMatchObject({ kind: 'command', args: ['help', 'spec', 'ls'] });
  });

  test('completion requests keep the words after the plugin name, with or without descriptions', () => {
    expect(parseInvocation(['__complete', 'gmsa', 'spec', ''])).toMatchObject({ kind: 'complete', words: ['spec', ''], descriptions: true });
    expect(parseInvocation(['-H', 'unix:///x', '__completeNoDesc', 'gmsa', 'sp'])).toMatchObject({
      kind: 'complete',
      words: ['sp'],
      descriptions: false,
      globals: { hosts: ['unix:///x'] },
    });
  });

  test('completion words as a shell sends them to docker: global flags after __complete, before the plugin name', () => {
    expect(parseInvocation(['__complete', '--context', 'prod', '-H=unix:///y', 'gmsa', 'exec', ''])).toMatchObject({
      kind: 'complete',
      words: ['exec', ''],
      globals: { context: 'prod', hosts: ['unix:///y'] },
    });
    // a half-typed global flag, or words that are not ours, are left alone and never an error
    expect(parseInvocation(['__complete', '--log-level'])).toMatchObject({ kind: 'complete', words: ['--log-level'] });
    expect(parseInvocation(['__complete', '--context', 'prod', 'other'])).toMatchObject({ words: ['--context', 'prod', 'other'], globals: { hosts: [] } });
  });

  test('the caller (the docker CLI) supplies the global flags and the descriptions choice it did not pass on', () => {
    const forwarded = parseInvocation(['__complete', 'gmsa', 'exec', '']) as CompleteInvocation;
    const fromCaller = completionFromCaller(forwarded, ['--context', 'prod', '__completeNoDesc', 'gmsa', 'exec', '']);
    expect(fromCaller).toMatchObject({ kind: 'complete', words: ['exec', ''], descriptions: false, globals: { context: 'prod' } });
    expect(completionFromCaller(forwarded, ['__complete', '-H', 'unix:///z', 'gmsa', 'exec', ''])).toMatchObject({ globals: { hosts: ['unix:///z'] } });
    // another command line (not docker completing these words): ignored
    expect(completionFromCaller(forwarded, ['__complete', '--context', 'prod', 'gmsa', 'run', ''])).toBe(forwarded);
    expect(completionFromCaller(forwarded, ['/usr/bin/bash', '-c', 'x'])).toBe(forwarded);
    expect(completionFromCaller(forwarded, ['--log-level', 'loud', '__complete', 'gmsa', 'exec', ''])).toBe(forwarded);
    expect(completionFromCaller(forwarded, undefined)).toBe(forwarded);
  });

  test.each([
    [['--context'], /flag needs an argument: --context/],
    [['-H'], /flag needs an argument: -H/],
    [['--log-level', 'loud', 'gmsa'], /logging level: loud/],
    [['--tls=maybe', 'gmsa'], /invalid boolean value "maybe" for --tls/],
  ])('malformed global flags %j are usage errors', (argv, message) => {
    expect(() => parseInvocation(argv)).toThrow(UsageError);
    expect(() => parseInvocation(argv)).toThrow(message);
  });

  test('parseGlobalFlags stops at the first word that is not a docker global flag', () => {
    const g = emptyGlobals();
    expect(parseGlobalFlags(['-D', '--unknown', 'gmsa'], g)).toBe(1);
    expect(g.debug).toBe(true);
    expect(parseGlobalFlags(['--', 'gmsa'], emptyGlobals())).toBe(1);
  });
});
