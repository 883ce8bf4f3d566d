// The relay through the real CLI (SECURITY.md "The relay"): every byte both ways, early
// bytes first, stdin EOF half-closes, remote close/reset ends cleanly,
// stdout EPIPE is quiet, and a slow reader on either side keeps memory bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ChildProcess } from 'node:child_process';
import { CLI, spawnConnect, spawnProcess } from '../helpers/run.js';
import { createHash } from 'node:crypto';
import { expectedSha256, randomChunks, randomStream, sha256, startTarget } from '../helpers/tcp.js';
import { socks5Script, startFakeProxy } from '../helpers/fake-proxy.js';

const MB = 1 << 20;

const target = startTarget;

interface Hashed { bytes: number; hex: string }

/** Hashes what the socket sends until its FIN (without destroying it, unlike for-await). */
function hashUntilEnd(s: net.Socket): Promise<Hashed> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    let bytes = 0;
    s.on('data', (d: Buffer) => { bytes += d.length; h.update(d); });
    s.once('end', () => resolve({ bytes, hex: h.digest('hex') }));
  });
}

async function sendSeeded(s: net.Socket, bytes: number, seed: number): Promise<void> {
  for (const c of randomChunks(bytes, seed)) {
    if (s.destroyed) return;
    if (!s.write(c)) await drainedOrClosed(s);
  }
}

/** The one listener left by a wait is removed by the other's firing (a listener per chunk would pile up). */
function drainedOrClosed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { s.off('drain', done); s.off('close', done); resolve(); };
    s.once('drain', done);
    s.once('close', done);
  });
}

/** Target: hashes what the client sends; sends `bytes` seeded bytes; ends once both are done. */
async function hashTarget(t: { after(fn: () => unknown): void }, bytes: number, seed: number): Promise<{ port: number; received: Promise<Hashed> }> {
  let gotIt: (h: Hashed) => void = () => {};
  const received = new Promise<Hashed>((r) => { gotIt = r; });
  const port = await target(t, (s) => {
    const hashed = hashUntilEnd(s);
    void Promise.all([hashed, sendSeeded(s, bytes, seed)]).then(([h]) => { gotIt(h); s.end(); });
  });
  return { port, received };
}

/** Resident set size (kB) of a running process, from /proc. */
function rssKB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitFor(child: ChildProcess, pred: (out: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    let out = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      out = Buffer.concat([out, d]);
      if (pred(out)) { child.stdout!.off('data', onData); resolve(out); }
    };
    child.stdout!.on('data', onData);
  });
}

test('64 MB each way, checksummed, direct', { timeout: 120_000 }, async (t) => {
  const size = 64 * MB;
  const server = await hashTarget(t, size, 7);
  const run = spawnConnect(['127.0.0.1', String(server.port)], { stdin: 'keep-open', stdout: 'stream', timeoutMs: 110_000 });
  const down = sha256(run.child.stdout!);
  await pipeline(randomStream(size, 8), run.child.stdin!);
  const [result, got, sent] = await Promise.all([run.result, down, server.received]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(got.bytes, size);
  assert.equal(got.hex, expectedSha256(size, 7));
  assert.equal(sent!.bytes, size);
  assert.equal(sent!.hex, expectedSha256(size, 8));
});

test('early bytes after the SOCKS5 reply come first, then the relay', { timeout: 30_000 }, async (t) => {
  const banner = 'SSH-2.0-early\r\n';
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner, echo: true }) }, { t });
  const run = spawnConnect(['-S', `127.0.0.1:${peer.port}`, 'target.example', '22'], { stdin: 'keep-open', stdout: 'stream' });
  await waitFor(run.child, (out) => out.length >= banner.length);
  const payload = Buffer.alloc(3 * MB, 'abc');
  const echoed = waitFor(run.child, (out) => out.length >= payload.length);
  run.child.stdin!.end(payload);
  assert.ok((await echoed).equals(payload));
  const result = await run.result;
  assert.equal(result.code, 0, result.stderr);
});

test('stdin EOF half-closes: the remote still answers and all of it is written', { timeout: 30_000 }, async (t) => {
  const answer = Buffer.alloc(2 * MB, 'z');
  const port = await target(t, (s) => {
    let got = 0;
    s.on('data', (d: Buffer) => { got += d.length; });
    s.on('end', () => s.end(Buffer.concat([Buffer.from(`got ${got}\n`), answer])));
  });
  const run = spawnConnect(['127.0.0.1', String(port)], { stdin: Buffer.from('hello'), stdout: 'collect' });
  const result = await run.result;
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.equals(Buffer.concat([Buffer.from('got 5\n'), answer])));
});

test('remote closes: everything it sent is written, exit 0 (stdin still open)', { timeout: 30_000 }, async (t) => {
  const port = await target(t, (s) => s.end(Buffer.alloc(8 * MB, 1)));
  const run = spawnConnect(['127.0.0.1', String(port)], { stdin: 'keep-open', stdout: 'collect' });
  const result = await run.result;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.length, 8 * MB);
});

test('remote resets: what arrived is written, exit 0, no error output', { timeout: 30_000 }, async (t) => {
  const banner = 'SSH-2.0-reset\r\n';
  let reset: () => void = () => {};
  const port = await target(t, (s) => { s.write(banner); reset = () => s.resetAndDestroy(); });
  const run = spawnConnect(['127.0.0.1', String(port)], { stdin: 'keep-open', stdout: 'stream' });
  const out = await waitFor(run.child, (o) => o.length >= banner.length);
  reset();
  const result = await run.result;
  assert.equal(out.toString(), banner);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /Error|at /);
});

test('stdout closed early (EPIPE): quiet exit', { timeout: 30_000 }, async (t) => {
  const port = await target(t, (s) => {
    const chunk = Buffer.alloc(64 * 1024, 2);
    const pump = () => { while (!s.destroyed && s.write(chunk)); };
    s.on('drain', pump);
    pump();
  });
  const run = spawnConnect(['127.0.0.1', String(port)], { stdin: 'keep-open', stdout: 'stream' });
  await waitFor(run.child, (o) => o.length > 0);
  run.child.stdout!.destroy();
  const result = await run.result;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
});

test('stdout reader gone while a write waits in libuv (EPIPE afterwards): quiet exit', { timeout: 30_000 }, async (t) => {
  const port = await target(t, (s) => {
    const chunk = Buffer.alloc(64 * 1024, 3);
    const pump = () => { while (!s.destroyed && s.write(chunk)); };
    s.on('drain', pump);
    s.on('error', () => {});
    pump();
  });
  const run = spawnConnect(['127.0.0.1', String(port)], { stdin: 'keep-open', stdout: 'stream' });
  await waitFor(run.child, (o) => o.length > 0);
  run.child.stdout!.pause();
  await sleep(500); // the pipe fills; the relay's last write is held, its reading stopped
  run.child.stdout!.destroy();
  const result = await run.result;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
});

test('where process.binding is refused (permission model): 8 MB each way, checksummed', { timeout: 60_000 }, async (t) => {
  const size = 8 * MB;
  const server = await hashTarget(t, size, 11);
  const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  const run = spawnProcess(process.execPath, [permission, '--allow-fs-read=*', CLI, '127.0.0.1', String(server.port)], { stdin: 'keep-open', stdout: 'stream', timeoutMs: 55_000 });
  const down = sha256(run.child.stdout!);
  await pipeline(randomStream(size, 12), run.child.stdin!);
  const [result, got, sent] = await Promise.all([run.result, down, server.received]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(got.hex, expectedSha256(size, 11));
  assert.equal(sent!.hex, expectedSha256(size, 12));
});

test('slow stdout reader: memory stays bounded, then every byte arrives', { timeout: 60_000 }, async (t) => {
  const size = 128 * MB;
  const server = await hashTarget(t, size, 9);
  const run = spawnConnect(['127.0.0.1', String(server.port)], { stdin: 'keep-open', stdout: 'stream', timeoutMs: 55_000 });
  run.child.stdout!.pause();
  await sleep(1500); // the server keeps pushing; nobody reads stdout
  const rss = rssKB(run.child.pid!);
  const down = sha256(run.child.stdout!);
  run.child.stdin!.end();
  const [got, result] = await Promise.all([down, run.result]);
  assert.ok(rss < 100 * 1024, `RSS ${rss} kB while stdout was not read`);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(got.hex, expectedSha256(size, 9));
});

test('slow remote reader: memory stays bounded, then every byte arrives', { timeout: 60_000 }, async (t) => {
  const size = 128 * MB;
  let release: () => void = () => {};
  const port = await target(t, (s) => {
    s.pause();
    release = () => {
      void hashUntilEnd(s).then((h) => s.end(`${h.bytes} ${h.hex}\n`));
      s.resume();
    };
  });
  const run = spawnConnect(['127.0.0.1', String(port)], { stdin: 'keep-open', stdout: 'collect', timeoutMs: 55_000 });
  const feeding = pipeline(randomStream(size, 10), run.child.stdin!);
  await sleep(1500); // stdin keeps coming; the remote reads nothing
  const rss = rssKB(run.child.pid!);
  release();
  await feeding;
  const result = await run.result;
  assert.ok(rss < 100 * 1024, `RSS ${rss} kB while the remote did not read`);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.toString(), `${size} ${expectedSha256(size, 10)}\n`);
});
