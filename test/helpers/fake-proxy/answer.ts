/** Carrying out a behaviour's answer: the protocol-neutral part every handler shares. */
import { connect, type Socket } from 'node:net';
import type { Reader } from './reader.js';
import type { Clients } from './server.js';
import type { Answer, ProtocolBehaviour, ProxyRequest } from './types.js';

/** What a protocol handler is given. */
export interface HandlerContext {
  b: ProtocolBehaviour;
  requests: ProxyRequest[];
  clients: Clients;
}

/** Speaks one protocol on one client connection (number `index`). */
export type Handler = (client: Socket, read: Reader, index: number) => Promise<void>;

/** The protocol's replies, as bytes. */
export interface Replies {
  ok: Buffer;
  /** The target could not be dialled. */
  unreachable: Buffer;
  refusal(r: number | string): Buffer;
}

/** 'close' (FIN) | 'reset' (RST; TLS: destroyed) | 'hang' (nothing) on a client socket. */
export function fail(client: Socket, how: 'close' | 'reset' | 'hang'): void {
  if (how === 'close') client.end();
  else if (how === 'reset') resetOrDestroy(client);
}

function resetOrDestroy(client: Socket): void {
  try {
    client.resetAndDestroy();
  } catch {
    client.destroy(); // a TLS socket's handle cannot send a RST
  }
}

function answerFor(b: ProtocolBehaviour, req: ProxyRequest): Answer {
  return typeof b.answer === 'function' ? b.answer(req) : b.answer ?? 'relay';
}

/** Loopback only: an IPv6 target is ::1, anything else 127.0.0.1. */
function dialLoopback(host: string, port: number, clients: Clients): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const upstream = connect({ host: host.includes(':') ? '::1' : '127.0.0.1', port, allowHalfOpen: true });
    clients.track(upstream);
    upstream.once('error', reject);
    upstream.once('connect', () => { upstream.off('error', reject); resolve(upstream); });
  });
}

/** Early bytes first, then both ways; an error on one side destroys the other (or, `passReset`, resets the client). */
function relay(client: Socket, upstream: Socket, early: Buffer, passReset = false): void {
  if (early.length > 0) upstream.write(early);
  upstream.on('error', () => (passReset ? resetOrDestroy(client) : client.destroy()));
  client.on('error', () => upstream.destroy());
  client.pipe(upstream).pipe(client);
}

/** The answer for `req`, carried out with the protocol's replies; `rest` stops the handshake's reads and returns what came early. */
export async function carryOut(ctx: HandlerContext, client: Socket, rest: () => Buffer, req: ProxyRequest, replies: Replies): Promise<void> {
  const { b } = ctx;
  const answer = answerFor(b, req);
  if (answer === 'close' || answer === 'reset' || answer === 'hang') return fail(client, answer);
  if (typeof answer === 'object' && 'refuse' in answer) {
    await send(client, replies.refusal(answer.refuse), b.drip);
    return void client.end();
  }
  if (typeof answer === 'object' || b.after) {
    const banner = typeof answer === 'object' ? Buffer.from(answer.banner) : Buffer.alloc(0);
    return noTunnel(client, rest, Buffer.concat([replies.ok, banner]), b);
  }
  const upstream = await dialLoopback(req.host, req.port, ctx.clients).catch(() => undefined);
  if (!upstream) return void client.end(replies.unreachable);
  await send(client, replies.ok, b.drip);
  relay(client, upstream, rest(), b.passReset);
}

/** The success reply (and banner), then `after`'s FIN or RST, or else the client's FIN mirrored (it may come during a drip). */
async function noTunnel(client: Socket, rest: () => Buffer, reply: Buffer, b: ProtocolBehaviour): Promise<void> {
  rest();
  client.resume();
  const clientEnded = new Promise((resolve) => client.once('end', resolve));
  await send(client, reply, b.drip);
  if (b.after) return fail(client, b.after);
  await clientEnded;
  client.end();
}

/** In one write, or one byte per `dripMs`. */
async function send(client: Socket, bytes: Buffer, dripMs: number | undefined): Promise<void> {
  if (!dripMs) return void client.write(bytes);
  for (let i = 0; i < bytes.length && !client.destroyed; i++) {
    client.write(bytes.subarray(i, i + 1));
    if (i < bytes.length - 1) await new Promise((r) => setTimeout(r, dripMs));
  }
}
