// A scripted HTTP proxy speaking NTLM (or NTLM inside Negotiate) that CHECKS
// the client's NTLMv2 response against the password, computed independently
// of src/auth: the NT hash by `openssl dgst -md4 -provider legacy`, the
// NTLMv2 proof (MS-NLMP §3.3.2) and the MIC (§3.1.5.1.2) with node:crypto,
// the Type 3 read by its own offsets. The challenge is bound to the
// connection, as real servers bind it. After a good Type 3 it answers 200
// and relays to the requested loopback target.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Teardown } from './process.js';
import { testCa } from './test-ca.js';

export interface NtlmProxyOptions {
  user: string;
  domain: string;
  password: string;
  /** Scheme named in the challenges (default NTLM). */
  scheme?: 'NTLM' | 'Negotiate';
  /** Challenges of the first 407, in order (default: [scheme]). */
  offer?: string[];
  /** Unicode strings (default true); false: an OEM challenge without target info, as squid's fake helper. */
  unicode?: boolean;
  /** Send MsvAvTimestamp in the target info: the client must then send a MIC. */
  timestamp?: boolean;
  /** How the 407 body is framed (default length). */
  body?: 'length' | 'chunked';
  /** Close the connection after sending the challenge, this many times (default 0). */
  closeAfterChallenge?: number;
  /** An HTTP/1.1 100 Continue before each 407 carrying a challenge. */
  interim?: boolean;
  tls?: boolean;
  t?: Teardown;
}

export interface NtlmRecord {
  conn: number;
  /** none: no credentials; type1; ok / bad: a Type 3 that did / did not verify; other: anything else. */
  auth: 'none' | 'type1' | 'ok' | 'bad' | 'other';
  user?: string;
  domain?: string;
  mic?: 'ok' | 'bad' | 'absent';
  lmZero?: boolean;
  keepAlive?: boolean;
  /** The NTProofStr the client sent (hex), to look for it in outputs. */
  proof?: string;
  authorization?: string;
}

export interface NtlmProxy {
  port: number;
  records: NtlmRecord[];
  /** MD4 of the UTF-16LE password, hex, as openssl computed it. */
  ntHash: string;
  close(): Promise<void>;
}

const SIG = Buffer.from('NTLMSSP\0', 'latin1');

/** MD4 by the openssl binary's legacy provider (independent of src/auth/md4.ts). */
export function opensslNtHash(password: string): string {
  const out = execFileSync('openssl', ['dgst', '-md4', '-provider', 'legacy'], { input: Buffer.from(password, 'utf16le') }).toString();
  return /([0-9a-f]{32})\s*$/.exec(out)![1]!;
}

export async function startNtlmProxy(o: NtlmProxyOptions): Promise<NtlmProxy> {
  const scheme = o.scheme ?? 'NTLM';
  const nt = Buffer.from(opensslNtHash(o.password), 'hex');
  const records: NtlmRecord[] = [];
  const sockets = new Set<net.Socket>();
  let closesLeft = o.closeAfterChallenge ?? 0;
  let conns = 0;
  const onConnection = (socket: net.Socket) => {
    const conn = conns++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    let pending: { type1: Buffer; type2: Buffer; challenge: Buffer } | undefined;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      buffered = buffered.subarray(end + 4);
      const lines = head.split('\r\n');
      const [, hostPort = ''] = /^CONNECT (\S+) HTTP/.exec(lines[0]!) ?? [];
      const field = (name: string) => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
      const authorization = field('proxy-authorization');
      const keepAlive = /keep-alive/i.test(field('proxy-connection') ?? '');
      const token = authorization?.startsWith(`${scheme} `) ? Buffer.from(authorization.slice(scheme.length + 1), 'base64') : undefined;
      const type = token && token.subarray(0, 8).equals(SIG) ? token.readUInt32LE(8) : undefined;
      if (!authorization) {
        records.push({ conn, auth: 'none' });
        return reply(socket, 407, (o.offer ?? [scheme]).map((c) => ['Proxy-Authenticate', c]), true, o.body);
      }
      if (type === 1) {
        const challenge = randomBytes(8);
        const type2 = challengeMessage(challenge, o);
        pending = { type1: token!, type2, challenge };
        records.push({ conn, auth: 'type1', keepAlive });
        if (o.interim) socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        const close = closesLeft > 0;
        if (close) closesLeft--;
        return reply(socket, 407, [['Proxy-Authenticate', `${scheme} ${type2.toString('base64')}`]], close, o.body);
      }
      if (type === 3 && pending) {
        const rec = verify(token!, pending, nt, o);
        records.push({ conn, ...rec, keepAlive, authorization });
        pending = undefined;
        if (rec.auth !== 'ok') return reply(socket, 407, [['Proxy-Authenticate', scheme]], true, o.body);
        socket.off('data', onData);
        return tunnel(socket, hostPort, buffered);
      }
      records.push({ conn, auth: 'other', authorization });
      reply(socket, 407, [['Proxy-Authenticate', scheme]], true, o.body);
    };
    socket.on('data', onData);
  };
  const server = o.tls
    ? tls.createServer({ ...testCa().server, allowHalfOpen: true }, onConnection)
    : net.createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  o.t?.after(close);
  return { port, records, ntHash: nt.toString('hex'), close };
}

function reply(socket: net.Socket, status: number, fields: string[][], close: boolean, body: 'length' | 'chunked' = 'length'): void {
  const page = '<html><body>Proxy Authentication Required</body></html>\n'.repeat(20);
  const framing = body === 'chunked' ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', String(page.length)];
  const encoded = body === 'chunked' ? `${(500).toString(16)};x=y\r\n${page.slice(0, 500)}\r\n${(page.length - 500).toString(16)}\r\n${page.slice(500)}\r\n0\r\nX-Trailer: 1\r\n\r\n` : page;
  const head = [`HTTP/1.1 ${status} Proxy Authentication Required`, ...fields.map(([k, v]) => `${k}: ${v}`), framing.join(': '), `Connection: ${close ? 'close' : 'keep-alive'}`];
  socket.write(`${head.join('\r\n')}\r\n\r\n${encoded}`);
  if (close) socket.end();
}

/** §2.2.1.2, built here by hand: Unicode with target info (NbDomainName, optional MsvAvTimestamp), or OEM without. */
function challengeMessage(challenge: Buffer, o: NtlmProxyOptions): Buffer {
  const unicode = o.unicode ?? true;
  const av = (id: number, value: Buffer) => Buffer.concat([u16(id), u16(value.length), value]);
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  const info = unicode
    ? Buffer.concat([av(2, Buffer.from(o.domain, 'utf16le')), av(1, Buffer.from('PROXY', 'utf16le')), ...(o.timestamp ? [av(7, stamp)] : []), av(0, Buffer.alloc(0))])
    : Buffer.alloc(0);
  const flags = (unicode ? 0x1 | 0x00800000 : 0x2) | 0x200 | 0x8000 | 0x80000;
  const head = Buffer.alloc(48);
  SIG.copy(head, 0);
  head.writeUInt32LE(2, 8);
  head.writeUInt32LE(48, 16); // empty TargetName at the payload
  head.writeUInt32LE(flags >>> 0, 20);
  challenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40);
  head.writeUInt16LE(info.length, 42);
  head.writeUInt32LE(48, 44);
  return Buffer.concat([head, info]);
}

function verify(m: Buffer, p: { type1: Buffer; type2: Buffer; challenge: Buffer }, nt: Buffer, o: NtlmProxyOptions): Omit<NtlmRecord, 'conn'> {
  const field = (i: number) => m.subarray(m.readUInt32LE(16 + i * 8), m.readUInt32LE(16 + i * 8) + m.readUInt16LE(12 + i * 8));
  const unicode = (m.readUInt32LE(60) & 1) !== 0;
  const text = (b: Buffer) => b.toString(unicode ? 'utf16le' : 'latin1');
  const [lm, ntResponse, domain, user] = [field(0), field(1), text(field(2)), text(field(3))];
  const key = hmac(nt, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
  const proof = ntResponse.subarray(0, 16);
  const temp = ntResponse.subarray(16);
  const good = ntResponse.length > 16 + 28 && hmac(key, Buffer.concat([p.challenge, temp])).equals(proof)
    && user.toUpperCase() === o.user.toUpperCase() && domain === o.domain;
  let mic: NtlmRecord['mic'] = 'absent';
  if (o.timestamp) {
    const zeroed = Buffer.from(m);
    zeroed.fill(0, 72, 88);
    const expected = hmac(hmac(key, proof), Buffer.concat([p.type1, p.type2, zeroed]));
    mic = expected.equals(m.subarray(72, 88)) ? 'ok' : 'bad';
  }
  return { auth: good && mic !== 'bad' ? 'ok' : 'bad', user, domain, mic, lmZero: lm.equals(Buffer.alloc(24)), proof: proof.toString('hex') };
}

/** 200, then relay to the requested loopback target (with what the client sent after its head). */
function tunnel(socket: net.Socket, hostPort: string, early: Buffer): void {
  const port = Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
  const upstream = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  upstream.on('error', () => socket.destroy());
  upstream.once('connect', () => {
    socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (early.length > 0) upstream.write(early);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('md5', key).update(data).digest();
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
