/** The bytes doctor sends: written out by hand from RFC 4511 (BER) and RFC 1035, and the answers it reads. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { cldapProbe, cldapResponseOp, cldapRootDseRequest, dnsQuery, dnsResponse, tcpProbe } from '../../../src/doctor/probes';

const hex = (s: string): string => Buffer.from(s, 'ascii').toString('hex');

describe('CLDAP rootDSE request', () => {
  test('an LDAPMessage with a searchRequest for the rootDSE, byte for byte', () => {
    const expected =
      '3032' + // LDAPMessage SEQUENCE, 50 bytes
      '020101' + // messageID 1
      '632d' + // [APPLICATION 3] SearchRequest, 45 bytes
      '0400' + // baseObject ""
      '0a0100' + // scope baseObject
      '0a0100' + // derefAliases neverDerefAliases
      '020100' + // sizeLimit 0
      '020100' + // timeLimit 0
      '010100' + // typesOnly FALSE
      '870b' + hex('objectClass') + // filter: present [7] objectClass
      '300d' + '040b' + hex('dnsHostName'); // attributes
    expect(cldapRootDseRequest(1, ['dnsHostName']).toString('hex')).toBe(expected);
  });

  test('long lengths use the long form', () => {
    const attrs = Array.from({ length: 10 }, (_, i) => `attribute${i}`);
    const req = cldapRootDseRequest(5, attrs);
    expect(req[0]).toBe(0x30);
    expect(req[1]).toBe(0x81); // one length byte follows
    expect(req[2]).toBe(req.length - 3);
    expect(req.subarray(6, 9).toString('hex')).toBe('638198'); // SearchRequest, 152 bytes
  });

  test('reads the protocolOp of an answer to the same message id', () => {
    // LDAPMessage { messageID 7, searchResEntry [APPLICATION 4] { objectName "", attributes {} } }
    const entry = Buffer.from('300902010764040400' + '3000', 'hex');
    entry[1] = entry.length - 2;
    expect(cldapResponseOp(entry, 7)).toBe(0x64);
    expect(cldapResponseOp(entry, 8)).toBeUndefined();
    expect(cldapResponseOp(Buffer.from('0a0100', 'hex'), 7)).toBeUndefined();
  });
});

describe('DNS query', () => {
  test('header, QNAME labels, QTYPE SRV, QCLASS IN', () => {
    expect(dnsQuery(0x1234, 'a.bc.', 33).toString('hex')).toBe('123401000001000000000000' + '0161' + '026263' + '00' + '0021' + '0001');
  });

  test('a response: same id, QR bit set, rcode and answer count', () => {
    const r = Buffer.from('1234818300010000000000000000', 'hex');
    expect(dnsResponse(r, 0x1234)).toEqual({ rcode: 'NXDOMAIN', answers: 0 });
    expect(dnsResponse(r, 0x1235)).toBeUndefined();
    expect(dnsResponse(Buffer.from('123401000001000000000000', 'hex'), 0x1234)).toBeUndefined(); // a query, not a response
  });
});

describe('probes against local sockets', () => {
  test('TCP: open, refused', async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    expect(await tcpProbe('127.0.0.1', port, 1000)).toMatchObject({ ok: true });
    await new Promise((r) => server.close(r));
    expect(await tcpProbe('127.0.0.1', port, 1000)).toMatchObject({ ok: false, reason: 'connection refused' });
  });

  test('CLDAP: a silent UDP port times out within the limit', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const start = Date.now();
    // cldapProbe aims at 389; a port nobody answers on the loopback gives "port unreachable" or a timeout
    const r = await cldapProbe('127.0.0.2', 300);
    expect(r.ok).toBe(false);
    expect(Date.now() - start).toBeLessThan(1500);
    sock.close();
  });
});
