// Direct writes to a socket's libuv handle (src/transport/handle-write.ts),
// the relay's hot path: what the kernel takes at once, what libuv holds and
// writes later (in order, before a shutdown), a held write that fails, and
// the fallback where the binding is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { handleWriter, HELD, queuedBytes } from '../../src/transport/handle-write.js';

/** A child that reads nothing for `delayMs`, then prints the length and SHA-256 of all it reads. */
function slowHashingReader(delayMs: number, t: { after(fn: () => void): void }) {
  const script = `setTimeout(() => { const h = require('crypto').createHash('sha256'); let n = 0;
    process.stdin.on('data', (d) => { n += d.length; h.update(d); });
    process.stdin.on('end', () => process.stdout.write(n + ' ' + h.digest('hex'))); }, ${delayMs});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => { child.kill(); }); // a failed test leaves no reader waiting for an end that never comes
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const report = new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
  return { sink: child.stdin as Writable, report };
}

test('a pipe its reader does not drain: written at once, then held by libuv, then all of it in order before the end', async (t) => {
  const { sink, report } = slowHashingReader(300, t);
  const chunks = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 997));
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let held: (err: NodeJS.ErrnoException | undefined) => void = () => {};
  const write = handleWriter(sink, (err) => held(err));
  assert.ok(write, 'the pipe is a plain handle and this Node has the binding');
  const results: number[] = [];
  for (const chunk of chunks) {
    const result = write(chunk, chunk.length);
    results.push(result);
    if (result === HELD) {
      // (queuedBytes may already be 0 here: once the reader has started, libuv can finish a held write within the call)
      assert.equal(sink.writableLength, 0, 'the stream itself holds nothing');
      const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => { held = resolve; });
      assert.equal(err, undefined);
      assert.equal(queuedBytes(sink), 0);
    } else {
      assert.equal(result, chunk.length);
    }
  }
  assert.equal(results[0], chunks[0]!.length, 'the first chunk fits in the empty pipe');
  assert.ok(results.includes(HELD), 'the pipe filled up: later chunks were held');
  sink.end();
  assert.equal(await report, `${total} ${hash.digest('hex')}`);
});

test('end() right after a held write: the shutdown waits for it; queuedBytes counts what libuv holds', async (t) => {
  const { sink, report } = slowHashingReader(200, t);
  const big = randomBytes(1 << 20);
  const write = handleWriter(sink, () => {})!;
  assert.equal(write(big, big.length), HELD, '1 MiB cannot fit in a pipe');
  const held = queuedBytes(sink);
  assert.ok(held > 0 && held < big.length, `queuedBytes counts what libuv holds (${held})`);
  sink.end();
  assert.equal(await report, `${big.length} ${createHash('sha256').update(big).digest('hex')}`);
});

test('a held write whose reader goes away reports EPIPE (and only then)', async (t) => {
  // The reader closes its end after 300 ms but lives on (its exit would destroy our end: ECANCELED).
  const child = spawn('sh', ['-c', 'sleep 0.3; exec 0<&-; sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => child.kill());
  const sink = child.stdin as Writable;
  sink.on('error', () => {});
  let done = false;
  const failed = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const write = handleWriter(sink, (err) => { done = true; resolve(err); })!;
    assert.equal(write(Buffer.alloc(1 << 20, 1), 1 << 20), HELD);
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(done, false, 'held while the reader is there');
  const err = await failed;
  assert.equal(err?.code, 'EPIPE');
  assert.equal(err?.syscall, 'write');
});

test('a write to a pipe whose reader is gone: nothing written at once, nothing held', async (t) => {
  const child = spawn('sh', ['-c', 'exec 0<&-; sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => child.kill());
  const sink = child.stdin as Writable;
  sink.on('error', () => {});
  await new Promise((r) => setTimeout(r, 200)); // the shell has closed its stdin: the pipe has no reader
  const write = handleWriter(sink, () => assert.fail('nothing was held'))!;
  assert.equal(write(Buffer.from('x'), 1), 0); // EPIPE: the stream's own write reports it
  assert.equal(queuedBytes(sink), 0);
});

test('part of a buffer; a destroyed stream: nothing written', async (t) => {
  const { sink, report } = slowHashingReader(0, t);
  const buf = Buffer.from('0123456789');
  const write = handleWriter(sink, () => {})!;
  assert.equal(write(buf, 3), 3);
  assert.equal(write(buf, 3), 3, 'the same view again');
  assert.equal(write(buf, 5), 5);
  sink.end();
  assert.equal(await report, `11 ${createHash('sha256').update('01201201234').digest('hex')}`);
  const { sink: gone } = slowHashingReader(0, t);
  const writeGone = handleWriter(gone, () => assert.fail('nothing was held'))!;
  gone.destroy();
  assert.equal(writeGone(buf, 10), 0);
});

test('where process.binding is refused (permission model, or gone): no handle writer', () => {
  const url = new URL('../../src/transport/handle-write.js', import.meta.url).href;
  const script = `process.binding = () => { throw new Error('refused'); };
    const { handleWriter } = await import(${JSON.stringify(url)});
    const net = await import('node:net');
    const s = new net.Socket({ fd: 1, readable: false, writable: true });
    process.stderr.write(String(handleWriter(s, () => {})));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.stderr.toString(), 'undefined');
});
