/** Names the compose plan gives: project names and stable hostnames. */
import { normalizeProjectName, stableHostname } from '../../../src/compose/plan';

test('stable hostnames: at most 15 characters, the same for the same project and service, else different', () => {
  const a = stableHostname('shop', 'webapp01-longname', 'web');
  expect(a).toMatch(/^webapp01-l-[0-9a-f]{4}$/);
  expect(a.length).toBeLessThanOrEqual(15);
  expect(stableHostname('shop', 'webapp01-longname', 'web')).toBe(a);
  expect(stableHostname('shop', 'webapp01-longname', 'api')).not.toBe(a);
  expect(stableHostname('other', 'webapp01-longname', 'web')).not.toBe(a);
  expect(normalizeProjectName('My App.2')).toBe('myapp2');
});
