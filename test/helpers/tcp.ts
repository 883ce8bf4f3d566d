// Streaming data helpers: deterministic (seeded) pseudo-random data of any
// size and SHA-256 of streams, so tests can checksum 20 MB / 64 MB transfers
// without holding them in memory; plus a target server that hashes.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import type { Teardown } from './process.js';

const CHUNK = 64 * 1024;

/** Fills `buf` from a mulberry32 state; returns the next state. */
function fill(buf: Buffer, state: number): number {
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  let s = state >>> 0;
  for (let i = 0; i < words.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    words[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return s;
}

/** Deterministic chunks of `bytes` bytes total for `seed` (the same seed gives the same bytes). */
export function* randomChunks(bytes: number, seed = 1, chunkSize = CHUNK): Generator<Buffer> {
  let state = seed;
  for (let left = bytes; left > 0; left -= chunkSize) {
    const buf = Buffer.allocUnsafe(Math.ceil(chunkSize / 4) * 4);
    state = fill(buf, state);
    yield buf.subarray(0, Math.min(chunkSize, left));
  }
}

/** Readable of `bytes` deterministic bytes (backpressure-friendly). */
export function randomStream(bytes: number, seed = 1): Readable {
  return Readable.from(randomChunks(bytes, seed), { objectMode: false });
}

/** SHA-256 (hex) of what randomStream(bytes, seed) yields, computed without I/O. */
export function expectedSha256(bytes: number, seed = 1): string {
  const h = createHash('sha256');
  for (const c of randomChunks(bytes, seed)) h.update(c);
  return h.digest('hex');
}

/**
 * SHA-256 (hex) and byte count of everything a stream yields until it ends.
 * Uses events, not `for await`: the async iterator destroys the stream at
 * EOF, which would cut off a socket that still has bytes to send.
 */
export function sha256(stream: NodeJS.ReadableStream): Promise<{ hex: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += b.length;
      h.update(b);
    });
    stream.once('end', () => resolve({ hex: h.digest('hex'), bytes }));
    stream.once('error', reject);
    stream.resume(); // a 'data' listener alone does not restart an explicitly paused stream
  });
}

export interface HashResult { hex: string; bytes: number }

export interface HashServer {
  host: string;
  port: number;
  /** One promise per accepted connection: SHA-256 of what the client sent until its FIN. */
  results: Array<Promise<HashResult>>;
  close(): Promise<void>;
}

/**
 * Target that hashes everything each client sends and, if `send` is given,
 * streams that many deterministic bytes (seed) back, then ends its side
 * once both directions are done.
 */
export async function startHashServer(
  opts: { send?: { bytes: number; seed?: number }; banner?: string; t?: Teardown } = {},
): Promise<HashServer> {
  const results: Array<Promise<HashResult>> = [];
  const { port, close } = await listenTracked((s) => {
    const got = sha256(s);
    results.push(got);
    void serve(s, got, opts);
  });
  opts.t?.after(close);
  return { host: '127.0.0.1', port, results, close };
}

async function serve(s: net.Socket, got: Promise<HashResult>, opts: { send?: { bytes: number; seed?: number }; banner?: string }): Promise<void> {
  try {
    if (opts.banner) s.write(opts.banner);
    if (opts.send) {
      for (const c of randomChunks(opts.send.bytes, opts.send.seed ?? 1)) {
        if (!s.write(c)) await drainOrClose(s);
        if (s.destroyed) return;
      }
    }
    await got;
    s.end();
  } catch { s.destroy(); }
}

function drainOrClose(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { s.off('drain', done); s.off('close', done); resolve(); };
    s.on('drain', done);
    s.on('close', done);
  });
}

/** A loopback target (half-open allowed) running `onClient` for each connection; closed, with its clients, after the test. */
export async function startTarget(t: Teardown, onClient: (s: net.Socket) => void): Promise<number> {
  const { port, close } = await listenTracked(onClient);
  t.after(close);
  return port;
}

/** A server on 127.0.0.1:0 (half-open allowed, socket errors ignored) whose close() destroys its open sockets, then stops listening. */
async function listenTracked(onClient: (s: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => {});
    onClient(s);
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }));
  return { port: (server.address() as net.AddressInfo).port, close };
}
