// Beyond connect.c: chains (-x repeated, each hop negotiated over the
// previous one), failover (comma-separated candidates), keepalive (-k).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { bannerServer, startFakeProxy } from '../helpers/fake-proxy.js';
import { freePort } from '../helpers/ports.js';
import { requireBinary } from '../helpers/process.js';
import { runConnect, spawnConnect } from '../helpers/run.js';

const BANNER = 'SSH-2.0-chain\r\n';

test('chain: SOCKS5 hop, then an HTTP proxy that demands Basic auth (407, reconnect through the SOCKS hop)', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const socks = await startFakeProxy('socks5', {}, { t });
  const http = await startFakeProxy('http', { auth: { user: 'alice', password: 'pw1', offer: ['Basic'] } });
  t.after(() => http.close());
  const args = ['-d', '-x', `socks5h://127.0.0.1:${socks.port}`, '-x', `http://alice@127.0.0.1:${http.port}`, '127.0.0.1', String(target.port)];
  const r = await runConnect(args, { env: { HTTP_PROXY_PASSWORD: 'pw1' } });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0);
  assert.deepEqual(http.requests.map((q) => q.auth), ['none', 'ok']);
  assert.ok(!r.stderr.includes('pw1'), 'password in debug output');
});

test('chain: two SOCKS5 hops, the second named by its address as seen from the first', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const a = await startFakeProxy('socks5', {}, { t });
  const b = await startFakeProxy('socks5', { auth: { user: 'bob', password: 'pw2' } }, { t });
  const args = ['-x', `socks5://127.0.0.1:${a.port}`, '-x', `socks5://bob:pw2@127.0.0.1:${b.port}`, '127.0.0.1', String(target.port)];
  const r = await runConnect(args);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0);
});

test('failover: a dead first candidate is skipped, -d says which proxy was used and why', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const good = await startFakeProxy('socks5', {}, { t });
  const dead = await freePort();
  const args = ['-d', '-S', `127.0.0.1:${dead},127.0.0.1:${good.port}`, '127.0.0.1', String(target.port)];
  const r = await runConnect(args);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0);
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${dead} failed: .*refused`));
  assert.match(r.stderr, new RegExp(`using SOCKS5 proxy 127\\.0\\.0\\.1:${good.port}`));
});

test('failover: a candidate that accepts and never answers is given up after -w, then the next is used', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const silent = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  const good = await startFakeProxy('socks5', {}, { t });
  const r = await runConnect(['-w', '1', '-S', `127.0.0.1:${silent.port},127.0.0.1:${good.port}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.ok(r.durationMs >= 900 && r.durationMs < 3000, `took ${r.durationMs} ms`);
});

test('failover: every candidate failing is one error line naming each', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const r = await runConnect(['-x', `socks5://127.0.0.1:${p1},http://127.0.0.1:${p2}`, 'example.com', '22']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`${p1}.*${p2}`));
});

test('-k 30: TCP keepalive is on for the proxy connection', { skip: requireBinary('ss') }, async (t) => {
  const target = await bannerServer(BANNER, { t });
  const socks = await startFakeProxy('socks5', {}, { t });
  const run = spawnConnect(['-k', '30', '-S', `127.0.0.1:${socks.port}`, '127.0.0.1', String(target.port)], { stdin: 'keep-open', stdout: 'stream' });
  await new Promise((resolve) => run.child.stdout!.once('data', resolve));
  const sockets = execFileSync('ss', ['-tno', 'state', 'established', `dport = :${socks.port}`], { encoding: 'utf8' });
  run.child.kill('SIGTERM');
  await run.result.catch(() => undefined);
  assert.match(sockets, /timer:\(keepalive,/, sockets);
});
