// The PAC cache's pure parts: the entry format and its checksum, keys,
// lifetimes from Cache-Control, freshness; and the --pac-cache setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEntry, DEFAULT_PAC_CACHE_S, encodeEntry, entryFileName, fnv1a, lifetimeFrom, MAX_PAC_CACHE_S, MAX_STALE_IF_ERROR_S,
  networkKey, standing, urlKey, wpadKey, type CacheEntry,
} from '../../src/pac/cache-entry.js';
import { pacCacheChoice } from '../../src/config/pac-cache.js';
import { makeParamLookup } from '../../src/config/env.js';
import { ConnectError } from '../../src/errors.js';
import { parseArgs } from '../../src/cli/args.js';
import { buildConfig } from '../../src/config/build.js';
import type { OptionArgs, ParsedArgs } from '../../src/config/types.js';
import { explanationLines } from '../../src/config/explain.js';

test('FNV-1a 32 (the reference test vectors)', () => {
  const rows: [string, string][] = [['', '811c9dc5'], ['a', 'e40c292c'], ['foobar', 'bf9cf968']];
  for (const [text, want] of rows) assert.equal(fnv1a(Buffer.from(text)), want, JSON.stringify(text));
});

const ENTRY: CacheEntry = {
  key: urlKey('http://wpad.corp/proxy.pac'),
  url: 'http://wpad.corp/proxy.pac',
  text: '// café ✓\nfunction FindProxyForURL(url, host) { return "DIRECT"; }\n',
  fetchedAt: 1_796_000_000_000,
  lifetimeS: 300,
  staleIfErrorS: 300,
  etag: '"abc"',
  cacheControl: 'max-age=600',
};

test('an entry round-trips through its file format, script bytes intact', () => {
  const bytes = encodeEntry(ENTRY);
  assert.match(bytes.toString('latin1', 0, 30), /^connect-pac-cache 1 [0-9a-f]{8}\n/);
  assert.deepEqual(decodeEntry(bytes, ENTRY.key), ENTRY);
  const none: CacheEntry = { key: wpadKey('corp.example', 'ns= addr='), text: '', fetchedAt: 5, lifetimeS: 60, staleIfErrorS: 0 };
  assert.deepEqual(decodeEntry(encodeEntry(none), none.key), none);
});

test('a torn, flipped, foreign or malformed file is not an entry (and says why)', () => {
  const bytes = encodeEntry(ENTRY);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 5] ^= 0x20;
  const cases: [string, Uint8Array, RegExp][] = [
    ['torn (cut short)', bytes.subarray(0, bytes.length - 10), /checksum/],
    ['one byte of the script flipped', flipped, /checksum/],
    ['empty', Buffer.alloc(0), /not a cache entry/],
    ['something else', Buffer.from('function FindProxyForURL() {}\n'), /not a cache entry/],
    ['another version', Buffer.from(bytes.toString('latin1').replace('cache 1', 'cache 2'), 'latin1'), /not a cache entry/],
  ];
  for (const [what, data, why] of cases) {
    const got = decodeEntry(data, ENTRY.key);
    assert.equal(typeof got, 'string', what);
    assert.match(got as string, why, what);
  }
  assert.match(decodeEntry(bytes, urlKey('http://other/')) as string, /another key/);
  // A header that checks out but is not ours: refused on its fields.
  const rest = Buffer.from('{"key":"url x","fetchedAt":"soon","lifetimeS":1,"staleIfErrorS":0}\nx');
  const forged = Buffer.concat([Buffer.from(`connect-pac-cache 1 ${fnv1a(rest)}\n`), rest]);
  assert.match(decodeEntry(forged, 'url x') as string, /unreadable header/);
});

test('keys: a URL, WPAD by domain and network; file names carry a hash, never the URL', () => {
  assert.equal(urlKey('http://a/p.pac'), 'url http://a/p.pac');
  assert.equal(wpadKey('Corp.Example', 'n'), 'wpad corp.example n');
  assert.notEqual(urlKey('https://a/p.pac', true), urlKey('https://a/p.pac'), 'fetched with --insecure: never used by a verified run');
  assert.notEqual(entryFileName(urlKey('https://a/p.pac', true)), entryFileName(urlKey('https://a/p.pac')));
  const name = entryFileName(urlKey('http://a/p.pac'));
  assert.match(name, /^url-[0-9a-f]{16}\.pac$/);
  assert.match(entryFileName(wpadKey('corp.example', 'n')), /^wpad-[0-9a-f]{16}\.pac$/);
  assert.notEqual(entryFileName(urlKey('http://a/p.pac')), entryFileName(urlKey('http://a/q.pac')));
});

test('networkKey: name servers and non-loopback addresses with prefixes, in any order; another network, another key', () => {
  const office = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' }, { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6' }],
    eth0: [{ address: '10.1.2.3', netmask: '255.255.0.0', family: 'IPv4' }, { address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' }],
    wlan0: [{ address: '192.0.2.9', netmask: '255.255.255.0', family: 'IPv4' }],
  };
  const conf = 'search corp.example\nnameserver 10.1.0.53 # office DNS\nnameserver 10.1.0.54\n';
  const key = networkKey(conf, office);
  assert.equal(key, 'ns=10.1.0.53,10.1.0.54 addr=10.1.2.3/16,192.0.2.9/24,2001:db8::5/64');
  assert.equal(networkKey(conf, { wlan0: office.wlan0, eth0: office.eth0 }), key, 'interface order does not matter');
  assert.notEqual(networkKey(conf, { eth0: [{ address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4' }] }), key, 'home: other addresses');
  assert.notEqual(networkKey('nameserver 192.168.1.1\n', office), key, 'another resolver');
});

test('lifetime from Cache-Control (RFC 9111 §5.2.2, RFC 5861): the setting unless the server says less', () => {
  type Row = [string | undefined, number, boolean, Partial<{ store: boolean; lifetimeS: number; staleIfErrorS: number }>];
  const rows: Row[] = [
    [undefined, 300, false, { store: true, lifetimeS: 300, staleIfErrorS: 300 }],
    ['public', 300, false, { store: true, lifetimeS: 300 }],
    ['max-age=60', 300, false, { store: true, lifetimeS: 60, staleIfErrorS: 300 }],
    ['Max-Age="60", public', 300, false, { store: true, lifetimeS: 60 }],
    ['max-age=86400', 300, false, { store: true, lifetimeS: 300 }],
    ['max-age=soon', 300, false, { store: true, lifetimeS: 300 }],
    ['no-store', 300, true, { store: false }],
    ['max-age=600, no-store', 300, true, { store: false }],
    ['no-cache', 300, true, { store: true, lifetimeS: 0, staleIfErrorS: 0 }],
    ['no-cache', 300, false, { store: false }],
    ['max-age=0', 300, true, { store: true, lifetimeS: 0 }],
    ['max-age=0', 300, false, { store: false }],
    ['max-age=60, stale-if-error=30', 300, false, { lifetimeS: 60, staleIfErrorS: 30 }],
    ['stale-if-error=86400', 300, false, { staleIfErrorS: MAX_STALE_IF_ERROR_S }],
    ['max-age=60, must-revalidate', 300, false, { lifetimeS: 60, staleIfErrorS: 0 }],
    [undefined, 30, false, { lifetimeS: 30, staleIfErrorS: 30 }],
    [undefined, 3600, false, { lifetimeS: 3600, staleIfErrorS: MAX_STALE_IF_ERROR_S }],
  ];
  for (const [header, limit, validator, want] of rows) {
    const got = lifetimeFrom(header, limit, validator);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${header} (limit ${limit}, validator ${validator}): ${k}`);
    assert.ok(got.why.length > 0);
  }
});

test('standing: fresh within its lifetime, stale within stale-if-error after it, then expired; a future fetch time is expired', () => {
  const e = { ...ENTRY, lifetimeS: 300, staleIfErrorS: 60 };
  const at = (s: number) => standing(e, e.fetchedAt + s * 1000);
  assert.deepEqual(at(0), { state: 'fresh', ageS: 0, leftS: 300 });
  assert.deepEqual(at(299.5), { state: 'fresh', ageS: 299, leftS: 1 });
  assert.deepEqual(at(300), { state: 'stale', ageS: 300, leftS: 60 });
  assert.deepEqual(at(359), { state: 'stale', ageS: 359, leftS: 1 });
  assert.equal(at(360).state, 'expired');
  assert.equal(at(-120).state, 'expired');
  assert.equal(standing({ ...e, lifetimeS: 0, staleIfErrorS: 0 }, e.fetchedAt).state, 'expired', 'revalidate before each use');
});

const noOptions = { pacCache: undefined } as unknown as OptionArgs;
const opts = (pacCache?: string) => ({ ...noOptions, ...(pacCache !== undefined && { pacCache }) }) as OptionArgs;

test('--pac-cache / CONNECT_PAC_CACHE: seconds or off, clamped to the maximum, with where it came from', () => {
  const env = (e: Record<string, string>) => ({ env: e, home: '/home/u' });
  const none = makeParamLookup({}, []);
  const d = pacCacheChoice(opts(), none, env({}));
  assert.deepEqual(d.cache, { dir: '/home/u/.cache/connect/pac', maxAgeS: DEFAULT_PAC_CACHE_S });
  assert.deepEqual(d.setting, { name: 'pac cache', value: '300 s at most, in /home/u/.cache/connect/pac', from: 'default' });
  const xdg = pacCacheChoice(opts(), none, env({ XDG_CACHE_HOME: '/var/cache/u' }));
  assert.equal(xdg.cache?.dir, '/var/cache/u/connect/pac');
  assert.equal(pacCacheChoice(opts(), none, env({ XDG_CACHE_HOME: 'relative/dir' })).cache?.dir, '/home/u/.cache/connect/pac', 'a relative XDG_CACHE_HOME is ignored');
  assert.equal(pacCacheChoice(opts(), none, { env: {} }).cache, undefined, 'no home, no XDG_CACHE_HOME: off');
  assert.deepEqual(pacCacheChoice(opts('off'), none, env({})).setting, { name: 'pac cache', value: 'off', from: '--pac-cache' });
  assert.equal(pacCacheChoice(opts('0'), none, env({})).cache, undefined);
  assert.equal(pacCacheChoice(opts('60'), none, env({})).cache?.maxAgeS, 60);
  const big = pacCacheChoice(opts('99999'), none, env({}));
  assert.equal(big.cache?.maxAgeS, MAX_PAC_CACHE_S);
  assert.match(big.warning ?? '', /more than allowed; using 3600 s/);
  const rc = makeParamLookup({}, [{ path: '/home/u/.connectrc', text: 'CONNECT_PAC_CACHE=120\n' }]);
  assert.deepEqual(pacCacheChoice(opts(), rc, env({})).setting.from, '/home/u/.connectrc:1 (CONNECT_PAC_CACHE)');
  const fromEnv = makeParamLookup({ CONNECT_PAC_CACHE: 'OFF' }, []);
  assert.equal(pacCacheChoice(opts(), fromEnv, env({})).cache, undefined);
  assert.equal(pacCacheChoice(opts('30'), fromEnv, env({})).cache?.maxAgeS, 30, 'the option wins');
  assert.throws(() => pacCacheChoice(opts('5m'), none, env({})), (e: unknown) => e instanceof ConnectError && e.code === 'USAGE' && /--pac-cache must be a number of seconds or off/.test(e.message));
  assert.throws(() => pacCacheChoice(opts(), makeParamLookup({ CONNECT_PAC_CACHE: 'x' }, []), env({})), (e: unknown) => e instanceof ConnectError && e.code === 'CONFIG');
});

function configOf(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseArgs(argv, { programName: 'connect' });
  assert.equal(parsed.kind, 'run');
  return buildConfig((parsed as { args: ParsedArgs }).args, { env, rcFiles: [], loginName: 'u', home: '/home/u' });
}

test('the PAC config carries the cache for pac+http(s) and WPAD, never for pac+file; --explain names it', () => {
  const http = configOf(['--pac-cache', '90', '-x', 'pac+http://wpad.corp/p.pac', 'h', '22']);
  assert.deepEqual(http.tunnel.pac?.cache, { dir: '/home/u/.cache/connect/pac', maxAgeS: 90 });
  assert.deepEqual(http.explanation?.settings.find((s) => s.name === 'pac cache'), { name: 'pac cache', value: '90 s at most, in /home/u/.cache/connect/pac', from: '--pac-cache' });
  assert.equal(configOf(['-x', 'wpad', 'h', '22']).tunnel.pac?.cache?.maxAgeS, 300);
  const file = configOf(['-x', 'pac+file:///etc/proxy.pac', 'h', '22']);
  assert.equal(file.tunnel.pac?.cache, undefined);
  assert.equal(file.explanation?.settings.find((s) => s.name === 'pac cache'), undefined);
  const auto = configOf(['-x', 'auto', 'h', '22']);
  const wpad = auto.tunnel.hops[0]!.candidates.find((c) => c.kind === 'wpad');
  assert.equal(wpad && 'pac' in wpad ? wpad.pac.cache?.maxAgeS : undefined, 300);
  const plain = configOf(['-x', 'socks5://p:1080', 'h', '22']);
  assert.equal(plain.explanation?.settings.find((s) => s.name === 'pac cache'), undefined, 'no PAC, no PAC cache line');
  assert.match(configOf(['--pac-cache=7200', '-x', 'wpad', 'h', '22']).warnings.join('\n'), /using 3600 s/);
});

test('--explain text: the PAC script\'s line says where it came from; the settings name the cache and its source', () => {
  const e = configOf(['-x', 'pac+http://wpad.corp/p.pac', 'h', '22'], { CONNECT_PAC_CACHE: '120' }).explanation!;
  e.pac = { source: 'pac+http://wpad.corp/p.pac', cache: 'the cache (fetched 42 s ago, fresh 78 s more)', asked: 'FindProxyForURL("https://h:22/", "h")', result: 'DIRECT', routes: ['DIRECT'] };
  const lines = explanationLines(e);
  const at = lines.indexOf('PAC script pac+http://wpad.corp/p.pac');
  assert.ok(at >= 0, lines.join('\n'));
  assert.equal(lines[at + 1], '  from the cache (fetched 42 s ago, fresh 78 s more)');
  assert.match(lines[at + 2]!, /^ {2}FindProxyForURL\("https:\/\/h:22\/", "h"\) returned "DIRECT"$/);
  assert.ok(lines.includes('  pac cache 120 s at most, in /home/u/.cache/connect/pac (environment variable CONNECT_PAC_CACHE)'), lines.join('\n'));
});
