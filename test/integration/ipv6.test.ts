// Beyond connect.c (IPv4 only): IPv6 targets and proxies on ::1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerServer, httpScript, socks4Script, socks5Script, startFakeProxy } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';

const BANNER = 'SSH-2.0-v6\r\n';
const V6_LOOPBACK_ATYP4 = Buffer.from([5, 1, 0, 4, ...Array(15).fill(0), 1, 0, 22]);

test('direct to an IPv6 literal, with and without brackets', async (t) => {
  const target = await bannerServer(BANNER, { t, host: '::1', then: 'close' });
  for (const host of ['::1', '[::1]']) {
    const r = await runConnect([host, String(target.port)]);
    assert.equal(r.stdout.toString(), BANNER, `${host}: ${r.stderr}`);
    assert.equal(r.code, 0);
  }
});

test('SOCKS5 proxy at [::1]:port (with user@) and an IPv6 target as address type 4', async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER }) }, { t, host: '::1' });
  for (const spec of [`[::1]:${peer.port}`, `alice@[::1]:${peer.port}`]) {
    const r = await runConnect(['-S', spec, '[::1]', '22']);
    assert.equal(r.stdout.toString(), BANNER, `${spec}: ${r.stderr}`);
  }
  assert.equal(peer.connections.length, 2);
  for (const c of peer.connections) assert.deepEqual(c.frames[1], V6_LOOPBACK_ATYP4);
});

test('-x socks5h://[::1]:port', async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER }) }, { t, host: '::1' });
  const r = await runConnect(['-x', `socks5h://[::1]:${peer.port}`, '::1', '22']);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.deepEqual(peer.connections[0]!.frames[1], V6_LOOPBACK_ATYP4);
});

test('HTTP CONNECT [addr]:port, proxy at [::1]', async (t) => {
  const peer = await startFakeProxy('http', { script: httpScript({ status: 200, banner: BANNER }) }, { t, host: '::1' });
  const r = await runConnect(['-H', `[::1]:${peer.port}`, '2001:db8::7', '22']);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.match(peer.connections[0]!.received.toString(), /^CONNECT \[2001:db8::7\]:22 HTTP\/1\.0\r\n/);
});

test('SOCKS4 with an IPv6 target: a clear error suggesting SOCKS5 or 4a, nothing sent', async (t) => {
  const peer = await startFakeProxy('socks4', { script: socks4Script({ banner: BANNER }) }, { t });
  const r = await runConnect(['-4', '-R', 'local', '-S', `127.0.0.1:${peer.port}`, '::1', '22']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /IPv6/);
  assert.equal(peer.connections.reduce((n, c) => n + c.received.length, 0), 0);
});

test('IPv6 ranges in a direct list: SOCKS5_DIRECT=::1/128 connects directly', async (t) => {
  const target = await bannerServer(BANNER, { t, host: '::1', then: 'close' });
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0 }) }, { t });
  const r = await runConnect(['-S', `127.0.0.1:${peer.port}`, '::1', String(target.port)], { env: { SOCKS5_DIRECT: 'fd00::/8,::1/128' } });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(peer.connections.length, 0);
});
