// -w: one deadline over connecting and negotiating; on expiry "timed out", exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpScript, perConnection, startFakeProxy, type FakeProtocol, type Script } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';

const CASES: Array<[string, FakeProtocol, Script, (port: number) => string[], Record<string, string>]> = [
  ['SOCKS5 proxy that never answers', 'socks5', [{ hang: true }], (p) => ['-S', `127.0.0.1:${p}`], {}],
  ['SOCKS4 proxy that never answers', 'socks4', [{ hang: true }], (p) => ['-4', '-S', `127.0.0.1:${p}`], {}],
  ['HTTP proxy that never answers', 'http', [{ hang: true }], (p) => ['-H', `127.0.0.1:${p}`], {}],
  ['telnet proxy that never answers', 'telnet', [{ hang: true }], (p) => ['-T', `127.0.0.1:${p}`], {}],
  [
    'HTTP proxy: 407, then the reconnect never answers',
    'http',
    perConnection(httpScript({ status: 407 }), [{ hang: true }]),
    (p) => ['-H', `alice@127.0.0.1:${p}`],
    { HTTP_PROXY_PASSWORD: 'pw' },
  ],
];

for (const [name, protocol, script, args, env] of CASES) {
  test(`-w 1: ${name} → exit 1 within 2 s, one "timed out" line`, async (t) => {
    const peer = await startFakeProxy(protocol, { script }, { t });
    const r = await runConnect(['-w', '1', ...args(peer.port), 'target.example', '22'], { stdin: 'keep-open', env, timeoutMs: 5000 });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.durationMs < 2000, `took ${r.durationMs} ms`);
    assert.ok(r.durationMs >= 900, `gave up early: ${r.durationMs} ms`);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /timed out/);
    assert.ok(peer.connections.length >= 1);
  });
}

test('-w 1: reaching the 407 reconnect is part of the same deadline (2 connections seen)', async (t) => {
  const peer = await startFakeProxy('http', { script: perConnection(httpScript({ status: 407 }), [{ hang: true }]) }, { t });
  const r = await runConnect(['-w', '1', '-H', `alice@127.0.0.1:${peer.port}`, 'target.example', '22'], { stdin: 'keep-open', env: { HTTP_PROXY_PASSWORD: 'pw' }, timeoutMs: 5000 });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(peer.connections.length, 2, r.stderr);
  assert.match(peer.connections[1]!.received.toString(), /^CONNECT target\.example:22 HTTP\/1\.[01]\r\n/);
});
