import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainMatch, localNetworkRules, matchDirect, parseDirectList } from '../../src/config/direct.js';

test('parse entries', () => {
  const rows: [string, unknown[]][] = [
    ['10.1.2.3/255.255.255.0', [{ type: 'net', family: 4, addr: [10, 1, 2, 0], mask: [255, 255, 255, 0], negative: false }]],
    ['10.1.2.0/24', [{ type: 'net', family: 4, addr: [10, 1, 2, 0], mask: [255, 255, 255, 0], negative: false }]],
    ['10.1.2.', [{ type: 'net', family: 4, addr: [10, 1, 2, 0], mask: [255, 255, 255, 0], negative: false }]],
    ['!10', [{ type: 'net', family: 4, addr: [10, 0, 0, 0], mask: [255, 0, 0, 0], negative: true }]],
    ['*.Example.COM, .b.org,c', [
      { type: 'name', name: 'example.com', negative: false },
      { type: 'name', name: 'b.org', negative: false },
      { type: 'name', name: 'c', negative: false },
    ]],
    ['fd00::/8', [{ type: 'net', family: 6, addr: [0xfd, ...new Array(15).fill(0)], mask: [255, ...new Array(15).fill(0)], negative: false }]],
    ['10.1.2.3/', [{ type: 'name', name: '10.1.2.3/', negative: false }]],
    ['*', [{ type: 'all', negative: false }]],
    [',,', []],
  ];
  for (const [text, want] of rows) assert.deepEqual(parseDirectList(text), want, text);
});

test('matching: first match decides', () => {
  const list = '!secret.example.com,example.com,!10.1.2.3,10.1.2.0/24,192.168.,fd00::/8,::1';
  const rules = parseDirectList(list);
  const rows: [string, string[] | undefined, boolean][] = [
    ['example.com', undefined, true],
    ['A.Example.Com', undefined, true],
    ['a.example.com.', undefined, true],
    ['badexample.com', undefined, false],
    ['secret.example.com', undefined, false],
    ['x.secret.example.com', undefined, false],
    ['10.1.2.3', undefined, false],
    ['10.1.2.4', undefined, true],
    ['10.1.3.4', undefined, false],
    ['192.168.99.1', undefined, true],
    ['::ffff:10.1.2.9', undefined, true],
    ['fd12::1', undefined, true],
    ['[fd12::1]', undefined, true],
    ['fe80::1', undefined, false],
    ['::1', undefined, true],
    ['intranet', ['10.1.2.77'], true],
    ['intranet', ['10.1.2.3', '10.1.2.4'], false],
    ['intranet', ['8.8.8.8'], false],
    ['10.1.2.4.nip.io', undefined, false],
  ];
  for (const [host, addrs, want] of rows) assert.equal(matchDirect(rules, host, addrs), want, `${host} ${addrs ?? ''}`);
  assert.equal(matchDirect([], 'a'), false);
  assert.equal(matchDirect(parseDirectList('*'), 'anything'), true);
  assert.equal(matchDirect(parseDirectList('.'), 'anything'), false);
});

test('domainMatch (connect.c examples)', () => {
  const rows: [string, string, boolean][] = [
    ['bar.com', 'bar.com', true],
    ['foo.bar.com', 'bar.com', true],
    ['foo.beebar.com', 'bar.com', false],
    ['bar', 'bar.com', false],
    ['bar.com', '', false],
  ];
  for (const [a, b, want] of rows) assert.equal(domainMatch(a, b), want, `${a} ${b}`);
});

test('local networks (-D)', () => {
  const rules = localNetworkRules({
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' }],
    eth0: [
      { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4' },
      { address: 'fd00:1:2:3::20', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' },
    ],
    none: undefined,
  });
  assert.equal(rules.length, 3);
  const rows: [string, boolean][] = [
    ['127.9.9.9', true], ['192.168.1.200', true], ['192.168.2.1', false],
    ['fd00:1:2:3::99', true], ['fd00:1:2:4::1', false],
  ];
  for (const [host, want] of rows) assert.equal(matchDirect(rules, host), want, host);
});
