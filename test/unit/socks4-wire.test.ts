import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wire from '../../src/protocols/socks4-wire.js';
import { ConnectError } from '../../src/errors.js';

const hex = (b: Buffer) => b.toString('hex');
const badInput = (err: unknown) => err instanceof ConnectError && err.code === 'BAD_INPUT';

test('destination: local IPv4 result → SOCKS4, otherwise the name → SOCKS4a', () => {
  const cases: [string, string | undefined, wire.Socks4Destination][] = [
    ['example.com', '93.184.216.34', { ipv4: '93.184.216.34' }],
    ['example.com', undefined, { name: 'example.com' }], // local resolution failed: connect.c sends the name
    ['example.com', '2001:db8::1', { name: 'example.com' }], // only IPv4 fits DSTIP
    ['10.1.2.3', undefined, { name: '10.1.2.3' }], // remote: an IPv4 literal goes as a name too
    ['10.1.2.3', '10.1.2.3', { ipv4: '10.1.2.3' }],
  ];
  for (const [host, resolved, expected] of cases) assert.deepEqual(wire.destination(host, resolved), expected, `${host} ${resolved}`);
});

test('destination: an IPv6 literal is BAD_INPUT suggesting SOCKS5', () => {
  for (const host of ['::1', '2001:db8::22']) {
    assert.throws(() => wire.destination(host), (e) => badInput(e) && /IPv6.*SOCKS5/.test((e as Error).message));
  }
});

test('connect request bytes (connect.c 1.105 sends exactly these)', () => {
  const cases: [wire.Socks4Destination, number, string, string][] = [
    [{ ipv4: '127.0.0.1' }, 22, 'root', '040100167f000001726f6f7400'],
    [{ ipv4: '10.1.2.3' }, 65535, '', '0401ffff0a01020300'],
    [{ name: 'example.com' }, 22, 'bob', '0401001600000001626f62006578616d706c652e636f6d00'],
    [{ name: 'h' }, 443, '', '040101bb000000010068' + '00'],
  ];
  for (const [dest, port, user, expected] of cases) assert.equal(hex(wire.connectRequest(dest, port, user)), expected);
});

test('connect request: NUL, empty or over-long fields are BAD_INPUT', () => {
  const cases: [wire.Socks4Destination, string][] = [
    [{ name: 'evil\0host' }, 'u'],
    [{ name: 'h' }, 'us\0er'],
    [{ ipv4: '1.2.3.4' }, 'us\0er'],
    [{ name: '' }, 'u'],
    [{ name: 'a'.repeat(256) }, 'u'],
    [{ name: 'h' }, 'u'.repeat(256)],
  ];
  for (const [dest, user] of cases) assert.throws(() => wire.connectRequest(dest, 22, user), badInput, JSON.stringify(dest));
});

test('reply codes and their meaning', () => {
  assert.equal(wire.replyCode(Buffer.from('005a000000000000', 'hex')), wire.GRANTED);
  assert.equal(wire.replyCode(Buffer.from('045b000000000000', 'hex')), 91);
  const cases: [number, RegExp][] = [[91, /rejected or failed/], [92, /identd/], [93, /different user ids/], [7, /unknown reply code 7/]];
  for (const [code, re] of cases) assert.match(wire.replyText(code), re);
});
