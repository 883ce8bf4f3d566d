import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wire from '../../src/protocols/telnet-wire.js';
import { ConnectError } from '../../src/errors.js';

test('expandCommand follows connect.c 1.105 exactly (checked against connect-proxy)', () => {
  const cases: [string, string][] = [
    ['telnet %h %p', 'telnet example.com 22'],
    ['open %h:%p\\r%%x%q\\\\n%', 'open example.com:22\rxq\n'], // as sent by connect-proxy -c
    ['%%h', 'example.com'], // %% is no escape: the first % is dropped
    ['a\\tb\\nc\\rd', 'a\tb\nc\rd'],
    ['\\x\\', 'x'], // unknown escape: backslash dropped; trailing one too
    ['100%', '100'],
    ['%p%p', '2222'],
    ['plain', 'plain'],
  ];
  for (const [template, expected] of cases) assert.equal(wire.expandCommand(template, 'example.com', 22), expected, template);
});

test('request: default template, CRLF appended', () => {
  assert.equal(wire.request(undefined, 'h.example', 2022), 'telnet h.example 2022\r\n');
  assert.equal(wire.request('connect %h %p', '::1', 22), 'connect ::1 22\r\n');
});

test('request: a host with space or control characters is BAD_INPUT', () => {
  for (const host of ['evil\r\nquit', 'a b', 'tab\there', '', 'nul\0']) {
    assert.throws(() => wire.request(undefined, host, 22), (e) => e instanceof ConnectError && e.code === 'BAD_INPUT', JSON.stringify(host));
  }
});

test('classifyLine: good phrase first, then bad phrases, case-insensitive', () => {
  const cases: [string, wire.Verdict][] = [
    ['Connected to example.com.\r\n', 'connected'],
    ['CONNECTED TO x\n', 'connected'],
    ['connected to x, previous attempt failed\r\n', 'connected'], // good phrase wins
    ['Trying 10.0.0.1...\r\n', 'more'],
    ['telnet: Unable to connect to remote host: Connection refused\r\n', 'failed'],
    ['Connection closed by foreign host.\r\n', 'failed'],
    ['Request rejected\r\n', 'failed'],
    ['Lookup failed\r\n', 'failed'],
    ['refused\r\n', 'more'], // the bad phrases start with a space
    ['\r\n', 'more'],
  ];
  for (const [line, expected] of cases) assert.equal(wire.classifyLine(line), expected, JSON.stringify(line));
});
