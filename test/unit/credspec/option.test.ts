import { credentialSpecValue, isCredentialSpecOpt } from '../../../src/credspec/option';

describe('the credentialspec security option', () => {
  it.each([
    ['credentialspec=file://contoso_webapp01.json', 'file://contoso_webapp01.json'],
    ['CredentialSpec=raw://{"a":1}', 'raw://{"a":1}'],
    ['credentialspec:file://legacy.json', 'file://legacy.json'],
    ['  credentialspec = config://abc', ' config://abc'],
    ['credentialspec=', ''],
  ])('%s is one, with value %s', (opt, value) => {
    expect(isCredentialSpecOpt(opt)).toBe(true);
    expect(credentialSpecValue(opt)).toBe(value);
  });

  it.each(['seccomp=unconfined', 'no-new-privileges', 'credentialspecs=file://x.json', 'label=credentialspec=file://x', 'x credentialspec=file://a'])(
    '%s is not one',
    (opt) => {
      expect(isCredentialSpecOpt(opt)).toBe(false);
      expect(credentialSpecValue(opt)).toBeUndefined();
    },
  );
});
