import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { HandshakeReader } from '../../src/transport/reader.js';
import { startFakeProxy } from '../helpers/fake-proxy.js';

test('reads exact sizes across chunk boundaries and puts back what follows', async () => {
  const stream = new PassThrough();
  const reader = new HandshakeReader(stream, 'peer');
  stream.write(Buffer.from([1, 2, 3]));
  stream.write(Buffer.from([4, 5, 6, 7]));
  assert.deepEqual([...(await reader.read(2))], [1, 2]);
  assert.deepEqual([...(await reader.read(3))], [3, 4, 5]);
  const released = reader.release();
  const rest: Buffer[] = [];
  released.on('data', (c: Buffer) => rest.push(c));
  stream.end(Buffer.from([8]));
  await new Promise((r) => released.once('end', r));
  assert.deepEqual([...Buffer.concat(rest)], [6, 7, 8]);
});

test('readUntil finds a delimiter and enforces its limit', async () => {
  const stream = new PassThrough();
  const reader = new HandshakeReader(stream, 'peer');
  stream.write('HTTP/1.0 200 OK\r\n\r\nSSH-2.0-x');
  assert.equal((await reader.readUntil('\r\n\r\n', 100, 'headers')).toString(), 'HTTP/1.0 200 OK\r\n\r\n');
  const long = new HandshakeReader(new PassThrough().end('x'.repeat(200)), 'peer');
  await assert.rejects(long.readUntil('\n', 100, 'a line'), /longer than 100 bytes/);
});

test('a close mid-handshake rejects with a message naming the peer', async () => {
  const stream = new PassThrough();
  const reader = new HandshakeReader(stream, 'SOCKS5 proxy p:1080');
  stream.end(Buffer.from([5]));
  await assert.rejects(reader.read(2), /SOCKS5 proxy p:1080 closed the connection during the handshake/);
});

// --- linear work (a proxy dripping its reply one byte at a time) ---

/**
 * Counts the bytes copied and scanned by the Buffer operations a reader can
 * use to gather and search its input (Buffer.concat, copy, set, indexOf),
 * while `run` goes.
 */
async function countBufferWork(run: () => Promise<void>): Promise<number> {
  let work = 0;
  const proto = Buffer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const u8 = Uint8Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { concat: Buffer.concat, copy: proto.copy!, indexOf: proto.indexOf!, set: u8.set! };
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const out = originals.concat(list, total);
    work += out.length;
    return out;
  }) as typeof Buffer.concat;
  proto.copy = function (this: Buffer, ...args: unknown[]) {
    const n = originals.copy.apply(this, args) as number;
    work += n;
    return n;
  };
  proto.indexOf = function (this: Buffer, value: unknown, from?: unknown, ...rest: unknown[]) {
    const at = originals.indexOf.call(this, value, from, ...rest) as number;
    const start = typeof from === 'number' ? Math.max(0, from) : 0;
    work += (at >= 0 ? at + (value as { length: number }).length : this.length) - start; // bytes looked at
    return at;
  };
  u8.set = function (this: Uint8Array, source: unknown, ...rest: unknown[]) {
    work += (source as ArrayLike<number>).length;
    return originals.set.call(this, source, ...rest);
  };
  try {
    await run();
  } finally {
    Buffer.concat = originals.concat;
    proto.copy = originals.copy;
    proto.indexOf = originals.indexOf;
    u8.set = originals.set;
  }
  return work;
}

test('a 64 KiB response head dripped one byte per chunk costs work linear in its size', async () => {
  const limit = 64 * 1024;
  const head = Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\n'), Buffer.alloc(limit - 21, 'a'), Buffer.from('\r\n\r\n')]);
  assert.equal(head.length, limit);
  const stream = new PassThrough();
  const reader = new HandshakeReader(stream, 'HTTP proxy p:8080', limit);
  let got: Buffer | undefined;
  const work = await countBufferWork(async () => {
    const reading = reader.readUntil('\r\n\r\n', limit, 'an HTTP response head');
    for (let i = 0; i < head.length; i++) stream.write(head.subarray(i, i + 1));
    got = await reading;
  });
  assert.ok(got?.equals(head), 'the whole head, exactly');
  // Gathering and scanning each byte a small constant number of times; a
  // reader that concatenates and rescans its buffer per byte does ~n²/2 (2^31).
  assert.ok(work <= 16 * head.length, `${work} bytes copied or scanned for a ${head.length}-byte head`);
});

test('a dripped head over the limit fails after linear work, naming what was too long', async () => {
  const limit = 16 * 1024;
  const stream = new PassThrough();
  const reader = new HandshakeReader(stream, 'HTTP proxy p:8080', limit);
  const work = await countBufferWork(async () => {
    const reading = reader.readUntil('\r\n\r\n', limit, 'an HTTP response head');
    for (let i = 0; i < limit + 10; i++) stream.write('x');
    await assert.rejects(reading, /HTTP proxy p:8080 sent an HTTP response head longer than 16384 bytes/);
  });
  assert.ok(work <= 16 * limit, `${work} bytes copied or scanned`);
});

test('many small steps over one big chunk: leftovers are not re-copied per step', async () => {
  const lines = 4096;
  const stream = new PassThrough();
  const reader = new HandshakeReader(stream, 'telnet proxy p:23', 1 << 20);
  const work = await countBufferWork(async () => {
    stream.write('ab\n'.repeat(lines));
    for (let i = 0; i < lines; i++) assert.equal((await reader.readUntil('\n', 100, 'a line')).toString(), 'ab\n');
  });
  assert.ok(work <= 16 * 3 * lines, `${work} bytes copied or scanned for ${3 * lines} bytes`);
});

// --- a peer that closes while the final reply is still being checked ---

test('bytes after the final reply survive the peer closing before release() (an asynchronous check in between)', async (t) => {
  const proxy = await startFakeProxy('http', { script: [{ send: 'HTTP/1.1 200 OK\r\n\r\nSSH-2.0-banner\r\n' }, { close: true }] }, { t });
  const socket = connect(proxy.port, '127.0.0.1');
  socket.on('error', () => {});
  t.after(() => socket.destroy());
  const reader = new HandshakeReader(socket, 'peer');
  assert.equal((await reader.readUntil('\r\n\r\n', 100, 'headers')).toString(), 'HTTP/1.1 200 OK\r\n\r\n');
  await new Promise((r) => setTimeout(r, 50)); // the FIN arrives meanwhile (e.g. Kerberos verifying a token)
  const released = reader.release();
  const rest: Buffer[] = [];
  const errors: Error[] = [];
  released.on('data', (c: Buffer) => rest.push(c));
  released.on('error', (err: Error) => errors.push(err));
  const over = new Promise((r) => { released.once('close', r); released.once('error', r); });
  if (!released.destroyed) await over; // (a stream destroyed before release() has lost the bytes)
  assert.deepEqual(errors, []);
  assert.equal(Buffer.concat(rest).toString(), 'SSH-2.0-banner\r\n');
});
