/**
 * A loopback HTTP CONNECT proxy for tests (node:http, or node:https with
 * the test CA), with optional Basic / Digest authentication and failure
 * switches. It dials every target on 127.0.0.1 (never elsewhere) and relays.
 * Everything it saw is recorded: requests, auth verdicts, TLS SNI.
 * Its Digest verifier is written independently of src/auth/digest.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttp, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { testCa, type KeyPair } from './test-ca.js';

export type DigestAlgo = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface ProxyAuth {
  user: string;
  password: string;
  /** Challenges offered, in order, e.g. ['Basic'] or ['Digest-MD5', 'Digest-SHA-256', 'Basic']. */
  offer: ('Basic' | `Digest-${DigestAlgo}`)[];
  realm?: string;
  /** Digest without qop (RFC 2069 form). */
  noQop?: boolean;
  /** The first correct Digest answer gets 407 stale=true and a fresh nonce. */
  staleOnce?: boolean;
}

export interface HttpsProxyOptions {
  /** Serve TLS: true uses the test CA's 127.0.0.1/localhost certificate. */
  tls?: boolean | KeyPair;
  auth?: ProxyAuth;
  /** Failure switch: answer every CONNECT with this status line (e.g. '403 Forbidden'). */
  status?: string;
  /** Failure switch: close the connection instead of answering. */
  hangUp?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** 'none' (no credentials sent), 'ok', 'bad', 'stale'. */
  auth: 'none' | 'ok' | 'bad' | 'stale';
  /** The scheme of the Proxy-Authorization sent, if any. */
  scheme?: string;
}

export interface HttpsProxy {
  port: number;
  url: string;
  requests: RecordedRequest[];
  /** One entry per TLS handshake: the SNI name, or false when none was sent. */
  servernames: (string | false)[];
  close(): Promise<void>;
}

export async function startHttpsProxy(opts: HttpsProxyOptions = {}): Promise<HttpsProxy> {
  const keys = opts.tls === true ? testCa().server : opts.tls || undefined;
  const server: Server = keys ? createHttps({ ...keys }) : createHttp();
  const state = new ProxyState(opts);
  const sockets = new Set<Duplex>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  server.on('secureConnection', (s: TLSSocket) => state.servernames.push((s as TLSSocket & { servername: string | false }).servername ?? false));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    state.handle(req, client, head, sockets);
  });
  server.on('request', (_req, res) => res.writeHead(405).end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `${keys ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests: state.requests,
    servernames: state.servernames,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

class ProxyState {
  requests: RecordedRequest[] = [];
  servernames: (string | false)[] = [];
  private nonces = new Set<string>();
  private staleSent = false;

  constructor(private readonly opts: HttpsProxyOptions) {}

  handle(req: IncomingMessage, client: Duplex, head: Buffer, sockets: Set<Duplex>): void {
    client.on('error', () => client.destroy());
    const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, auth: 'none' };
    this.requests.push(record);
    if (this.opts.hangUp) return void client.destroy();
    if (this.opts.status) return void client.end(`HTTP/1.1 ${this.opts.status}\r\nContent-Length: 0\r\n\r\n`);
    const auth = this.opts.auth;
    if (auth) {
      record.auth = this.check(auth, req);
      record.scheme = req.headers['proxy-authorization']?.split(' ')[0];
      if (record.auth !== 'ok') return void client.end(this.challenge(auth, record.auth === 'stale'));
    }
    relay(record.url, client, head, sockets);
  }

  private check(auth: ProxyAuth, req: IncomingMessage): RecordedRequest['auth'] {
    const value = req.headers['proxy-authorization'];
    if (!value) return 'none';
    const [scheme = '', rest = ''] = splitOnce(value, ' ');
    if (scheme.toLowerCase() === 'basic' && auth.offer.includes('Basic')) {
      return Buffer.from(rest, 'base64').toString() === `${auth.user}:${auth.password}` ? 'ok' : 'bad';
    }
    if (scheme.toLowerCase() !== 'digest') return 'bad';
    const p = parseParams(rest);
    const algo = (p.algorithm ?? 'MD5') as DigestAlgo;
    if (!auth.offer.includes(`Digest-${algo}`) || !p.nonce || !this.nonces.has(p.nonce)) return 'bad';
    if (p.uri !== req.url || p.username !== auth.user || p.realm !== realmOf(auth)) return 'bad';
    if (p.response !== expectedResponse(auth, algo, p, req.method ?? '')) return 'bad';
    if (auth.staleOnce && !this.staleSent) {
      this.staleSent = true;
      this.nonces.delete(p.nonce);
      return 'stale';
    }
    return 'ok';
  }

  private challenge(auth: ProxyAuth, stale: boolean): string {
    const lines = auth.offer.map((o) => {
      if (o === 'Basic') return `Proxy-Authenticate: Basic realm="${realmOf(auth)}"`;
      const nonce = randomBytes(12).toString('base64');
      this.nonces.add(nonce);
      const qop = auth.noQop ? '' : ', qop="auth"';
      return `Proxy-Authenticate: Digest realm="${realmOf(auth)}", nonce="${nonce}", algorithm=${o.slice(7)}${qop}, opaque="op-${o.slice(7)}"${stale ? ', stale=true' : ''}`;
    });
    return `HTTP/1.1 407 Proxy Authentication Required\r\n${lines.join('\r\n')}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
  }
}

function relay(url: string, client: Duplex, head: Buffer, sockets: Set<Duplex>): void {
  const port = Number(/:(\d+)$/.exec(url)?.[1]);
  const upstream = connect({ host: '127.0.0.1', port });
  sockets.add(upstream);
  upstream.once('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  upstream.once('connect', () => {
    upstream.removeAllListeners('error');
    upstream.on('error', () => client.destroy());
    client.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream).pipe(client);
  });
  upstream.once('close', () => sockets.delete(upstream));
}

function realmOf(auth: ProxyAuth): string {
  return auth.realm ?? 'test proxy';
}

/** RFC 7616 §3.4.1, computed here from scratch. */
function expectedResponse(auth: ProxyAuth, algo: DigestAlgo, p: Record<string, string>, method: string): string {
  const H = (s: string) => createHash(algo.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');
  let a1 = H([auth.user, realmOf(auth), auth.password].join(':'));
  if (algo.endsWith('-sess')) a1 = H([a1, p.nonce, p.cnonce].join(':'));
  const a2 = H([method, p.uri].join(':'));
  if (auth.noQop) return p.qop === undefined ? H([a1, p.nonce, a2].join(':')) : 'qop-not-offered';
  if (p.qop !== 'auth' || !/^[0-9a-f]{8}$/.test(p.nc ?? '')) return 'bad-qop-or-nc';
  return H([a1, p.nonce, p.nc, p.cnonce, p.qop, a2].join(':'));
}

/** `a="x", b=y` → {a: 'x', b: 'y'} (quoted-pair unescaped). */
export function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return out;
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + sep.length).trim()];
}
