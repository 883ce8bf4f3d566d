import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passwdEntry } from '../../src/config/passwd.js';

test('passwd entry by user id (passwd(5) lines, first match)', () => {
  const file = [
    'root:x:0:0:root:/root:/bin/bash',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    'alice:x:1000:1000:Alice A,,,:/home/alice:/bin/sh',
    'again:x:1000:1000::/home/again:/bin/sh',
    'nohome:x:1001:1001:::/bin/sh',
    '',
  ].join('\n');
  const rows: [string, number, ReturnType<typeof passwdEntry>][] = [
    [file, 0, { name: 'root', home: '/root' }],
    [file, 1000, { name: 'alice', home: '/home/alice' }], // the first line with the id wins
    [file, 1001, { name: 'nohome', home: '' }],
    [file, 1002, undefined],
    [file, 10, undefined], // 1000 and 1001 do not match by prefix
    ['alice:x:1000:1000:Alice:/home/alice:/bin/sh', 1000, { name: 'alice', home: '/home/alice' }], // no final newline
    ['broken:x:1000:1000:/home/broken\n', 1000, undefined], // too few fields
    ['x:x:1000:1000:a:b:c:d\n', 1000, undefined], // too many
    ['+::::::\nalice:x:1000:1000::/home/alice:/bin/sh\n', 1000, undefined], // NIS compat: the system lookup decides
    ['alice:x:1000:1000::/home/alice:/bin/sh\n-bob::::::\n', 1000, { name: 'alice', home: '/home/alice' }],
    ['', 0, undefined],
  ];
  for (const [text, uid, want] of rows) assert.deepEqual(passwdEntry(text, uid), want, `${JSON.stringify(text)} uid ${uid}`);
});
