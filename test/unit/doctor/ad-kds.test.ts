/** ad-kds against a directory that answers with given root keys: none, none usable yet (the 10-hour rule), one usable. */
import { DoctorContext } from '../../../src/doctor/context';
import { adKds } from '../../../src/doctor/ad-kds';
import { dateToFiletime } from '../../../src/ad/codecs/filetime';

const NOW = new Date('2026-06-01T12:00:00Z');

function ctxWith(keys: { id: string; useStart: Date }[]): DoctorContext {
  const ctx = new DoctorContext({ host: 'WEBHOST01', spnFor: [], directory: {} }, { deps: { env: {} } as never, openDirectory: () => Promise.reject(new Error('unused')), now: () => NOW });
  const dir = {
    boundAs: 'Administrator@contoso.com',
    search: async () => keys.map((k) => ({ dn: `CN=${k.id},CN=Master Root Keys,...`, cn: k.id, 'msKds-CreateTime': dateToFiletime(k.useStart), 'msKds-UseStartTime': dateToFiletime(k.useStart) })),
  };
  void ctx.once('directory', async () => dir);
  void ctx.once('domain', async () => ({ configDn: 'CN=Configuration,DC=contoso,DC=com' }));
  return ctx;
}

test('no key visible: FAIL with kds create', async () => {
  const r = await adKds.run(ctxWith([]));
  expect(r).toEqual({ status: 'FAIL', detail: 'no KDS root key visible to Administrator@contoso.com (keys are readable by Domain Admins only)', fix: 'docker gmsa kds create (a lab may backdate it: --backdate-10h)' });
});

test('a key made 5 hours ago is not usable until 10 hours after its start time', async () => {
  const r = await adKds.run(ctxWith([{ id: 'k1', useStart: new Date(NOW.getTime() - 5 * 3600_000) }]));
  expect(r.status).toBe('FAIL');
  expect(r.detail).toBe('no root key is usable yet: the first becomes usable at 2026-06-01T17:00:00.000Z (10 hours after its start time)');
});

test('a key whose start is 11 hours back is usable', async () => {
  const r = await adKds.run(ctxWith([{ id: 'k1', useStart: new Date(NOW.getTime() - 11 * 3600_000) }]));
  expect(r).toEqual({ status: 'PASS', detail: '1 root key; usable since 2026-06-01T11:00:00.000Z' });
});
