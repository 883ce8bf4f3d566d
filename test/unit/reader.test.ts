import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { HandshakeReader } from '../../src/transport/reader.js';

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
