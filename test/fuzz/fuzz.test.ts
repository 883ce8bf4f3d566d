// Seeded fuzzing of every proxy protocol's negotiation (SECURITY.md): valid
// proxy replies, mutated (truncated and closed or reset at every offset,
// flipped, inserted, deleted, flooded, dripped, never finished), must end in
// success with the tunnel's first bytes intact or in a one-line ConnectError,
// within the deadline, without an unhandled rejection or uncaught exception.
//
// FUZZ_CASES (default 40) random cases per flow on top of the exhaustive
// close/reset-at-every-offset cases; FUZZ_SEED (default 1) picks the cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ConnectError } from '../../src/errors.js';
import type { ProxyServer } from '../../src/config/types.js';
import type { Negotiate, NegotiateContext } from '../../src/protocols/types.js';
import { FLOWS, type Flow, type Kind } from './corpus.js';
import { baseline, cutAt, mutate, MUTATIONS, type Case } from './mutate.js';
import { runCase, violations } from './harness.js';
import { Prng } from './prng.js';

const CASES = Number(process.env.FUZZ_CASES ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const PARALLEL = 16;

const stray: string[] = [];
process.on('unhandledRejection', (err) => stray.push(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));
process.on('uncaughtException', (err) => stray.push(`uncaught exception: ${err.stack ?? String(err)}`));

async function load(kind: Kind): Promise<Negotiate> {
  return (await import(`../../src/protocols/${kind}.js`) as { negotiate: Negotiate }).negotiate;
}

export function casesFor(flow: Flow, count: number, seed: number): Case[] {
  const cases: Case[] = [baseline(flow)];
  flow.connections.forEach((segments, conn) => {
    const n = segments.reduce((sum, s) => sum + s.bytes.length, 0);
    for (let k = 0; k < n; k++) cases.push(cutAt(flow, conn, k, 'close'));
    for (let k = 0; k < n; k += 3) cases.push(cutAt(flow, conn, k, 'reset'));
  });
  const rng = new Prng(seed);
  for (let i = 0; i < count; i++) cases.push(mutate(flow, rng, MUTATIONS[i % MUTATIONS.length]!));
  return cases;
}

async function runAll(cases: Case[], negotiate: Negotiate): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const problems = violations(c, await runCase(c, negotiate));
      if (problems.length > 0) failures.push(`${c.id}: ${problems.join('; ')}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return failures;
}

for (const flow of FLOWS) {
  test(`fuzz ${flow.name}`, { timeout: 120_000 }, async (t) => {
    const negotiate = await load(flow.kind);
    const base = await runCase(baseline(flow), negotiate);
    assert.ok(base.ok, `the unmutated ${flow.name} exchange must succeed: ${String(base.error)}`);
    const seed = SEED * 1000 + FLOWS.indexOf(flow);
    const cases = casesFor(flow, CASES, seed);
    const failures = await runAll(cases, negotiate);
    await new Promise((r) => setTimeout(r, 20)); // let stray rejections surface
    t.diagnostic(`${cases.length} cases, seed ${seed}`);
    assert.deepEqual(stray.splice(0), [], 'no unhandled rejection or uncaught exception');
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${cases.length} cases failed (seed ${seed})`);
  });
}

/**
 * Memory bounded by construction: a proxy whose reply never ends (one endless
 * HTTP header line, one endless telnet line) is refused at the protocol's
 * limit, and the client stops reading. Offered 64 MiB, the server gets rid of
 * at most the limit plus what the kernel's socket buffers hold (a few MB on
 * loopback); a client that kept reading would take all 64 MiB.
 */
const OFFERED = 64 << 20;
const ENDLESS: Record<'http' | 'telnet', { prefix: string; proxy: Partial<ProxyServer> }> = {
  http: { prefix: 'HTTP/1.0 200 OK\r\nX-Flood: ', proxy: {} },
  telnet: { prefix: '', proxy: { telnetCommand: 'telnet %h %p' } },
};

async function endlessProxy(prefix: string): Promise<{ port: number; written: Promise<number>; close(): void }> {
  let done!: (n: number) => void;
  const written = new Promise<number>((r) => { done = r; });
  const server = net.createServer((socket) => {
    let total = 0;
    const chunk = Buffer.alloc(64 << 10, 'y');
    socket.on('error', () => {});
    socket.once('close', () => done(total));
    const pump = () => {
      while (total < OFFERED && !socket.destroyed) {
        total += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    socket.once('data', () => { socket.write(prefix); pump(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, written, close: () => server.close() };
}

for (const kind of ['http', 'telnet'] as const) {
  test(`fuzz: an endless ${kind} reply is refused at the limit; the client stops reading`, async () => {
    const peer = await endlessProxy(ENDLESS[kind].prefix);
    const socket = net.connect({ port: peer.port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    const proxy = { kind, host: '127.0.0.1', port: peer.port, resolve: 'remote', user: 'fuzzuser', ...ENDLESS[kind].proxy } as ProxyServer;
    const ctx: NegotiateContext = {
      proxy, target: { host: 'target.example', port: 22 },
      resolveLocal: async () => '127.0.0.1', getPassword: async () => 'x', reconnect: async () => { throw new Error('no reconnect'); },
    };
    try {
      await assert.rejects((await load(kind))(socket, ctx), (e: unknown) => e instanceof ConnectError && e.code === 'PROXY_PROTOCOL');
    } finally {
      socket.destroy();
    }
    const written = await peer.written;
    peer.close();
    assert.ok(written < OFFERED / 2, `the client took ${written} of ${OFFERED} bytes`);
  });
}
