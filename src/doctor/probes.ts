/**
 * The network probes doctor runs from this machine towards a DC, each bounded by a timeout: a TCP
 * connect, a DNS query over UDP, and a CLDAP (LDAP over UDP 389) rootDSE search, the "LDAP ping" Windows
 * clients use to find a DC. The request bytes are built here by hand (BER for CLDAP, RFC 1035 for DNS).
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIP } from 'node:net';

export type ProbeResult = { ok: true; ms: number; note?: string } | { ok: false; ms: number; reason: string };

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, ms: Date.now() - start, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true, ms: Date.now() - start }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, ms: Date.now() - start, reason: err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message) }));
  });
}

/** Sends one datagram and waits for the first answer `accept` takes. */
function udpExchange(host: string, port: number, request: Buffer, timeoutMs: number, accept: (msg: Buffer) => string | undefined): Promise<ProbeResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, ms: Date.now() - start, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on('message', (msg) => {
      const note = accept(msg);
      if (note !== undefined) done({ ok: true, ms: Date.now() - start, ...(note ? { note } : {}) });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, ms: Date.now() - start, reason: err.code === 'ECONNREFUSED' ? 'port unreachable' : (err.code ?? err.message) }));
    socket.send(request, port, host, (err) => {
      if (err) done({ ok: false, ms: Date.now() - start, reason: (err as NodeJS.ErrnoException).code ?? err.message });
    });
  });
}

// ---- DNS (RFC 1035) ------------------------------------------------------------------------------------

export const DNS_TYPE_SRV = 33;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** A standard query (recursion desired) for one name and type, class IN. */
export function dnsQuery(id: number, name: string, type: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, qname, tail]);
}

/** The response code and answer count of a DNS response to query `id`, or undefined when it is not one. */
export function dnsResponse(msg: Buffer, id: number): { rcode: string; answers: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(0) !== (id & 0xffff) || (msg.readUInt16BE(2) & 0x8000) === 0) return undefined;
  const code = msg.readUInt16BE(2) & 0x000f;
  return { rcode: RCODES[code] ?? `RCODE ${code}`, answers: msg.readUInt16BE(6) };
}

export function dnsProbe(host: string, name: string, timeoutMs: number): Promise<ProbeResult> {
  const id = Math.floor(Math.random() * 0xffff);
  return udpExchange(host, 53, dnsQuery(id, name, DNS_TYPE_SRV), timeoutMs, (msg) => {
    const r = dnsResponse(msg, id);
    return r ? `${r.rcode}, ${r.answers} answer${r.answers === 1 ? '' : 's'} for ${name} SRV` : undefined;
  });
}

// ---- CLDAP (LDAP over UDP) -------------------------------------------------------------------------------

function berLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), berLength(value.length), value]);
}

const octets = (s: string): Buffer => tlv(0x04, Buffer.from(s, 'utf8'));

/**
 * An LDAPv3 message (RFC 4511) carrying a searchRequest for the rootDSE: base "", scope base, filter
 * (objectClass=*), the given attributes. AD and Samba answer it over UDP 389 (CLDAP).
 */
export function cldapRootDseRequest(messageId: number, attributes: readonly string[]): Buffer {
  const search = tlv(
    0x63, // [APPLICATION 3] SearchRequest
    Buffer.concat([
      octets(''), // baseObject
      tlv(0x0a, Buffer.from([0])), // scope: baseObject
      tlv(0x0a, Buffer.from([0])), // derefAliases: never
      tlv(0x02, Buffer.from([0])), // sizeLimit
      tlv(0x02, Buffer.from([0])), // timeLimit
      tlv(0x01, Buffer.from([0])), // typesOnly: FALSE
      tlv(0x87, Buffer.from('objectClass', 'ascii')), // filter: present [7]
      tlv(0x30, Buffer.concat(attributes.map(octets))),
    ]),
  );
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([messageId & 0x7f])), search]));
}

/** Reads a BER length at `at`: [length, bytes used], or undefined when malformed. */
function readLength(buf: Buffer, at: number): [number, number] | undefined {
  const first = buf[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + n >= buf.length) return undefined;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + (buf[at + i] as number);
  return [len, n + 1];
}

/** The protocolOp tag of an LDAP message answering `messageId` (0x64 entry, 0x65 done), or undefined. */
export function cldapResponseOp(msg: Buffer, messageId: number): number | undefined {
  if (msg[0] !== 0x30) return undefined;
  const outer = readLength(msg, 1);
  if (!outer) return undefined;
  let at = 1 + outer[1];
  if (msg[at] !== 0x02) return undefined;
  const idLen = readLength(msg, at + 1);
  if (!idLen) return undefined;
  let id = 0;
  for (let i = 0; i < idLen[0]; i++) id = id * 256 + (msg[at + 1 + idLen[1] + i] as number);
  if (id !== (messageId & 0x7f)) return undefined;
  at += 1 + idLen[1] + idLen[0];
  return msg[at];
}

export function cldapProbe(host: string, timeoutMs: number): Promise<ProbeResult> {
  const id = 1 + Math.floor(Math.random() * 100);
  return udpExchange(host, 389, cldapRootDseRequest(id, ['dnsHostName', 'defaultNamingContext']), timeoutMs, (msg) => {
    const op = cldapResponseOp(msg, id);
    if (op === 0x64) return 'rootDSE entry returned';
    if (op === 0x65) return 'search done (no entry)';
    return undefined;
  });
}
