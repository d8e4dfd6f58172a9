import { rotationProblems } from '../../../src/orchestrators/swarm';
import { apiService } from './swarm-helpers';

describe('after a rotation', () => {
  test('the new config is the credential spec, attached once as Runtime; the old one is gone', () => {
    expect(rotationProblems(apiService('web', [{ id: 'new', name: 'n' }, { id: 'f', name: 'f', runtime: false }], { credSpec: 'new' }), 'new', 'old')).toEqual([]);
    expect(rotationProblems(apiService('web', [{ id: 'new', name: 'n' }, { id: 'old', name: 'o' }], { credSpec: 'new' }), 'new', 'old')).toEqual(['the previous config old is still attached']);
    expect(rotationProblems(apiService('web', [{ id: 'new', name: 'n' }, { id: 'new', name: 'n' }], { credSpec: 'new' }), 'new', 'old')).toEqual(['config new is attached 2 times']);
    expect(rotationProblems(apiService('web', [{ id: 'old', name: 'o' }], { credSpec: 'old' }), 'new', 'old')).toEqual([
      'its credential spec names config old, not new',
      'config new is not attached with a Runtime target',
      'the previous config old is still attached',
    ]);
  });
});
