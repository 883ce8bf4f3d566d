// A tiny authoritative DNS responder over UDP (node:dgram) for `-R <dns>`
// tests: answers A / AAAA queries for the names it is given, NXDOMAIN for
// every other name, and records every question it was asked.
//
// connect.c's -R takes a bare address (no port), and so does our
// parseResolve (src/config/build.ts), so the server must listen on port 53.
// It takes the first free address of `hosts`: by default 127.0.0.153, then
// 127.0.0.154..., never 127.0.0.1 (a host resolver such as dnsmasq may hold
// 127.0.0.1:53). Any 127/8 address is loopback on Linux; port 53 needs root
// (or CAP_NET_BIND_SERVICE): startDnsServer() rejects when no address binds,
// so callers can skip with dnsSkipReason().
//
// Message format: RFC 1035 §4.1. Header (12 bytes): ID, flags (QR, Opcode,
// AA, TC, RD, RA, Z, RCODE), QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT. Question:
// QNAME as length-prefixed labels ending in a zero byte, QTYPE, QCLASS.
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import type { Teardown } from './process.js';

export const QTYPE = { A: 1, AAAA: 28 } as const;
const CLASS_IN = 1;
const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4 } as const;

export interface DnsQuestion {
  /** Lower-cased, no trailing dot. */
  name: string;
  type: number;
  from: string;
}

export interface DnsServer {
  host: string;
  port: number;
  /** Every question received, in order (malformed queries are not recorded). */
  queries: DnsQuestion[];
  close(): Promise<void>;
}

export interface DnsServerOptions {
  /** name (any case, no trailing dot) → its addresses (IPv4 → A, IPv6 → AAAA). */
  records: Record<string, string | string[]>;
  /** Candidate listen addresses, tried in order. */
  hosts?: string[];
  port?: number;
  t?: Teardown;
  /** Called with every question as it arrives. */
  onQuery?: (q: DnsQuestion) => void;
}

const DEFAULT_DNS_HOSTS = ['127.0.0.153', '127.0.0.154', '127.0.0.155', '127.0.0.156'];

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const records = new Map<string, string[]>();
  for (const [name, addrs] of Object.entries(opts.records)) {
    records.set(name.toLowerCase().replace(/\.$/, ''), ([] as string[]).concat(addrs));
  }
  const queries: DnsQuestion[] = [];
  const port = opts.port ?? 53;
  const errors: string[] = [];
  for (const host of opts.hosts ?? DEFAULT_DNS_HOSTS) {
    const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ port, address: host, exclusive: true }, () => { socket.off('error', reject); resolve(); });
      });
    } catch (err) {
      errors.push(`${host}:${port}: ${(err as Error).message}`);
      socket.close();
      continue;
    }
    socket.on('error', () => { /* keep serving */ });
    socket.on('message', (msg, rinfo) => {
      const reply = answer(msg, records, (q) => {
        const question = { ...q, from: `${rinfo.address}:${rinfo.port}` };
        queries.push(question);
        opts.onQuery?.(question);
      });
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= new Promise<void>((resolve) => socket.close(() => resolve())));
    opts.t?.after(close);
    return { host, port: socket.address().port, queries, close };
  }
  throw new Error(`DNS test server: no address to listen on: ${errors.join('; ')}`);
}

/** Skip reason when no UDP port 53 on loopback can be bound (not root, all taken); undefined when one can. */
export async function dnsSkipReason(hosts = DEFAULT_DNS_HOSTS): Promise<string | undefined> {
  try {
    const s = await startDnsServer({ records: {}, hosts });
    await s.close();
    return undefined;
  } catch (err) {
    const msg = (err as Error).message;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${msg}`);
    return msg;
  }
}

interface Question { name: string; type: number; qclass: number; end: number }

/** QNAME at offset 12 (RFC 1035 §4.1.2); undefined when malformed. Compression pointers are not valid here. */
function parseQuestion(msg: Buffer): Question | undefined {
  let i = 12;
  const labels: string[] = [];
  for (;;) {
    if (i >= msg.length) return undefined;
    const len = msg[i]!;
    if (len === 0) { i++; break; }
    if (len > 63 || i + 1 + len > msg.length) return undefined; // 0xC0 pointers and 0x40/0x80 are not labels
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
    if (i - 12 > 255) return undefined;
  }
  if (i + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i), qclass: msg.readUInt16BE(i + 2), end: i + 4 };
}

/** The reply to one query, or undefined to drop it (not a query, too short to answer). */
function answer(msg: Buffer, records: Map<string, string[]>, record: (q: Omit<DnsQuestion, 'from'>) => void): Buffer | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response, not a query
  const opcode = (flags >> 11) & 0xf;
  const rd = flags & 0x0100;
  const header = (rcode: number, qd: number, an: number) => {
    const h = Buffer.alloc(12);
    msg.copy(h, 0, 0, 2); // ID
    h.writeUInt16BE(0x8000 | (opcode << 11) | 0x0400 /* AA */ | rd | 0x0080 /* RA */ | rcode, 2);
    h.writeUInt16BE(qd, 4);
    h.writeUInt16BE(an, 6);
    return h; // NSCOUNT = ARCOUNT = 0 (an EDNS OPT in the query is ignored)
  };
  if (opcode !== 0) return header(RCODE.NOTIMP, 0, 0);
  const q = msg.readUInt16BE(4) === 1 ? parseQuestion(msg) : undefined;
  if (!q) return header(RCODE.FORMERR, 0, 0);
  record({ name: q.name, type: q.type });
  const question = msg.subarray(12, q.end);
  const addrs = q.name.endsWith('.') ? undefined : records.get(q.name);
  if (!addrs) return Buffer.concat([header(RCODE.NXDOMAIN, 1, 0), question]);
  const rdatas = q.qclass !== CLASS_IN ? [] : addrs.flatMap((a) => {
    if (q.type === QTYPE.A && isIPv4(a)) return [Buffer.from(a.split('.').map(Number))];
    if (q.type === QTYPE.AAAA && isIPv6(a)) return [ipv6ToBytes(a)];
    return [];
  });
  // A known name without records of this type: NOERROR, no answers (NODATA).
  const answers = rdatas.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // NAME: pointer to the question's QNAME
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(60, 6); // TTL
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header(RCODE.NOERROR, 1, answers.length), question, ...answers]);
}

/** 16 bytes of a valid IPv6 literal (no IPv4 tail); self-contained so the helper does not trust src/. */
function ipv6ToBytes(text: string): Buffer {
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}
