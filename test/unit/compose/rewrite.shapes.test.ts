/** Service maps of other shapes: flow style, an empty security_opt, x-gmsa first, a service that is only an alias. */
import { project, rewrite } from './helpers';

test.each([
  [
    'a flow-style service',
    'services:\n  web: {image: x, x-gmsa: webapp01}\n',
    'services:\n  web: {image: x, security_opt: [credentialspec=file://contoso_webapp01.json], hostname: webapp01-web}\n',
  ],
  [
    'an empty security_opt and an empty flow list',
    'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n    security_opt:\n  api:\n    image: y\n    x-gmsa: api01\n    security_opt: []\n',
    'services:\n  web:\n    image: x\n    hostname: webapp01-web\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json\n  api:\n    image: y\n    hostname: api01-api\n    security_opt: [credentialspec=file://contoso_api01.json]\n',
  ],
  [
    'x-gmsa first, with a comment and a blank line above',
    'services:\n  web:\n\n    # the gMSA\n    x-gmsa: webapp01 # the site\n    image: x\n',
    'services:\n  web:\n\n    # the gMSA\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json # the site\n    hostname: webapp01-web\n    image: x\n',
  ],
  [
    'a security_opt list shared through an alias',
    'x-opts: &opts []\nservices:\n  web:\n    image: x\n    x-gmsa: webapp01\n    security_opt: *opts\n',
    'x-opts: &opts []\nservices:\n  web:\n    image: x\n    hostname: webapp01-web\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json\n',
  ],
  [
    // Spacing before comments is one space, and flow collections follow the first one's padding.
    'a file with a gMSA service is printed again: other services keep their content and comments',
    'services:\n  db:   {image: "db:1",   ports: [ "1433:1433" ]}   # the database\n  web:\n    image: x\n    x-gmsa: webapp01\n',
    'services:\n  db: {image: "db:1", ports: ["1433:1433"]} # the database\n  web:\n    image: x\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json\n    hostname: webapp01-web\n',
  ],
])('%s', async (_what, input, want) => {
  const r = await rewrite(project({ 'compose.yaml': input }), []);
  expect(r.texts[0]).toBe(want);
});

test('a file without a gMSA service is returned byte for byte', async () => {
  const text = 'services:\n  db:   {image: "db:1"}   # spacing kept\n';
  const r = await rewrite(project({ 'compose.yaml': text, 'compose.override.yaml': 'services:\n  web:\n    image: x\n    x-gmsa: webapp01\n' }), []);
  expect(r.changed).toEqual([false, true]);
  expect(r.texts[0]).toBe(text);
});

// A service's data is found by its key node, not its name: the key `null` (or `~`) is a YAML null whose
// name is "null", and must not be taken for a service without settings (a false "shares a YAML anchor").
test.each([
  ['null', 'null'],
  ['~', 'null'],
  ['Null', 'null'],
  ['"null"', 'null'],
  ["'~'", '~'],
])('a service whose key is %s is rewritten like any other', async (key, name) => {
  const r = await rewrite(project({ 'compose.yaml': `services:\n  ${key}:\n    image: x\n    x-gmsa: webapp01\n  web:\n    image: y\n    x-gmsa: api01\n` }), []);
  expect(r.texts[0]).toBe(
    `services:\n  ${key}:\n    image: x\n    security_opt:\n      - credentialspec=file://contoso_webapp01.json\n    hostname: webapp01-${name}\n` +
      '  web:\n    image: y\n    security_opt:\n      - credentialspec=file://contoso_api01.json\n    hostname: api01-web\n',
  );
});

test('the leak check still compares a service named null with what it was', async () => {
  const err = await rewrite(project({ 'compose.yaml': 'services:\n  web: &web\n    image: x\n    x-gmsa: {account: webapp01, network-service: true}\n  null:\n    <<: *web\n    x-gmsa: api01\n' }), []).catch((e: Error) => e);
  expect((err as Error).message).toMatch(/compose\.yaml:5: service "null": rewriting the gMSA services would also change user of this service/);
});
