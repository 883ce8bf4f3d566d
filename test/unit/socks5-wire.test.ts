import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wire from '../../src/protocols/socks5-wire.js';
import { ConnectError } from '../../src/errors.js';

const hex = (b: Buffer) => b.toString('hex');

test('greeting lists methods in the given order (RFC 1928 §3)', () => {
  const cases: [Parameters<typeof wire.greeting>[0], string][] = [
    [['none', 'userpass'], '05020002'],
    [['userpass'], '050102'],
    [['none', 'gssapi', 'userpass', 'chap'], '050400010203'],
  ];
  for (const [methods, expected] of cases) assert.equal(hex(wire.greeting(methods)), expected);
});

test('connect request: a name goes as atyp 3 exactly as given, IPv4 literal too', () => {
  const cases: [wire.Socks5Address, number, string][] = [
    [wire.targetAddress('example.com'), 22, '050100030b6578616d706c652e636f6d0016'],
    [wire.targetAddress('10.0.0.1'), 443, '050100030831302e302e302e3101bb'],
    [wire.targetAddress('example.com', '192.0.2.7'), 22, '05010001c00002070016'],
    [wire.targetAddress('::1'), 22, '0501000400000000000000000000000000000001' + '0016'],
    [wire.targetAddress('2001:db8::1:2'), 80, '05010004' + '20010db8000000000000000000010002' + '0050'],
  ];
  for (const [addr, port, expected] of cases) assert.equal(hex(wire.connectRequest(addr, port)), expected);
});

test('connect request rejects names over 255 bytes and empty names', () => {
  assert.throws(() => wire.connectRequest({ type: 'domain', name: 'a'.repeat(256) }, 22), ConnectError);
  assert.throws(() => wire.connectRequest({ type: 'domain', name: '' }, 22), ConnectError);
  assert.equal(wire.connectRequest({ type: 'domain', name: 'a'.repeat(255) }, 22).length, 5 + 255 + 2);
});

test('user/password request (RFC 1929 §2) and its limits', () => {
  assert.equal(hex(wire.userPassRequest('al', 'pw')), '0102616c027077');
  assert.throws(() => wire.userPassRequest('u'.repeat(256), 'p'), ConnectError);
  assert.throws(() => wire.userPassRequest('u', 'p'.repeat(256)), ConnectError);
  assert.ok(!wire.userPassRequestRedacted('al').includes('pw'));
});

test('reply head and bound address lengths by atyp', () => {
  assert.deepEqual(wire.parseReplyHead(Buffer.from([5, 0, 0, 1]), 'p'), { rep: 0, atyp: 1 });
  assert.throws(() => wire.parseReplyHead(Buffer.from([4, 0, 0, 1]), 'p'), ConnectError);
  assert.equal(wire.boundAddressLength(1, 'p'), 6);
  assert.equal(wire.boundAddressLength(4, 'p'), 18);
  assert.equal(wire.boundAddressLength(3, 'p', 9), 11);
  assert.throws(() => wire.boundAddressLength(2, 'p'), ConnectError);
  assert.equal(wire.replyText(5), 'connection refused');
});
