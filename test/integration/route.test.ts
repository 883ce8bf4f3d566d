// Routes on loopback: failover at any hop, direct:// and `direct` candidates,
// roaming rules, -x auto, --explain (which connects nowhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerServer, startFakeProxy } from '../helpers/fake-proxy.js';
import { freePort } from '../helpers/ports.js';
import { runConnect } from '../helpers/run.js';
import type { Teardown } from '../helpers/process.js';

const BANNER = 'SSH-2.0-route\r\n';

async function socks(t: Teardown): Promise<string> {
  return (await startFakeProxy('socks5', {}, { t })).url;
}

test('failover at hop 2: -x A -x dead,C reaches the target through A then C', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const [a, c, dead] = [await socks(t), await socks(t), await freePort()];
  const r = await runConnect(['-d', '-x', a, '-x', `socks5://127.0.0.1:${dead},${c}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0);
  assert.match(r.stderr, new RegExp(`SOCKS5 proxy 127\\.0\\.0\\.1:${dead} failed: .*could not connect`));
  assert.match(r.stderr, new RegExp(`using SOCKS5 proxy ${c.slice('socks5://'.length).replace(/\./g, '\\.')}`));
});

test('direct:// after a dead proxy, and `direct` in a -S list: straight to the target', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const dead = await freePort();
  for (const args of [['-x', `socks5://127.0.0.1:${dead},direct://`], ['-S', `127.0.0.1:${dead},direct`], ['-H', `127.0.0.1:${dead},direct`]]) {
    const r = await runConnect(['-d', ...args, '127.0.0.1', String(target.port)]);
    assert.equal(r.stdout.toString(), BANNER, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /using direct/);
  }
});

test('a roaming rule picks the proxy on a matching network, skips it on another (CONNECT_PROXY)', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const proxy = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t }); // never answers: only skipping it reaches the target (no interface has 255.255.255.255)
  const good = await socks(t);
  const here = await runConnect(['-d', '127.0.0.1', String(target.port)], { env: { CONNECT_PROXY: `${good}?localnet=127.0.0.0/8,direct://` } });
  assert.equal(here.stdout.toString(), BANNER, here.stderr);
  assert.match(here.stderr, /roaming rule localnet=127\.0\.0\.0\/8: fired/);
  assert.match(here.stderr, /negotiating with SOCKS5 proxy/);
  const elsewhere = await runConnect(['-d', '127.0.0.1', String(target.port)], { env: { CONNECT_PROXY: `socks5://127.0.0.1:${proxy.port}?localnet=255.255.255.255/32,direct://` } });
  assert.equal(elsewhere.stdout.toString(), BANNER, elsewhere.stderr);
  assert.match(elsewhere.stderr, /did not fire/);
  assert.equal(proxy.connections.length, 0);
});

test('-x auto: ALL_PROXY is used, NO_PROXY bypasses it', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const good = await socks(t);
  const silent = await startFakeProxy('http', { script: [{ hang: true }] }, { t });
  const via = await runConnect(['-d', '-x', 'auto', '127.0.0.1', String(target.port)], { env: { ALL_PROXY: good, HTTPS_PROXY: `http://127.0.0.1:${silent.port}` } });
  assert.equal(via.stdout.toString(), BANNER, via.stderr);
  assert.match(via.stderr, /negotiating with SOCKS5 proxy/);
  const bypassed = await runConnect(['-x', 'auto', '127.0.0.1', String(target.port)], { env: { ALL_PROXY: `socks5://127.0.0.1:${silent.port}`, NO_PROXY: '127.0.0.1' } });
  assert.equal(bypassed.stdout.toString(), BANNER, bypassed.stderr);
  // Nothing set means WPAD before DIRECT, and WPAD asks this host's DNS
  // domain: that case runs in a network namespace with its own resolv.conf
  // (pac-lab.test.ts), never against the machine's resolver.
  assert.equal(silent.connections.length, 0);
});

test('--explain: prints the route and its sources on stdout, exits 0, connects nowhere; --explain=json parses', async (t) => {
  const proxy = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  const args = ['-x', `socks5://u:hunter2@127.0.0.1:${proxy.port},direct://`, 'db.example', '22'];
  const text = await runConnect(['--explain', ...args], { env: { SOCKS5_USER: 'x' } });
  assert.equal(text.code, 0, text.stderr);
  const out = text.stdout.toString();
  assert.match(out, new RegExp(`^route to db\\.example:22: hop 1: SOCKS5 proxy 127\\.0\\.0\\.1:${proxy.port}, else direct; to db\\.example:22$`, 'm'));
  assert.match(out, /password xxxx \(-x \(1st\)\)/);
  assert.doesNotMatch(out + text.stderr, /hunter2/);
  const json = await runConnect(['--explain=json', ...args]);
  assert.equal(json.code, 0, json.stderr);
  const e = JSON.parse(json.stdout.toString());
  assert.equal(e.target, 'db.example:22');
  assert.deepEqual(e.hops[0].candidates.map((c: { what: string }) => c.what), [`SOCKS5 proxy 127.0.0.1:${proxy.port}`, 'direct']);
  assert.equal(proxy.connections.length, 0);
});
