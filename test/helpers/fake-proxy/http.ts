/**
 * The fake proxy's HTTP CONNECT side (node:http, or node:https with the test
 * CA): Basic or Digest authentication (http-auth.ts), the behaviour's answer
 * per request, relaying to loopback only. Records every byte received (inside
 * TLS for https), every request with its auth verdict, each handshake's SNI.
 */
import { createServer as createHttp, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { testCa, type KeyPair } from '../test-ca.js';
import { carryOut, fail, type HandlerContext } from './answer.js';
import { Authority } from './http-auth.js';
import { listen, proxyUrl, type Clients } from './server.js';
import type { FakeProxy, ProtocolBehaviour, ProxyRequest } from './types.js';

const REPLIES = {
  ok: Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'),
  unreachable: Buffer.from('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'),
  refusal: (r: number | string) => Buffer.from(`HTTP/1.1 ${typeof r === 'number' ? `${r} Refused` : r}\r\nContent-Length: 0\r\n\r\n`),
};

export async function startHttpFake(tls: boolean, b: ProtocolBehaviour, host: string, clients: Clients, keys?: KeyPair): Promise<FakeProxy> {
  const server: Server = tls ? createHttps({ ...(keys ?? testCa().server) }) : createHttp();
  const ctx: HandlerContext = { b, requests: [], clients };
  const authority = b.auth && new Authority(b.auth);
  const servernames: (string | false)[] = [];
  server.on('connection', (s: Socket) => {
    if (tls) clients.track(s);
    else clients.accept(s);
  });
  server.on('secureConnection', (s: TLSSocket) => {
    clients.accept(s);
    servernames.push((s as TLSSocket & { servername: string | false }).servername ?? false);
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    clients.track(client);
    if (b.before) return fail(client as Socket, b.before); // the request has arrived: nothing read, no reply
    void handle(ctx, authority, req, client as Socket, head);
  });
  server.on('request', (_req, res) => res.writeHead(405).end());
  const peer = await listen(server, host, clients);
  return { ...peer, url: proxyUrl(tls ? 'https' : 'http', host, peer.port), requests: ctx.requests, servernames };
}

async function handle(ctx: HandlerContext, authority: Authority | undefined, req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
  client.on('error', () => client.destroy());
  const url = req.url ?? '';
  const at = url.lastIndexOf(':');
  const record: ProxyRequest = {
    index: ctx.requests.length, host: url.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(url.slice(at + 1)),
    method: req.method ?? '', url, headers: { ...req.headers }, auth: 'none',
  };
  ctx.requests.push(record);
  if (authority) {
    record.auth = authority.check(req);
    record.scheme = req.headers['proxy-authorization']?.split(' ')[0];
    if (record.auth !== 'ok') return void client.end(authority.challenge(record.auth === 'stale'));
  }
  await carryOut(ctx, client, () => head, record, REPLIES);
}
