import { KDS_WAIT_MS, kdsStatus, rootKeysDn, type RootKey } from '../../../src/ad/kds';

const key = (id: string, useStart: Date): RootKey => ({ id, dn: `CN=${id}`, useStart, usableFrom: new Date(useStart.getTime() + KDS_WAIT_MS) });

describe('KDS root key status (the 10-hour rule)', () => {
  const now = new Date('2026-11-28T12:00:00Z');

  test('no key: nothing can be issued and there is no time to wait for', () => {
    expect(kdsStatus([], now)).toEqual({ keys: [], usable: false });
  });

  test('a key started 10 hours ago is usable; one started 9 hours ago is not yet', () => {
    expect(kdsStatus([key('a', new Date(now.getTime() - KDS_WAIT_MS))], now).usable).toBe(true);
    const st = kdsStatus([key('b', new Date(now.getTime() - 9 * 3600_000))], now);
    expect(st.usable).toBe(false);
    expect(st.usableAt?.toISOString()).toBe('2026-11-28T13:00:00.000Z');
  });

  test('the earliest pending key says when', () => {
    const st = kdsStatus([key('late', new Date(now.getTime() - 1 * 3600_000)), key('early', new Date(now.getTime() - 5 * 3600_000))], now);
    expect(st.usableAt?.toISOString()).toBe('2026-11-28T17:00:00.000Z');
  });

  test('the container lives under the configuration partition', () => {
    expect(rootKeysDn('CN=Configuration,DC=contoso,DC=com')).toBe('CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,DC=contoso,DC=com');
  });
});
