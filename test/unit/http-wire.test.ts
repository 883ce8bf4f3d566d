import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wire from '../../src/protocols/http-wire.js';
import { ConnectError } from '../../src/errors.js';

const code = (c: string) => (e: unknown) => e instanceof ConnectError && e.code === c;

test('requestTarget: authority form, IPv6 in brackets', () => {
  const cases: [string, number, string][] = [
    ['example.com', 22, 'example.com:22'],
    ['10.0.0.1', 443, '10.0.0.1:443'],
    ['::1', 22, '[::1]:22'],
    ['2001:db8::1', 2222, '[2001:db8::1]:2222'],
  ];
  for (const [host, port, expected] of cases) assert.equal(wire.requestTarget({ host, port }), expected);
});

test('requestTarget: CR, LF, space, other controls, empty → BAD_INPUT', () => {
  for (const host of ['evil\r\nX: 1', 'a\nb', 'a b', 'tab\t', 'del\x7f', 'nul\0', '']) {
    assert.throws(() => wire.requestTarget({ host, port: 22 }), code('BAD_INPUT'), JSON.stringify(host));
  }
});

test('connectRequest: connect.c request line plus Host, credentials before the blank line', () => {
  assert.equal(wire.connectRequest('example.com:22'), 'CONNECT example.com:22 HTTP/1.0\r\nHost: example.com:22\r\n\r\n');
  assert.equal(
    wire.connectRequest('[::1]:22', 'Basic YWxpY2U6czNjcmV0'),
    'CONNECT [::1]:22 HTTP/1.0\r\nHost: [::1]:22\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n',
  );
  const shown = wire.connectRequestRedacted('h:1', 'Basic YWxpY2U6czNjcmV0');
  assert.match(shown, /Proxy-Authorization: Basic xxxx\r\n/);
  assert.doesNotMatch(shown, /YWxp/);
});

test('basicAuthorization (RFC 7617 §2, UTF-8)', () => {
  const cases: [string, string, string][] = [
    ['alice', 's3cret', 'Basic YWxpY2U6czNjcmV0'], // what connect-proxy sends for alice/s3cret
    ['Aladdin', 'open sesame', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='],
    ['test', '123£', 'Basic dGVzdDoxMjPCow=='],
    ['', '', 'Basic Og=='],
  ];
  for (const [u, p, expected] of cases) assert.equal(wire.basicAuthorization(u, p), expected);
});

test('parseResponseHead: the code after the first space, fields lower-cased', () => {
  const cases: [string, number, string][] = [
    ['HTTP/1.0 200 Connection established\r\n\r\n', 200, 'HTTP/1.0 200 Connection established'],
    ['HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n', 407, 'HTTP/1.1 407 Proxy Authentication Required'],
    ['HTTP/1.1 204\r\n\r\n', 204, 'HTTP/1.1 204'],
    ['HTTP/1.0  403 Forbidden\r\n\r\n', 403, 'HTTP/1.0  403 Forbidden'],
    ['HTTP/1.1\t \t502 x\n\n', 502, 'HTTP/1.1\t \t502 x'],
    [' 200 no word first\r\n\r\n', 200, ' 200 no word first'],
    ['HTTP/1.1 20x\r\n\r\n', 20, 'HTTP/1.1 20x'],
    ['HTTP/1.1 200\r\r\n\r\n', 200, 'HTTP/1.1 200\r'],
  ];
  for (const [text, status, statusLine] of cases) {
    const head = wire.parseResponseHead(Buffer.from(text), 'p');
    assert.equal(head.status, status);
    assert.equal(head.statusLine, statusLine);
  }
  const head = wire.parseResponseHead(Buffer.from('HTTP/1.1 407 X\r\nProxy-Authenticate: Basic realm="a"\r\nproxy-authenticate:  Digest nonce="n" \r\nVia: x\r\n\r\n'), 'p');
  assert.deepEqual(wire.fieldValues(head, 'proxy-authenticate'), ['Basic realm="a"', 'Digest nonce="n"']);
});

test('parseResponseHead: no status code → PROXY_PROTOCOL', () => {
  for (const text of ['HTTP/1.0\r\n\r\n', 'SSH-2.0-OpenSSH_9.6 Ubuntu\r\n\r\n', 'HTTP/1.1 OK 200\r\n\r\n', '\r\n\r\n', 'HTTP/1.1 2000 x\r\n\r\n', 'HTTP/1.1\xa0200 OK\r\n\r\n', 'HTTP/1.1\r200\r\n\r\n']) {
    assert.throws(() => wire.parseResponseHead(Buffer.from(text), 'p'), code('PROXY_PROTOCOL'), JSON.stringify(text));
  }
});

test('challengeField: 401 reads WWW-Authenticate, 407 Proxy-Authenticate (as connect.c)', () => {
  assert.equal(wire.challengeField(401), 'www-authenticate');
  assert.equal(wire.challengeField(407), 'proxy-authenticate');
});

test('parseChallenges (RFC 9110 §11.2): several per field, quoted commas, token68', () => {
  const cases: [string[], wire.Challenge[]][] = [
    [['Basic realm="proxy"'], [{ scheme: 'basic', params: { realm: 'proxy' } }]],
    [['BASIC Realm=x'], [{ scheme: 'basic', params: { realm: 'x' } }]],
    [['Basic'], [{ scheme: 'basic', params: {} }]],
    [
      ['Basic realm="a, b", Digest realm="r", nonce="n\\"q", qop="auth,auth-int", algorithm=SHA-256'],
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'digest', params: { realm: 'r', nonce: 'n"q', qop: 'auth,auth-int', algorithm: 'SHA-256' } },
      ],
    ],
    [['Negotiate', 'NTLM TlRMTVNTUAAB==', 'Basic realm=""'], [
      { scheme: 'negotiate', params: {} },
      { scheme: 'ntlm', params: {}, token68: 'TlRMTVNTUAAB==' },
      { scheme: 'basic', params: { realm: '' } },
    ]],
    [[' , ,'], []],
    [[], []],
  ];
  for (const [values, expected] of cases) assert.deepEqual(wire.parseChallenges(values), expected, values.join(' | '));
});

test('splitOutsideQuotes keeps quoted commas and escapes', () => {
  assert.deepEqual(wire.splitOutsideQuotes('a, b="x,y", c="q\\",r"'), ['a', 'b="x,y"', 'c="q\\",r"']);
});

test('parseResponseHead: a huge status line is clipped for messages', () => {
  const head = wire.parseResponseHead(Buffer.from(`HTTP/1.1 502 ${'x'.repeat(5000)}\n\n`), 'p');
  assert.equal(head.status, 502);
  assert.ok(head.statusLine.length < 200, String(head.statusLine.length));
  assert.throws(() => wire.parseResponseHead(Buffer.from(`${'y'.repeat(5000)}\r\n\r\n`), 'p'), (e: unknown) => e instanceof ConnectError && e.message.length < 300);
});

test('isInterim: 1xx only (RFC 9110 §15.2)', () => {
  for (const [status, interim] of [[100, true], [101, true], [103, true], [199, true], [200, false], [407, false], [99, false]] as const) {
    assert.equal(wire.isInterim(status), interim, String(status));
  }
});
