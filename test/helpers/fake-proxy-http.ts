/**
 * The fake proxy's HTTP CONNECT side (node:http, or node:https with the test
 * CA), for helpers/fake-proxy.ts: Basic or Digest authentication (RFC 7617,
 * RFC 7616), the behaviour's answer per request, relaying to loopback only.
 * Records every request, its auth verdict, and each TLS handshake's SNI.
 * Its Digest verifier is written independently of src/auth/digest.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { testCa, type KeyPair } from './test-ca.js';
import { answerFor, dialLoopback, listening, relay, type Behaviour, type FakeProxy, type ProxyRequest } from './fake-proxy.js';

export type DigestAlgo = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface ProxyAuth {
  user: string;
  password: string;
  /** Challenges offered, in order, e.g. ['Basic'] (the default) or ['Digest-MD5', 'Digest-SHA-256', 'Basic']. */
  offer?: ('Basic' | `Digest-${DigestAlgo}`)[];
  realm?: string;
  /** Digest without qop (RFC 2069 form). */
  noQop?: boolean;
  /** The first correct Digest answer gets 407 stale=true and a fresh nonce. */
  staleOnce?: boolean;
}

export async function startHttpFake(tls: boolean, b: Behaviour, host: string, keys?: KeyPair): Promise<FakeProxy> {
  const server: Server = tls ? createHttps({ ...(keys ?? testCa().server) }) : createHttp();
  const state = new ProxyState(b);
  const sockets = new Set<Duplex>();
  const servernames: (string | false)[] = [];
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    if (b.before) s.once('data', () => (b.before === 'reset' ? s.resetAndDestroy() : b.before === 'close' ? s.destroy() : undefined));
  });
  server.on('secureConnection', (s: TLSSocket) => servernames.push((s as TLSSocket & { servername: string | false }).servername ?? false));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    void state.handle(req, client, head, sockets);
  });
  server.on('request', (_req, res) => res.writeHead(405).end());
  return listening(server, host, tls ? 'https' : 'http', state.requests, sockets, servernames);
}

class ProxyState {
  requests: ProxyRequest[] = [];
  private nonces = new Set<string>();
  private staleSent = false;

  constructor(private readonly b: Behaviour) {}

  async handle(req: IncomingMessage, client: Duplex, head: Buffer, sockets: Set<Duplex>): Promise<void> {
    client.on('error', () => client.destroy());
    const url = req.url ?? '';
    const at = url.lastIndexOf(':');
    const record: ProxyRequest = {
      index: this.requests.length, host: url.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(url.slice(at + 1)),
      method: req.method ?? '', url, headers: { ...req.headers }, auth: 'none',
    };
    this.requests.push(record);
    const auth = this.b.auth && toProxyAuth(this.b.auth);
    if (auth) {
      record.auth = this.check(auth, req);
      record.scheme = req.headers['proxy-authorization']?.split(' ')[0];
      if (record.auth !== 'ok') return void client.end(this.challenge(auth, record.auth === 'stale'));
    }
    const answer = answerFor(this.b, record);
    if (answer === 'close') return void client.destroy();
    if (answer === 'reset') return void ((client as Socket).resetAndDestroy?.() ?? client.destroy());
    if (answer === 'hang') return;
    if (typeof answer === 'object' && 'refuse' in answer) {
      const status = typeof answer.refuse === 'number' ? `${answer.refuse} Refused` : answer.refuse;
      return void client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    }
    const ok = 'HTTP/1.1 200 Connection established\r\n\r\n';
    if (typeof answer === 'object') {
      client.write(Buffer.concat([Buffer.from(ok), Buffer.from(answer.banner)]));
      client.resume();
      return void client.once('end', () => client.end());
    }
    let upstream: Socket;
    try {
      upstream = await dialLoopback(record.host, record.port, sockets);
    } catch {
      return void client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    }
    client.write(ok);
    relay(client, upstream, head);
  }

  private check(auth: Required<Pick<ProxyAuth, 'offer'>> & ProxyAuth, req: IncomingMessage): ProxyRequest['auth'] {
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

  private challenge(auth: Required<Pick<ProxyAuth, 'offer'>> & ProxyAuth, stale: boolean): string {
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

function toProxyAuth(a: ProxyAuth): Required<Pick<ProxyAuth, 'offer'>> & ProxyAuth {
  return { ...a, offer: a.offer ?? ['Basic'] };
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
