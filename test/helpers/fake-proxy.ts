/**
 * The one fake proxy of the tests (in the manner of Go's
 * x/net/internal/sockstest): a loopback server for any protocol we speak,
 * whose behaviour is switched per case. By default it is a working proxy: it
 * authenticates if told to, then dials the requested port on loopback (never
 * elsewhere: any name or IPv4 becomes 127.0.0.1, an IPv6 target ::1) and
 * relays. Everything asked of it is recorded in `requests`.
 *
 *   const p = await startFakeProxy('socks5', { auth: { user: 'u', password: 'pw' } }, { t });
 *   const p = await startFakeProxy('http', { answer: { refuse: '403 Forbidden' } });
 *   const p = await startFakeProxy('socks4', { answer: (req) => (req.port === 22 ? { banner: 'SSH-2.0-x\r\n' } : 'reset') });
 *   const p = await startFakeProxy('https', { auth: { user, password, offer: ['Digest-SHA-256'] } });
 *
 * Byte-exact conversations (malformed replies, drips, split frames) are
 * scripted peers instead: helpers/peers.ts.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { KeyPair } from './test-ca.js';
import type { Teardown } from './process.js';
import { startHttpFake, type ProxyAuth } from './fake-proxy-http.js';

export type { DigestAlgo, ProxyAuth } from './fake-proxy-http.js';
export { parseParams } from './fake-proxy-http.js';

export type FakeProtocol = 'socks5' | 'socks4' | 'http' | 'https' | 'telnet';

/**
 * What to do with a request once it is read (and authenticated):
 * - 'relay': the success reply, then dial the target on loopback and relay (a
 *   failed dial is the protocol's "cannot connect" reply);
 * - { banner }: the success reply and these bytes in one write, no upstream,
 *   the client's FIN mirrored (an SSH server behind the proxy speaking first);
 * - { refuse }: the protocol's failure reply, then close: a SOCKS5 REP
 *   (RFC 1928 §6), a SOCKS4 CD (91–93), an HTTP status line ('403 Forbidden'),
 *   a telnet line ('Connection refused');
 * - 'close' / 'reset' / 'hang': FIN, RST, or never answer.
 */
export type Answer = 'relay' | { banner: Buffer | string } | { refuse: number | string } | 'close' | 'reset' | 'hang';

export interface Behaviour {
  /** SOCKS5: demand user/password (RFC 1929); HTTP: these credentials, Basic unless `offer` says else. SOCKS4: the user id to demand. */
  auth?: { user: string; password: string } | ProxyAuth;
  /** Per request (default 'relay'). */
  answer?: Answer | ((req: ProxyRequest) => Answer);
  /** Fail before any reply, as soon as the client has sent something. */
  before?: 'close' | 'reset' | 'hang';
  /** telnet: sent when a client connects, before it says anything. */
  prompt?: string;
}

export interface FakeProxyOptions {
  /** Listen address (default 127.0.0.1; '::1' for IPv6 tests). */
  host?: string;
  /** https: the certificate (default: the test CA's 127.0.0.1/localhost one). */
  tls?: KeyPair;
  t?: Teardown;
}

export interface ProxyRequest {
  /** Connection number, from 0. */
  index: number;
  host: string;
  port: number;
  /** SOCKS5/HTTP user sent, SOCKS4 user id. */
  user?: string;
  password?: string;
  /** SOCKS5 methods offered, in order. */
  methods?: number[];
  /** HTTP: request line parts and headers as received; the auth verdict. */
  method?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
  auth?: 'none' | 'ok' | 'bad' | 'stale';
  scheme?: string;
  /** telnet: the command line as received. */
  line?: string;
}

export interface FakeProxy {
  host: string;
  port: number;
  /** `socks5://127.0.0.1:port` and so on (no credentials). */
  url: string;
  requests: ProxyRequest[];
  /** https: the SNI of each TLS handshake, false when none was sent. */
  servernames: (string | false)[];
  close(): Promise<void>;
}

/** What each protocol module gives the shared server. */
export interface Handler {
  (client: Socket, read: Reader, index: number): Promise<void>;
}

export async function startFakeProxy(protocol: FakeProtocol, behaviour: Behaviour = {}, opts: FakeProxyOptions = {}): Promise<FakeProxy> {
  const host = opts.host ?? '127.0.0.1';
  const p = protocol === 'http' || protocol === 'https'
    ? await startHttpFake(protocol === 'https', behaviour, host, opts.tls)
    : await startNetFake(protocol, behaviour, host);
  opts.t?.after(p.close);
  return p;
}

async function startNetFake(protocol: 'socks5' | 'socks4' | 'telnet', b: Behaviour, host: string): Promise<FakeProxy> {
  const requests: ProxyRequest[] = [];
  const sockets = new Set<Duplex>();
  const handler = { socks5: socks5Handler, socks4: socks4Handler, telnet: telnetHandler }[protocol](b, requests, sockets);
  let index = 0;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (protocol === 'telnet' && b.prompt !== undefined) client.write(b.prompt);
    const read = reader(client);
    void (async () => {
      if (b.before && (await read.some())) return fail(client, b.before);
      await handler(client, read, index++);
    })().catch(() => client.destroy());
  });
  return listening(server, host, protocol, requests, sockets);
}

export async function listening(server: Server, host: string, scheme: string, requests: ProxyRequest[], sockets: Set<Duplex>, servernames: (string | false)[] = []): Promise<FakeProxy> {
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { host, port, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`, requests, servernames, close };
}

/** 'close' | 'reset' | 'hang' on a raw client socket. */
export function fail(client: Socket, how: 'close' | 'reset' | 'hang'): void {
  if (how === 'close') client.end();
  else if (how === 'reset') client.resetAndDestroy();
}

export function answerFor(b: Behaviour, req: ProxyRequest): Answer {
  return typeof b.answer === 'function' ? b.answer(req) : b.answer ?? 'relay';
}

/** Loopback only: an IPv6 target is ::1, anything else 127.0.0.1. */
export function dialLoopback(host: string, port: number, sockets: Set<Duplex>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const upstream = connect({ host: host.includes(':') ? '::1' : '127.0.0.1', port, allowHalfOpen: true });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.once('error', reject);
    upstream.once('connect', () => { upstream.off('error', reject); resolve(upstream); });
  });
}

/** Early bytes first, then both ways; an error on one side destroys the other. */
export function relay(client: Duplex, upstream: Socket, early: Buffer): void {
  if (early.length > 0) upstream.write(early);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.pipe(upstream).pipe(client);
}

/** Success reply, then the answer's tail: relay, or a banner with the client's FIN mirrored. */
async function succeed(client: Socket, read: Reader, answer: Answer, req: ProxyRequest, reply: Buffer, sockets: Set<Duplex>, unreachable: Buffer): Promise<void> {
  if (typeof answer === 'object' && 'banner' in answer) {
    client.write(Buffer.concat([reply, Buffer.from(answer.banner)]));
    read.rest();
    client.resume();
    client.once('end', () => client.end());
    return;
  }
  let upstream: Socket;
  try {
    upstream = await dialLoopback(req.host, req.port, sockets);
  } catch {
    return void client.end(unreachable);
  }
  client.write(reply);
  relay(client, upstream, read.rest());
}

/** Returns true when the answer was a failure that has been carried out. */
function failed(client: Socket, answer: Answer, refusal: (r: number | string) => Buffer): boolean {
  if (answer === 'close' || answer === 'reset' || answer === 'hang') { fail(client, answer); return true; }
  if (typeof answer === 'object' && 'refuse' in answer) { client.end(refusal(answer.refuse)); return true; }
  return false;
}

// ------------------------------------------------------------------ SOCKS5

function socks5Handler(b: Behaviour, requests: ProxyRequest[], sockets: Set<Duplex>): Handler {
  const auth = b.auth;
  return async (client, read, index) => {
    const [, nMethods] = await read(2);
    const methods = [...(await read(nMethods!))];
    const req: ProxyRequest = { index, host: '', port: 0, methods };
    requests.push(req);
    const want = auth ? 2 : 0;
    if (!methods.includes(want)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, want]));
    if (auth) {
      const [, ulen] = await read(2);
      req.user = (await read(ulen!)).toString();
      const [plen] = await read(1);
      req.password = (await read(plen!)).toString();
      const ok = req.user === auth.user && req.password === auth.password;
      client.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) return void client.end();
    }
    const [, cmd, , atyp] = await read(4);
    req.host = await socks5Address(read, atyp!);
    req.port = (await read(2)).readUInt16BE(0);
    const reply = (rep: number) => Buffer.from([5, rep, 0, 1, 127, 0, 0, 1, 0, 0]);
    if (cmd !== 1) return void client.end(reply(7));
    const answer = answerFor(b, req);
    if (failed(client, answer, (r) => reply(Number(r)))) return;
    await succeed(client, read, answer, req, reply(0), sockets, reply(5));
  };
}

async function socks5Address(read: Reader, atyp: number): Promise<string> {
  if (atyp === 1) return [...(await read(4))].join('.');
  if (atyp === 3) return (await read((await read(1))[0]!)).toString();
  const b = await read(16);
  return Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
}

// ------------------------------------------------------------------ SOCKS4

function socks4Handler(b: Behaviour, requests: ProxyRequest[], sockets: Set<Duplex>): Handler {
  return async (client, read, index) => {
    const head = await read(8);
    const port = head.readUInt16BE(2);
    const ip = [...head.subarray(4, 8)];
    const user = (await read.until(0)).subarray(0, -1).toString();
    const is4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
    const host = is4a ? (await read.until(0)).subarray(0, -1).toString() : ip.join('.');
    const req: ProxyRequest = { index, host, port, user };
    requests.push(req);
    const reply = (cd: number) => Buffer.from([0, cd, head[2]!, head[3]!, 127, 0, 0, 1]);
    if (head[1] !== 1 || (b.auth && user !== b.auth.user)) return void client.end(reply(head[1] !== 1 ? 91 : 93));
    const answer = answerFor(b, req);
    if (failed(client, answer, (r) => reply(Number(r)))) return;
    await succeed(client, read, answer, req, reply(90), sockets, reply(91));
  };
}

// ------------------------------------------------------------------ telnet

/** The command line names host and port (`telnet %h %p`, `connect %h %p`); the reply is a line. */
function telnetHandler(b: Behaviour, requests: ProxyRequest[], sockets: Set<Duplex>): Handler {
  return async (client, read, index) => {
    const line = (await read.until(0x0a)).toString().trim();
    const [, host = '', port = '0'] = /(\S+)\s+(\d+)\s*$/.exec(line) ?? [];
    const req: ProxyRequest = { index, host: host.replace(/^\[|\]$/g, ''), port: Number(port), line };
    requests.push(req);
    const answer = answerFor(b, req);
    if (failed(client, answer, (r) => Buffer.from(`${typeof r === 'number' ? 'Connection refused' : r}\r\n`))) return;
    await succeed(client, read, answer, req, Buffer.from(`Connected to ${host}.\r\n`), sockets, Buffer.from('Unable to connect: Connection refused\r\n'));
  };
}

// ------------------------------------------------------------ exact reader

export type Reader = ((n: number) => Promise<Buffer>) & {
  /** Through the first `byte`, inclusive. */
  until(byte: number): Promise<Buffer>;
  /** True once anything has arrived; false if the client closed first. */
  some(): Promise<boolean>;
  /** Stop reading; what was buffered beyond the handshake. */
  rest(): Buffer;
};

function reader(socket: Socket): Reader {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let closed = false;
  const onData = (chunk: Buffer) => { buffered = Buffer.concat([buffered, chunk]); waiting?.(); };
  const onClose = () => { closed = true; waiting?.(); };
  socket.on('data', onData);
  socket.once('end', onClose);
  socket.once('close', onClose);
  const more = async () => {
    if (closed) throw new Error('closed');
    await new Promise<void>((resolve) => { waiting = resolve; });
    waiting = undefined;
  };
  const take = (n: number) => { const out = buffered.subarray(0, n); buffered = buffered.subarray(n); return out; };
  const read = async (n: number): Promise<Buffer> => {
    while (buffered.length < n) await more();
    return take(n);
  };
  const until = async (byte: number): Promise<Buffer> => {
    for (;;) {
      const at = buffered.indexOf(byte);
      if (at >= 0) return take(at + 1);
      await more();
    }
  };
  const some = async (): Promise<boolean> => {
    try { while (buffered.length === 0) await more(); return true; } catch { return false; }
  };
  const rest = () => { socket.off('data', onData); return take(buffered.length); };
  return Object.assign(read, { until, some, rest });
}
