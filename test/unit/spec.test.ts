import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProxyUrl, parseProxyUrlList, parseServerSpec, parseServerSpecList } from '../../src/config/spec.js';
import { ConnectError } from '../../src/errors.js';

const ctx = { source: '-S', code: 'USAGE' as const };

test('server specs', () => {
  const rows: [string, unknown][] = [
    ['proxy', { host: 'proxy', port: 1080 }],
    ['proxy:3128', { host: 'proxy', port: 3128 }],
    ['alice@proxy:1', { user: 'alice', host: 'proxy', port: 1 }],
    ['a@b@proxy', { user: 'a@b', host: 'proxy', port: 1080 }],
    ['@proxy', { user: '', host: 'proxy', port: 1080 }],
    ['http://p:3128/', { host: 'p', port: 3128 }],
    ['HTTP://u@p:8080/path', { user: 'u', host: 'p', port: 8080 }],
    ['p:3128/', { host: 'p', port: 3128 }],
    ['[::1]:1080', { host: '::1', port: 1080 }],
    ['[::1]', { host: '::1', port: 1080 }],
    ['u@[fd00::1]:22', { user: 'u', host: 'fd00::1', port: 22 }],
    ['fd00::1', { host: 'fd00::1', port: 1080 }],
    ['p:65535', { host: 'p', port: 65535 }],
    ['hTTpS://p', { host: 'p', port: 443, tls: true }],
  ];
  for (const [spec, want] of rows) assert.deepEqual(parseServerSpec(spec, 1080, ctx), want, spec);
});

test('bad server specs', () => {
  const rows: [string, RegExp][] = [
    ['', /empty host/],
    ['u@', /empty host/],
    [':80', /empty host/],
    ['p:', /not a number/],
    ['p:abc', /not a number/],
    ['p:0', /outside/],
    ['p:65536', /outside/],
    ['p:99999', /outside/],
    ['[nope]:1', /IPv6/],
    ['HTTP://u@p:8080/path@x', /'\/' ends the host part/],
  ];
  for (const [spec, msg] of rows) {
    assert.throws(() => parseServerSpec(spec, 1080, ctx), (e: unknown) => {
      assert.ok(e instanceof ConnectError);
      assert.equal(e.code, 'USAGE');
      assert.match(e.message, msg);
      assert.match(e.message, /\(-S\)/);
      return true;
    }, spec);
  }
  assert.throws(() => parseServerSpec('p:x', 80, { source: 'HTTP_PROXY', code: 'CONFIG' }), { code: 'CONFIG' });
});

test('no part of a password in any message: a user or password holding / ? # is a clear usage error', () => {
  const secret = 'hunter2secret';
  const urls = [`socks5://alice:${secret}/x@h:1080`, `socks5://alice:${secret}?@h`, `http://alice:${secret}#x@proxy:3128`,
    `socks5://alice:12${secret}/x@h`, `http://alice:${secret}@x/y@h`, `socks5h://al/ice:${secret}@h`];
  const pieces = (text: string) => [...text.matchAll(/[a-z0-9]{3,}/gi)].map((m) => m[0]).filter((w) => secret.includes(w));
  for (const url of urls) {
    assert.throws(() => parseProxyUrl(url, { source: '-x', code: 'USAGE' }), (e: unknown) => {
      assert.ok(e instanceof ConnectError && e.code === 'USAGE', `${url}: ${String(e)}`);
      assert.deepEqual(pieces(e.message), [], e.message);
      return true;
    }, url);
  }
  for (const spec of [`http://alice:${secret}/x@proxy:3128`, `https://alice:${secret}/x@proxy`, `http://alice:12${secret}/x@proxy`]) {
    assert.throws(() => parseServerSpec(spec, 80, { source: 'HTTP_PROXY', code: 'CONFIG' }), (e: unknown) => {
      assert.ok(e instanceof ConnectError && e.code === 'CONFIG', `${spec}: ${String(e)}`);
      assert.deepEqual(pieces(e.message), [], e.message);
      return true;
    }, spec);
  }
});

test('failover lists', () => {
  assert.deepEqual(parseServerSpecList('a:1, b', 1080, ctx), [{ host: 'a', port: 1 }, { host: 'b', port: 1080 }]);
});

test('proxy URLs', () => {
  const rows: [string, unknown][] = [
    ['socks5://p', { kind: 'socks5', host: 'p', port: 1080, resolve: 'local' }],
    ['socks5h://p:9050', { kind: 'socks5', host: 'p', port: 9050, resolve: 'remote' }],
    ['SOCKS4://p', { kind: 'socks4', host: 'p', port: 1080, resolve: 'local' }],
    ['socks4a://u@p', { kind: 'socks4', host: 'p', port: 1080, resolve: 'remote', user: 'u' }],
    ['http://u:p%40ss%3A@proxy:3128/', { kind: 'http', host: 'proxy', port: 3128, resolve: 'remote', user: 'u', password: 'p@ss:' }],
    ['https://[::1]', { kind: 'https', host: '::1', port: 443, resolve: 'remote' }],
    ['http://a%20b:@p', { kind: 'http', host: 'p', port: 80, resolve: 'remote', user: 'a b', password: '' }],
  ];
  for (const [url, want] of rows) assert.deepEqual(parseProxyUrl(url, { source: '-x', code: 'USAGE' }), want, url);
});

test('bad proxy URLs', () => {
  const rows: [string, RegExp][] = [
    ['p:1080', /scheme/],
    ['ftp://p', /unknown scheme/],
    ['socks5://', /empty host/],
    ['socks5://p:0', /outside/],
    ['http://%zz@p', /percent/],
    ['socks5://alice:topsecret/x@h:1080', /must be written %2F/],
    ['socks5://alice:1234/x@h:1080', /must be written %2F/],
    ['socks5h://alice:top?secret@h', /must be written %2F/],
    ['http://alice:top#secret@h', /must be written %2F/],
    ['socks5://alice:pw@x/y@h', /must be written %2F/],
  ];
  for (const [url, msg] of rows) {
    assert.throws(() => parseProxyUrl(url, { source: '-x', code: 'USAGE' }), { code: 'USAGE', message: msg }, url);
  }
  assert.equal(parseProxyUrlList('socks5://a, http://b', { source: '-x', code: 'USAGE' }).length, 2);
  assert.throws(() => parseProxyUrlList(' , ', { source: '-x', code: 'USAGE' }), /no proxy URL/);
});
