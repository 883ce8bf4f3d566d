// The PAC functions against the behaviour Netscape documented and Firefox
// and Chromium implement (the examples are the classic documentation's),
// plus Microsoft's IPv6 extensions as Chromium implements them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePacFunctions, PAC_FUNCTION_NAMES, type PacEnvironment, type PacValue } from '../../src/pac/functions.js';
import type { PacArg } from '../../src/pac/time.js';

// Local time here is UTC+05:30 all year (no daylight saving), so "GMT" and local differ.
process.env.TZ = 'Asia/Kolkata';

const DNS: Record<string, string[]> = {
  'www.mozilla.org': ['104.16.41.2', '2606:4700::6810:2902'],
  'v6only.example': ['2001:db8::7'],
  'intranet': ['10.1.2.3'],
};

function env(over: Partial<PacEnvironment> = {}): PacEnvironment & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    addresses: (name) => {
      asked.push(name);
      return DNS[name] ?? [];
    },
    myAddresses: () => ['192.168.1.20', 'fd00::20'],
    now: new Date('2026-12-01T21:00:00Z'),
    ...over,
  };
}

type Row = [string, PacArg[], PacValue];

function check(rows: Row[], e: PacEnvironment = env()): void {
  const f = makePacFunctions(e);
  for (const [name, args, want] of rows) {
    assert.equal(f[name]!(...args), want, `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
  }
}

test('the names a script sees: the standard set, the Ex set and alert, nothing else', () => {
  assert.deepEqual([...PAC_FUNCTION_NAMES].sort(), [
    'alert', 'dateRange', 'dnsDomainIs', 'dnsDomainLevels', 'dnsResolve', 'dnsResolveEx', 'getClientVersion',
    'isInNet', 'isInNetEx', 'isPlainHostName', 'isResolvable', 'isResolvableEx', 'localHostOrDomainIs',
    'myIpAddress', 'myIpAddressEx', 'shExpMatch', 'sortIpAddressList', 'timeRange', 'weekdayRange',
  ]);
});

test('host name functions', () => {
  check([
    ['isPlainHostName', ['www.mozilla.org'], false],
    ['isPlainHostName', ['www'], true],
    ['isPlainHostName', ['::1'], false],
    ['isPlainHostName', [''], true],
    ['dnsDomainIs', ['www.mozilla.org', '.mozilla.org'], true],
    ['dnsDomainIs', ['www', '.mozilla.org'], false],
    ['dnsDomainIs', ['www.mozilla.org', 'mozilla.org'], true],
    ['dnsDomainIs', ['www.mozilla.org', '.MOZILLA.ORG'], false],
    ['localHostOrDomainIs', ['www.mozilla.org', 'www.mozilla.org'], true],
    ['localHostOrDomainIs', ['www', 'www.mozilla.org'], true],
    ['localHostOrDomainIs', ['www.google.com', 'www.mozilla.org'], false],
    ['localHostOrDomainIs', ['home.mozilla.org', 'www.mozilla.org'], false],
    ['dnsDomainLevels', ['www'], 0],
    ['dnsDomainLevels', ['mozilla.org'], 1],
    ['dnsDomainLevels', ['www.mozilla.org'], 2],
    ['getClientVersion', [], '1.0'],
  ]);
});

test('shExpMatch: shell expressions over the whole string', () => {
  check([
    ['shExpMatch', ['http://home.netscape.com/people/ari/index.html', '*/ari/*'], true],
    ['shExpMatch', ['http://home.netscape.com/people/montulli/index.html', '*/ari/*'], false],
    ['shExpMatch', ['www.mozilla.org', '*.mozilla.org'], true],
    ['shExpMatch', ['mozilla.org', '*.mozilla.org'], false],
    ['shExpMatch', ['wwwxmozilla.org', 'www.mozilla.org'], false],
    ['shExpMatch', ['abc', 'a?c'], true],
    ['shExpMatch', ['ac', 'a?c'], false],
    ['shExpMatch', ['anything', '*'], true],
    ['shExpMatch', ['', '*'], true],
    ['shExpMatch', ['', ''], true],
    ['shExpMatch', ['a', ''], false],
    ['shExpMatch', ['host10.example', 'host[0-9]*.example'], true],
    ['shExpMatch', ['hostx.example', 'host[0-9]*.example'], false],
    ['shExpMatch', ['hostx.example', 'host[!0-9]*'], true],
    ['shExpMatch', ['a]b', 'a[]]b'], true],
    ['shExpMatch', ['a[b', 'a[b'], true],
    ['shExpMatch', ['a+b', 'a+b'], true],
    ['shExpMatch', ['aab', 'a+b'], false],
    ['shExpMatch', ['x.y', 'x$y'], false],
    ['shExpMatch', ['10.1.2.3', '10.*'], true],
    ['shExpMatch', ['https://h.example:22/', 'https://*'], true],
    ['shExpMatch', ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac', '*a*a*a*a*a*a*a*a*a*b'], false],
  ]);
});

test('name resolution: IPv4 for the Netscape set, every address for the Ex set', () => {
  const e = env();
  check([
    ['dnsResolve', ['www.mozilla.org'], '104.16.41.2'],
    ['dnsResolve', ['v6only.example'], null],
    ['dnsResolve', ['nowhere.example'], null],
    ['dnsResolve', ['10.9.8.7'], '10.9.8.7'],
    ['isResolvable', ['www.mozilla.org'], true],
    ['isResolvable', ['v6only.example'], false],
    ['isResolvable', ['nowhere.example'], false],
    ['dnsResolveEx', ['www.mozilla.org'], '104.16.41.2;2606:4700::6810:2902'],
    ['dnsResolveEx', ['v6only.example'], '2001:db8::7'],
    ['dnsResolveEx', ['nowhere.example'], ''],
    ['dnsResolveEx', ['::1'], '::1'],
    ['isResolvableEx', ['v6only.example'], true],
    ['isResolvableEx', ['nowhere.example'], false],
  ], e);
  // Address literals are never looked up.
  assert.ok(!e.asked.includes('10.9.8.7') && !e.asked.includes('::1'));
});

test('isInNet: dotted quads only for pattern and mask; a name is resolved first', () => {
  const e = env();
  check([
    ['isInNet', ['198.95.249.79', '198.95.249.79', '255.255.255.255'], true],
    ['isInNet', ['198.95.249.78', '198.95.249.79', '255.255.255.255'], false],
    ['isInNet', ['198.95.6.8', '198.95.0.0', '255.255.0.0'], true],
    ['isInNet', ['198.96.6.8', '198.95.0.0', '255.255.0.0'], false],
    ['isInNet', ['intranet', '10.0.0.0', '255.0.0.0'], true],
    ['isInNet', ['www.mozilla.org', '10.0.0.0', '255.0.0.0'], false],
    ['isInNet', ['nowhere.example', '0.0.0.0', '0.0.0.0'], false],
    ['isInNet', ['10.1.2.3', '10.0.0.0', '255.0.0'], false],
    ['isInNet', ['10.1.2.3', '10', '255.0.0.0'], false],
    ['isInNet', ['10.1.2.3', '10.0.0.256', '255.0.0.0'], false],
    ['isInNet', ['1.2.3.4', '0.0.0.0', '0.0.0.0'], true],
  ], e);
  assert.ok(!e.asked.includes('10.0.0.0'), 'the pattern is never resolved');
});

test('isInNetEx, sortIpAddressList (IPv6 first, then IPv4, ascending)', () => {
  check([
    ['isInNetEx', ['198.95.249.79', '198.95.249.79/32'], true],
    ['isInNetEx', ['198.95.6.8', '198.95.0.0/16'], true],
    ['isInNetEx', ['198.96.6.8', '198.95.0.0/16'], false],
    ['isInNetEx', ['3ffe:8311:ffff:abcd:1234:dead:beef:101', '3ffe:8311:ffff::/48'], true],
    ['isInNetEx', ['3ffe:8311:fffe::1', '3ffe:8311:ffff::/48'], false],
    ['isInNetEx', ['10.1.2.3', '10.0.0.0/7'], true],
    ['isInNetEx', ['11.1.2.3', '10.0.0.0/7'], true],
    ['isInNetEx', ['12.1.2.3', '10.0.0.0/7'], false],
    ['isInNetEx', ['10.1.2.3', '::/0'], false],
    ['isInNetEx', ['10.1.2.3', '10.0.0.0/33'], false],
    ['isInNetEx', ['10.1.2.3', '10.0.0.0'], false],
    ['isInNetEx', ['intranet', '10.0.0.0/8'], false],
    ['isInNetEx', ['1.2.3.4', '0.0.0.0/0'], true],
    ['sortIpAddressList', ['10.2.3.9;2001:4898:28:3:201:2ff:feea:fc14;::1;127.0.0.1;::9'], '::1;::9;2001:4898:28:3:201:2ff:feea:fc14;10.2.3.9;127.0.0.1'],
    ['sortIpAddressList', ['10.2.3.9 ; 9.1.1.1'], '9.1.1.1;10.2.3.9'],
    ['sortIpAddressList', ['1.2.3.4'], '1.2.3.4'],
    ['sortIpAddressList', [''], false],
    ['sortIpAddressList', [';;'], false],
    ['sortIpAddressList', ['1.2.3.4;host'], false],
  ]);
});

test('myIpAddress: the first IPv4 address, 127.0.0.1 when there is none; myIpAddressEx: all', () => {
  check([
    ['myIpAddress', [], '192.168.1.20'],
    ['myIpAddressEx', [], '192.168.1.20;fd00::20'],
  ]);
  check([
    ['myIpAddress', [], '127.0.0.1'],
    ['myIpAddressEx', [], 'fd00::1'],
  ], env({ myAddresses: () => ['fd00::1'] }));
  check([
    ['myIpAddress', [], '127.0.0.1'],
    ['myIpAddressEx', [], ''],
  ], env({ myAddresses: () => undefined }));
});

test('weekdayRange (now: Tuesday 21:00 GMT = Wednesday 02:30 local)', () => {
  check([
    ['weekdayRange', ['MON', 'FRI'], true],
    ['weekdayRange', ['MON', 'FRI', 'GMT'], true],
    ['weekdayRange', ['WED'], true],
    ['weekdayRange', ['WED', 'GMT'], false],
    ['weekdayRange', ['TUE', 'GMT'], true],
    ['weekdayRange', ['SAT'], false],
    ['weekdayRange', ['FRI', 'MON'], false],
    ['weekdayRange', ['FRI', 'WED'], true],
    ['weekdayRange', ['THU', 'TUE', 'GMT'], true],
    ['weekdayRange', ['THU', 'TUE'], false],
    ['weekdayRange', ['wed'], false],
    ['weekdayRange', ['XYZ'], false],
    ['weekdayRange', [], false],
  ]);
});

test('dateRange (now: 2026-12-01 21:00 GMT = 2026-12-02 02:30 local)', () => {
  check([
    ['dateRange', [2], true],
    ['dateRange', [1], false],
    ['dateRange', [1, 'GMT'], true],
    ['dateRange', ['DEC'], true],
    ['dateRange', ['NOV'], false],
    ['dateRange', [2026], true],
    ['dateRange', [1995], false],
    ['dateRange', [1, 15], true],
    ['dateRange', [3, 15], false],
    ['dateRange', [24, 'DEC'], false],
    ['dateRange', ['NOV', 'DEC'], true],
    ['dateRange', ['JAN', 'MAR'], false],
    ['dateRange', ['OCT', 'JAN'], true],
    ['dateRange', [1, 'JUN', 15, 'AUG'], false],
    ['dateRange', [1, 'DEC', 1, 'DEC'], false],
    ['dateRange', [1, 'DEC', 1, 'DEC', 'GMT'], true],
    ['dateRange', [1, 'JUN', 2026, 15, 'DEC', 2026], true],
    ['dateRange', [1, 'JUN', 1995, 15, 'AUG', 1995], false],
    ['dateRange', ['OCT', 2026, 'MAR', 2027], true],
    ['dateRange', ['OCT', 1995, 'MAR', 1996], false],
    ['dateRange', [2025, 2027], true],
    ['dateRange', [1995, 1997], false],
    ['dateRange', ['2026'], true],
    ['dateRange', [], false],
  ]);
});

test('timeRange (now: 21:00:00 GMT = 02:30:00 local)', () => {
  check([
    ['timeRange', [2], true],
    ['timeRange', [21], false],
    ['timeRange', [21, 'GMT'], true],
    ['timeRange', ['2'], true],
    ['timeRange', [0, 2], true],
    ['timeRange', [3, 17], false],
    ['timeRange', [9, 17, 'GMT'], false],
    ['timeRange', [20, 21, 'GMT'], true],
    ['timeRange', [2, 30, 3, 0], true],
    ['timeRange', [2, 31, 3, 0], false],
    ['timeRange', [1, 0, 2, 30], true],
    ['timeRange', [1, 0, 2, 29], false],
    ['timeRange', [23, 0, 3, 0], true],
    ['timeRange', [2, 30, 0, 2, 30, 30], true],
    ['timeRange', [0, 0, 0, 0, 0, 30], false],
    ['timeRange', [21, 0, 0, 21, 0, 30, 'GMT'], true],
    ['timeRange', [1, 2, 3], false],
    ['timeRange', [], false],
  ]);
});

test('alert goes to the environment, returns nothing', () => {
  const seen: string[] = [];
  check([['alert', ['hello'], null]], env({ alert: (m) => seen.push(m) }));
  assert.deepEqual(seen, ['hello']);
});
