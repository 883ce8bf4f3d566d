// Runs one fuzz case in-process: a loopback server plays the case's plans
// (one per accepted connection), the protocol's real `negotiate` talks to it
// over a TCP socket, aborting like open.ts does when the deadline passes.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectError } from '../../src/errors.js';
import type { ProxyServer } from '../../src/config/types.js';
import type { Negotiate, NegotiateContext } from '../../src/protocols/types.js';
import type { Case, Plan } from './mutate.js';

export interface Outcome {
  ok: boolean;
  early?: Buffer;
  error?: unknown;
  elapsedMs: number;
  /** Bytes each connection's server side sent, in order. */
  sent: Buffer[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function play(socket: net.Socket, plan: Plan, sent: Buffer[]): Promise<void> {
  let got = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => { got += d.length; wake?.(); });
  socket.on('error', () => {});
  socket.on('close', () => wake?.());
  let seen = 0;
  const mine: Buffer[] = [];
  sent.push(Buffer.alloc(0));
  const idx = sent.length - 1;
  // The first chunk of a connection always waits for the client's first
  // message (so a cut at offset 0 happens after the connection is up).
  const chunks = plan.chunks.length > 0 ? plan.chunks : [{ bytes: Buffer.alloc(0), wait: true, delayMs: 0 }];
  for (const chunk of chunks) {
    // Wait (bounded) for the client's next message before answering it.
    for (let i = 0; (chunk.wait || plan.chunks.length === 0) && got === seen && i < 200 && !socket.destroyed; i++) {
      await Promise.race([new Promise<void>((r) => { wake = r; }), sleep(10)]);
    }
    seen = got;
    if (chunk.delayMs) await sleep(chunk.delayMs);
    if (socket.destroyed) return;
    if (chunk.bytes.length > 0) socket.write(chunk.bytes);
    mine.push(chunk.bytes);
    sent[idx] = Buffer.concat(mine);
  }
  if (plan.end === 'close') socket.end();
  else if (plan.end === 'reset') socket.resetAndDestroy();
  // 'hang': leave it open; the server's close() destroys it.
}

export async function startCaseServer(c: Case): Promise<{ port: number; sent: Buffer[]; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const sent: Buffer[] = [];
  let index = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const plan = c.plans[index++];
    if (!plan) return void socket.destroy();
    void play(socket, plan, sent);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const close = () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return { port, sent, close };
}

/** As src/transport/tcp.ts: a failed connection is a ConnectError('CONNECT'). */
function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const fail = (err: Error) => reject(new ConnectError('CONNECT', `cannot connect to proxy: ${err.message}`));
    s.once('connect', () => { s.off('error', fail); resolve(s); });
    s.once('error', fail);
  });
}

/** Everything the tunnel yields until it ends (bounded by time and size). */
function readEarly(stream: Duplex, ms: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => { clearTimeout(timer); stream.destroy(); resolve(Buffer.concat(parts)); };
    const timer = setTimeout(done, ms);
    stream.on('data', (d: Buffer) => { parts.push(d); size += d.length; if (size > 1 << 20) done(); });
    stream.once('end', done);
    stream.once('error', done);
    stream.once('close', done);
  });
}

export async function runCase(c: Case, negotiate: Negotiate): Promise<Outcome> {
  const server = await startCaseServer(c);
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ConnectError('TIMEOUT', `timed out after ${c.deadlineMs} ms`)), c.deadlineMs);
  const streams: Duplex[] = [];
  const open = async () => { const s = await connect(server.port); streams.push(s); return s; };
  // As open.ts: destroying the stream is how a deadline reaches a negotiation.
  controller.signal.addEventListener('abort', () => { for (const s of streams) s.destroy(controller.signal.reason as Error); });
  try {
    const proxy = { kind: c.flow.kind, host: '127.0.0.1', port: server.port, resolve: 'remote', user: 'fuzzuser', ...c.flow.proxy } as ProxyServer;
    const ctx: NegotiateContext = {
      proxy,
      target: { host: 'target.example', port: 22 },
      resolveLocal: async () => '127.0.0.1',
      getPassword: async () => 'fuzz-secret',
      reconnect: open,
      signal: controller.signal,
    };
    const tunnel = await negotiate(await open(), ctx);
    clearTimeout(timer);
    const early = await readEarly(tunnel, 500);
    return { ok: true, early, elapsedMs: performance.now() - started, sent: server.sent };
  } catch (error) {
    return { ok: false, error, elapsedMs: performance.now() - started, sent: server.sent };
  } finally {
    clearTimeout(timer);
    for (const s of streams) s.destroy();
    await server.close();
  }
}

/** Every way the outcome breaks the rules; empty when it holds. */
export function violations(c: Case, o: Outcome): string[] {
  const out: string[] = [];
  // Settling may take the deadline plus the time to tear down; never much more.
  if (o.elapsedMs > c.deadlineMs + 1000) out.push(`took ${Math.round(o.elapsedMs)} ms (deadline ${c.deadlineMs} ms)`);
  if (o.ok) {
    if (c.mustFail) out.push('negotiation succeeded but must fail');
    if (c.expectEarly && !o.early!.equals(c.expectEarly)) {
      out.push(`early bytes ${JSON.stringify(o.early!.toString('latin1'))} != ${JSON.stringify(c.expectEarly.toString('latin1'))}`);
    }
    const lastSent = o.sent[o.sent.length - 1] ?? Buffer.alloc(0);
    if (!c.expectEarly && c.plans[o.sent.length - 1]?.end === 'close' && !endsWith(lastSent, o.early!)) {
      out.push(`early bytes ${JSON.stringify(o.early!.toString('latin1'))} are not the tail of what the proxy sent`);
    }
    return out;
  }
  if (c.expectEarly) out.push(`negotiation failed but must succeed: ${String(o.error)}`);
  if (!(o.error instanceof ConnectError)) out.push(`not a ConnectError: ${(o.error as Error)?.stack ?? String(o.error)}`);
  const message = (o.error as Error)?.message ?? '';
  if (message === '' || /[\r\n]/.test(message)) out.push(`error message is not one line: ${JSON.stringify(message)}`);
  if (message.length > 400) out.push(`error message is ${message.length} characters long`);
  return out;
}

function endsWith(all: Buffer, tail: Buffer): boolean {
  return tail.length <= all.length && all.subarray(all.length - tail.length).equals(tail);
}
