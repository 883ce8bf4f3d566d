import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateCondition, splitCondition } from '../../src/config/roaming.js';
import { parseCandidateList, type CandidateUrl } from '../../src/config/spec.js';
import { chooseAuto } from '../../src/config/auto.js';
import { ConnectError } from '../../src/errors.js';

const ctx = { source: '-x', code: 'USAGE' as const };
const OFFICE = { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' }], eth0: [{ address: '10.20.30.40', netmask: '255.255.0.0', family: 'IPv4' }] };
const HOME = { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' }], wlan0: [{ address: '192.168.1.7', netmask: '255.255.255.0', family: 'IPv4' }, { address: 'fd00::7', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' }] };

test('splitCondition: the ?localnet= suffix, any case; the rest untouched', () => {
  const rows: [string, string, string | undefined][] = [
    ['socks5://gw:1080?localnet=10.0.0.0/8', 'socks5://gw:1080', '10.0.0.0/8'],
    ['socks5://gw:1080?LOCALNET=10.0.0.0/8|192.168.1.', 'socks5://gw:1080', '10.0.0.0/8|192.168.1.'],
    ['direct://?localnet=!10.0.0.0/8', 'direct://', '!10.0.0.0/8'],
    ['http://p:3128?localnet=fd00::/8', 'http://p:3128', 'fd00::/8'],
    ['socks5://gw:1080', 'socks5://gw:1080', undefined],
    ['http://p:3128/?x=1', 'http://p:3128/?x=1', undefined],
  ];
  for (const [entry, body, text] of rows) {
    const r = splitCondition(entry, '-x', 'USAGE');
    assert.equal(r.body, body, entry);
    assert.equal(r.condition?.text, text, entry);
  }
});

test('splitCondition: names, empty entries and bare ! are usage errors', () => {
  for (const entry of ['socks5://gw?localnet=', 'socks5://gw?localnet=office.example', 'socks5://gw?localnet=10.0.0.0/8|', 'socks5://gw?localnet=!']) {
    assert.throws(() => splitCondition(entry, '-x', 'USAGE'), (e) => e instanceof ConnectError && e.code === 'USAGE', entry);
  }
});

test('evaluateCondition: any local address in the networks; ! excludes; first entry deciding for an address wins', () => {
  const rows: [string, typeof OFFICE | typeof HOME, boolean, RegExp][] = [
    ['10.0.0.0/8', OFFICE, true, /eth0 10\.20\.30\.40 is in 10\.0\.0\.0\/8/],
    ['10.0.0.0/8', HOME, false, /no local address in 10\.0\.0\.0\/8 \(local addresses: lo 127\.0\.0\.1, wlan0 192\.168\.1\.7, wlan0 fd00::7\)/],
    ['192.168.1.|10.20.', HOME, true, /wlan0 192\.168\.1\.7/],
    ['!10.20.0.0/16|10.0.0.0/8', OFFICE, false, /no local address/],
    ['!10.99.0.0/16|10.0.0.0/8', OFFICE, true, /eth0/],
    ['fd00::/8', HOME, true, /wlan0 fd00::7/],
    ['127.0.0.0/8', HOME, true, /lo 127\.0\.0\.1/],
  ];
  for (const [nets, ifaces, holds, because] of rows) {
    const { condition } = splitCondition(`direct://?localnet=${nets}`, '-x', 'USAGE');
    const r = evaluateCondition(condition!, ifaces);
    assert.equal(r.holds, holds, nets);
    assert.match(r.because, because, nets);
  }
});

test('parseCandidateList: proxies, direct://, auto, conditions', () => {
  const kinds = (text: string) => parseCandidateList(text, ctx).map((c: CandidateUrl) => (c.kind === 'proxy' ? `${c.url.kind}:${c.url.host}` : c.kind) + ('when' in c && c.when ? `?${c.when.text}` : ''));
  const rows: [string, string[]][] = [
    ['socks5://gw:1080,direct://', ['socks5:gw', 'direct']],
    ['DIRECT://, http://p', ['direct', 'http:p']],
    ['direct:///', ['direct']],
    ['auto', ['auto']],
    ['socks5h://gw?localnet=10.0.0.0/8,direct://', ['socks5:gw?10.0.0.0/8', 'direct']],
    ['http://a?localnet=192.168.1.0/24,http://b?localnet=10.0.0.0/8,direct://', ['http:a?192.168.1.0/24', 'http:b?10.0.0.0/8', 'direct']],
  ];
  for (const [text, want] of rows) assert.deepEqual(kinds(text), want, text);
  assert.throws(() => parseCandidateList('direct', ctx), /invalid proxy/);
  assert.throws(() => parseCandidateList('ftp://x', ctx), /unknown scheme/);
});

test('chooseAuto: ALL_PROXY, all_proxy, HTTPS_PROXY, https_proxy in order; empty is unset; no scheme means http; else WPAD, else DIRECT', () => {
  const rows: [Record<string, string>, string | undefined, string][] = [
    [{ ALL_PROXY: 'socks5h://a:1080', HTTPS_PROXY: 'http://b:3128' }, 'socks5h://a:1080', 'environment variable ALL_PROXY'],
    [{ all_proxy: 'socks5://a', https_proxy: 'http://b' }, 'socks5://a', 'environment variable all_proxy'],
    [{ ALL_PROXY: '', HTTPS_PROXY: 'b:3128' }, 'http://b:3128', 'environment variable HTTPS_PROXY'],
    [{ https_proxy: 'https://c' }, 'https://c', 'environment variable https_proxy'],
    [{ HTTP_PROXY: 'p:80', NO_PROXY: '*' }, undefined, 'no ALL_PROXY/all_proxy/HTTPS_PROXY/https_proxy in the environment: WPAD, else DIRECT'],
  ];
  for (const [env, text, from] of rows) {
    const choice = chooseAuto(env);
    assert.equal(choice.text, text, JSON.stringify(env));
    assert.equal(choice.from, from);
    if (text === undefined) assert.deepEqual(choice.candidates, [{ kind: 'wpad' }, { kind: 'direct' }]);
  }
  // A hop of a chain: WPAD's answer is a whole route, so auto skips it there.
  const inChain = chooseAuto({}, false);
  assert.deepEqual(inChain.candidates, [{ kind: 'direct' }]);
  assert.equal(inChain.from, 'no ALL_PROXY/all_proxy/HTTPS_PROXY/https_proxy in the environment: DIRECT');
});
