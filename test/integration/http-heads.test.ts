// HTTP response heads as real proxies send them: bare-LF line ends
// (RFC 9112 §2.2) and interim 1xx responses before the final one
// (RFC 9110 §15.2). Each case carries a banner through the tunnel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProxy, type Step } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';

const BANNER = 'SSH-2.0-heads\r\n';

async function through(t: { after(fn: () => unknown): void }, reply: string, extra: string[] = []) {
  const steps: Step[] = [{ until: '\r\n\r\n' }, { send: reply + BANNER }, { close: true }];
  const peer = await startFakeProxy('http', { script: steps }, { t });
  return runConnect(['-w', '5', ...extra, '-H', `127.0.0.1:${peer.port}`, 'target.example', '22']);
}

const accepted: Array<[string, string]> = [
  ['bare LF, no fields', 'HTTP/1.0 200 OK\n\n'],
  ['bare LF with fields', 'HTTP/1.1 200 Connection established\nVia: 1.1 lf-proxy\nX-A: b\n\n'],
  ['LF then CRLF blank line', 'HTTP/1.0 200 OK\nVia: x\n\r\n'],
  ['100 Continue, then 200', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\n\r\n'],
  ['102 and 103 with fields, then 200', 'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'],
  ['100 with bare LF, then 200 with bare LF', 'HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n\n'],
];

for (const [name, reply] of accepted) {
  test(`HTTP ${name}: tunnel opens, the banner arrives intact`, async (t) => {
    const r = await through(t, reply);
    assert.equal(r.stdout.toString(), BANNER, r.stderr);
    assert.equal(r.code, 0);
  });
}

test('HTTP 100 Continue, then 403: refused with the final status line, not the interim one', async (t) => {
  const r = await through(t, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\n\r\n');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /403 Forbidden/);
  assert.doesNotMatch(r.stderr, /100 Continue/);
});

test('HTTP endless 100 Continue heads: bounded like one head (64 KiB), one line, exit 1', async (t) => {
  const r = await through(t, 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(4000));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /longer than|bytes/);
  assert.equal(r.stdout.length, 0);
});

test('-d shows the interim response skipped', async (t) => {
  const r = await through(t, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', ['-d']);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.match(r.stderr, /interim response 100 skipped/);
});
