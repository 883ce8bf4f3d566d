import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRoute, parsePacResult, type PacRoute } from '../../src/pac/result.js';

const direct: PacRoute = { type: 'direct' };
const proxy = (kind: 'http' | 'https' | 'socks4' | 'socks5', host: string, port: number): PacRoute => ({ type: 'proxy', kind, host, port });

test('PAC results: the keywords browsers read, any case, in order', () => {
  const rows: [string, PacRoute[], string[]][] = [
    ['DIRECT', [direct], []],
    ['direct', [direct], []],
    ['PROXY p.example:3128', [proxy('http', 'p.example', 3128)], []],
    ['proxy p.example:3128; DIRECT', [proxy('http', 'p.example', 3128), direct], []],
    ['HTTP p:8080', [proxy('http', 'p', 8080)], []],
    ['HTTPS secure.example:8443', [proxy('https', 'secure.example', 8443)], []],
    // Bare SOCKS is SOCKS version 4, as in Firefox and Chromium.
    ['SOCKS s:1080', [proxy('socks4', 's', 1080)], []],
    ['SOCKS4 s:1081', [proxy('socks4', 's', 1081)], []],
    ['SoCkS5 s:1082', [proxy('socks5', 's', 1082)], []],
    ['  PROXY  a:1 ;;  SOCKS5 b:2 ; DIRECT  ', [proxy('http', 'a', 1), proxy('socks5', 'b', 2), direct], []],
    ['PROXY a:1\t;\tDIRECT', [proxy('http', 'a', 1), direct], []],
    // Default ports by kind.
    ['PROXY a; HTTPS b; SOCKS c; SOCKS5 d', [proxy('http', 'a', 80), proxy('https', 'b', 443), proxy('socks4', 'c', 1080), proxy('socks5', 'd', 1080)], []],
    ['PROXY [2001:db8::1]:3128', [proxy('http', '2001:db8::1', 3128)], []],
    ['SOCKS5 [::1]', [proxy('socks5', '::1', 1080)], []],
    ['PROXY 10.0.0.1:8080', [proxy('http', '10.0.0.1', 8080)], []],
    ['PROXY under_score.example:1', [proxy('http', 'under_score.example', 1)], []],
    // Unreadable entries are skipped and reported, the rest kept.
    ['QUIC q:443; PROXY a:1', [proxy('http', 'a', 1)], ['QUIC q:443']],
    ['PROXY a:1 extra; DIRECT', [direct], ['PROXY a:1 extra']],
    ['PROXY a:0; PROXY a:65536; PROXY a:x; PROXY a:', [], ['PROXY a:0', 'PROXY a:65536', 'PROXY a:x', 'PROXY a:']],
    ['PROXY; DIRECT now', [], ['PROXY', 'DIRECT now']],
    ['PROXY ::1:80', [], ['PROXY ::1:80']],
    ['PROXY [zz::1]:80', [], ['PROXY [zz::1]:80']],
    ['PROXY a@b:80; PROXY a/b:80; PROXY -a:80; PROXY a b', [], ['PROXY a@b:80', 'PROXY a/b:80', 'PROXY -a:80', 'PROXY a b']],
    ['PROXY a\u0000b:80', [], ['PROXY a\u0000b:80']],
    ['constructor x:1; __proto__ y:2', [], ['constructor x:1', '__proto__ y:2']],
    ['', [], []],
    [' ; ; ', [], []],
  ];
  for (const [text, routes, skipped] of rows) {
    assert.deepEqual(parsePacResult(text), { routes, skipped }, JSON.stringify(text));
  }
});

test('PAC results: a host name longer than DNS allows is skipped', () => {
  const long = `${'a'.repeat(63)}.`.repeat(4) + 'b';
  assert.deepEqual(parsePacResult(`PROXY ${long}:80`).routes, []);
});

test('PAC routes print as PAC writes them', () => {
  const rows: [PacRoute, string][] = [
    [direct, 'DIRECT'],
    [proxy('http', 'p', 3128), 'PROXY p:3128'],
    [proxy('https', 'p', 443), 'HTTPS p:443'],
    [proxy('socks4', 's', 1080), 'SOCKS4 s:1080'],
    [proxy('socks5', '::1', 1080), 'SOCKS5 [::1]:1080'],
  ];
  for (const [route, text] of rows) {
    assert.equal(formatRoute(route), text);
    assert.deepEqual(parsePacResult(text).routes, [route]);
  }
});
