import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4 } from 'node:net';
import { isIPv4Literal } from '../../src/address.js';

// isIPv4Literal stands for net.isIPv4 (src/address.ts): they agree.
test('isIPv4Literal: the same as net.isIPv4 on a table', () => {
  const rows = [
    '0.0.0.0', '127.0.0.1', '255.255.255.255', '192.0.2.1', '1.2.3.4', '10.0.0.255',
    '256.0.0.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '00.0.0.0', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3',
    '1..2.3', '', '.', '...', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '+1.2.3.4', '-1.2.3.4', '0x7f.0.0.1',
    '1e2.0.0.1', '１.2.3.4', '1.2.3.٤', '::1', '::ffff:1.2.3.4', '1.2.3.4%eth0', '1.2.3.4:22', 'target.example',
    '1234.1.1.1', '999.1.1.1', '249.250.251.252', '199.200.201.209',
  ];
  for (const text of rows) assert.equal(isIPv4Literal(text), isIPv4(text), JSON.stringify(text));
});

test('isIPv4Literal: the same as net.isIPv4 for every part from a set, in every place', () => {
  const parts = ['0', '1', '9', '10', '99', '100', '199', '200', '249', '250', '255', '256', '300', '999', '00', '01', '010', '0255', '', 'a', ' 1', '1 '];
  const differ: string[] = [];
  for (const part of parts) {
    for (let at = 0; at < 4; at++) {
      const text = ['1', '2', '3', '4'].map((p, i) => (i === at ? part : p)).join('.');
      if (isIPv4Literal(text) !== isIPv4(text)) differ.push(text);
    }
  }
  assert.deepEqual(differ, []);
});
