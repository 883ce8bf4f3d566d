import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankAddresses, type InterfaceList } from '../../src/pac/my-ip.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) });

const interfaces = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('fe80::1%eth0', 'IPv6'), iface('10.20.0.5', 'IPv4'), iface('fd00::5', 'IPv6')],
  docker0: [iface('172.17.0.1', 'IPv4')],
  wlan0: [iface('169.254.3.3', 'IPv4')],
} as unknown as InterfaceList;

test('myIpAddress candidates: the routed source first, then interfaces, loopback never', () => {
  const rows: [string[], string[]][] = [
    [['172.17.0.1'], ['172.17.0.1', '10.20.0.5', 'fd00::5', 'fe80::1', '169.254.3.3']],
    [['10.20.0.5', 'fd00::5'], ['10.20.0.5', 'fd00::5', '172.17.0.1', 'fe80::1', '169.254.3.3']],
    [[], ['10.20.0.5', '172.17.0.1', 'fd00::5', 'fe80::1', '169.254.3.3']],
    [['127.0.0.1', '::1', 'fe80::9', '::', '0.0.0.0'], ['10.20.0.5', '172.17.0.1', 'fd00::5', 'fe80::1', '169.254.3.3']],
  ];
  for (const [routed, want] of rows) assert.deepEqual(rankAddresses(routed, interfaces), want, routed.join(','));
  assert.deepEqual(rankAddresses([], { lo: interfaces['lo'] } as InterfaceList), []);
});
