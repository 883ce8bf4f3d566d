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
    ['HTTP://u@p:8080/path@x', { user: 'u', host: 'p', port: 8080 }],
    ['p:3128/', { host: 'p', port: 3128 }],
    ['[::1]:1080', { host: '::1', port: 1080 }],
    ['[::1]', { host: '::1', port: 1080 }],
    ['u@[fd00::1]:22', { user: 'u', host: 'fd00::1', port: 22 }],
    ['fd00::1', { host: 'fd00::1', port: 1080 }],
    ['p:65535', { host: 'p', port: 65535 }],
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
  ];
  for (const [url, msg] of rows) {
    assert.throws(() => parseProxyUrl(url, { source: '-x', code: 'USAGE' }), { code: 'USAGE', message: msg }, url);
  }
  assert.equal(parseProxyUrlList('socks5://a, http://b', { source: '-x', code: 'USAGE' }).length, 2);
  assert.throws(() => parseProxyUrlList(' , ', { source: '-x', code: 'USAGE' }), /no proxy URL/);
});
