// -P memory: serving clients one after another must not keep anything per
// client. Measured in this process (serveLocal with its own stdin), heap
// after a full GC, between two points: after N clients and after 10 N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { serveLocal } from '../../src/cli/listen.js';
import { freePort } from '../helpers/ports.js';
import { startTarget } from '../helpers/tcp.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** One client: sends a byte, reads the echo, resets (a FIN would be a half-close that -P waits on). */
function oneClient(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? setTimeout(() => oneClient(port).then(resolve, reject), 20) : reject(err)));
    s.once('data', () => s.resetAndDestroy());
    s.once('close', (hadError) => { if (!hadError || s.readableLength === 0) resolve(); });
    s.write('x');
  });
}

async function clients(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await oneClient(port);
}

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

test('-P: heap stays flat over thousands of successive clients', { timeout: 120_000 }, async (t) => {
  const remotePort = await startTarget(t, (s) => s.on('data', (d: Buffer) => s.write(d)));
  const port = await freePort();
  const stdin = new PassThrough();
  const served = serveLocal(
    { target: { host: '127.0.0.1', port: remotePort }, hops: [], direct: [] },
    { host: '127.0.0.1', port, hold: true },
    stdin,
  );
  const N = 1000;
  await clients(port, N);
  const before = await heapAfterGc();
  await clients(port, 9 * N);
  const after = await heapAfterGc();
  stdin.end();
  assert.equal(await served, 0);
  // A socket (and its closures) kept per client is ~2.7 KB; 512 bytes a
  // client leaves room for what the JIT still compiles after N clients.
  const perClient = (after - before) / (9 * N);
  assert.ok(perClient < 512, `heap grew ${Math.round((after - before) / 1024)} KiB over ${9 * N} clients (${Math.round(perClient)} bytes each)`);
});
