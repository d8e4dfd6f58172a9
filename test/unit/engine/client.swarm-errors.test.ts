import { mapEngineError } from '../../../src/engine/client';
import type { ResolvedEndpoint } from '../../../src/engine/endpoint';
import { EngineError, UnsupportedEngineError } from '../../../src/errors';

const ep: ResolvedEndpoint = { contextName: 'default', source: 'flag', host: 'unix:///s.sock', protocol: 'unix', socketPath: '/s.sock', skipTLSVerify: false, configDir: '/c', warnings: [] };

describe('swarm API errors', () => {
  test('503 from an engine outside a swarm: not a manager, with the fix', () => {
    const err = mapEngineError(
      { statusCode: 503, json: { message: 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.' } },
      ep,
      'list the swarm configs of',
    );
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err.message).toMatch(/^the Docker engine at unix:\/\/\/s\.sock \(context "default", from -H\) is not a swarm manager, so it cannot list the swarm configs: This node/);
    expect(err.hint).toMatch(/docker swarm init/);
  });

  test('503 from a worker: promote or use a manager', () => {
    const err = mapEngineError(
      { statusCode: 503, json: { message: "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state." } },
      ep,
      'list the nodes of',
    );
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err.hint).toMatch(/docker node promote/);
  });

  test('other status codes stay engine errors with the engine message', () => {
    const err = mapEngineError({ statusCode: 400, json: { message: 'config not found: x' } }, ep, 'create config x on');
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(/answered 400 to create config x: config not found: x/);
  });
});
