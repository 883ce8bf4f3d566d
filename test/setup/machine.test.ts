// Setup check, not part of `npm test` (`npm run check-setup`; .ci/run runs it
// before the suite): the machine's servers and the test helpers work, shown
// with the reference connect-proxy only — never our CLI. A failure here
// means the machine or a helper is broken, not the product.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { binary, requireBinary } from '../helpers/process.js';
import { startDanted, startSshd, startTinyproxy } from '../helpers/servers.js';
import { bannerServer, httpAuthScript, perConnection, socks4Script, socks5Script, startFakeProxy, telnetScript } from '../helpers/fake-proxy.js';
import { runConnect, runProcess, spawnConnect } from '../helpers/run.js';
import { expectedSha256, randomStream, sha256, startHashServer } from '../helpers/tcp.js';
import { freePort } from '../helpers/ports.js';

const ref = { bin: 'reference' as const };
const BANNER = 'SSH-2.0-infra-banner\r\n';
const skipDanted = requireBinary('danted') ?? requireBinary('connect-proxy');

test('freePort gives a bindable loopback port', async () => {
  const port = await freePort();
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  await new Promise<void>((r) => srv.close(() => r()));
});

test('connect-proxy -S through danted (SOCKS5) reaches a banner server', { skip: skipDanted }, async (t) => {
  const danted = await startDanted({ t });
  const target = await bannerServer(BANNER, { t });
  const r = await runConnect(['-S', `127.0.0.1:${danted.port}`, '127.0.0.1', String(target.port)], ref);
  assert.equal(r.stdout.toString(), BANNER, `stderr: ${r.stderr}\n${danted.log()}`);
  assert.equal(r.code, 0);
});

test('connect-proxy -4 through danted (SOCKS4) works; SOCKS4a is refused by Dante', { skip: skipDanted }, async (t) => {
  const danted = await startDanted({ t });
  const target = await bannerServer(BANNER, { t });
  const v4 = await runConnect(['-4', '-S', `127.0.0.1:${danted.port}`, '127.0.0.1', String(target.port)], ref);
  assert.equal(v4.stdout.toString(), BANNER, v4.stderr);
  const v4a = await runConnect(['-4', '-R', 'remote', '-S', `127.0.0.1:${danted.port}`, 'localhost', String(target.port)], ref);
  assert.equal(v4a.code, 1);
  assert.match(v4a.stderr, /91/);
});

test('danted userpass: right password passes, wrong one fails', { skip: skipDanted ?? rootOnly() }, async (t) => {
  const userpass = { user: 'connecttest', password: 'infra-Passw0rd' };
  const danted = await startDanted({ t, userpass });
  const target = await bannerServer(BANNER, { t });
  const args = ['-S', `${userpass.user}@127.0.0.1:${danted.port}`, '127.0.0.1', String(target.port)];
  const good = await runConnect(args, { ...ref, env: { SOCKS5_PASSWD: userpass.password } });
  assert.equal(good.stdout.toString(), BANNER, `${good.stderr}\n${danted.log()}`);
  const bad = await runConnect(args, { ...ref, env: { SOCKS5_PASSWD: 'wrong' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Authentication failed/);
});

test('ssh with ProxyCommand connect-proxy via danted runs a command on sshd', { skip: skipDanted ?? requireBinary('sshd') }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const args = sshd.sshArgs(`connect-proxy -S 127.0.0.1:${danted.port} %h %p`);
  const r = await runProcess(binary('ssh'), [...args, 'echo ok'], { timeoutMs: 20_000 });
  assert.equal(r.stdout.toString(), 'ok\n', `ssh: ${r.stderr}\n--- sshd ---\n${sshd.log()}\n--- danted ---\n${danted.log()}`);
  assert.equal(r.code, 0);
});

test('connect-proxy -H through tinyproxy with Basic auth reaches a banner server', { skip: requireBinary('tinyproxy') ?? requireBinary('connect-proxy') }, async (t) => {
  const basicAuth = { user: 'alice', password: 'wonder' };
  const proxy = await startTinyproxy({ t, basicAuth });
  // tinyproxy does not half-close: on the client's FIN it drops both sides,
  // so keep stdin open and let the target close after its banner.
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const args = ['-H', `127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)];
  const env = { HTTP_PROXY_USER: basicAuth.user, HTTP_PROXY_PASSWORD: basicAuth.password };
  const r = await runConnect(args, { ...ref, env, stdin: 'keep-open' });
  assert.equal(r.stdout.toString(), BANNER, `${r.stderr}\n${proxy.log()}`);
  const bad = await runConnect(args, { ...ref, env: { ...env, HTTP_PROXY_PASSWORD: 'nope' } });
  assert.equal(bad.code, 1);
});

test('recording peer records connect-proxy SOCKS5 greeting 05 02 00 02 and relays the banner', { skip: requireBinary('connect-proxy') }, async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER }) }, { t });
  const r = await runConnect(['-S', `127.0.0.1:${peer.port}`, 'example.com', '22'], ref);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  const c = peer.connections[0]!;
  assert.deepEqual(c.frames[0], Buffer.from([5, 2, 0, 2]));
  const req = Buffer.concat([Buffer.from([5, 1, 0, 3, 11]), Buffer.from('example.com'), Buffer.from([0, 22])]);
  assert.deepEqual(c.frames[1], req);
  await c.closed;
  assert.deepEqual(c.received, Buffer.concat([c.frames[0]!, req]));
});

test('scripted peers: SOCKS4a, HTTP 407 then reconnect, telnet, failure switches', { skip: requireBinary('connect-proxy') }, async (t) => {
  const s4 = await startFakeProxy('socks4', { script: socks4Script({ banner: BANNER }) }, { t });
  const r4 = await runConnect(['-4', '-R', 'remote', '-S', `u@127.0.0.1:${s4.port}`, 'host.test', '22'], ref);
  assert.equal(r4.stdout.toString(), BANNER, r4.stderr);
  assert.deepEqual(s4.connections[0]!.frames[0], Buffer.from('\x04\x01\x00\x16\x00\x00\x00\x01u\x00host.test\x00', 'latin1'));

  const http = await startFakeProxy('http', { script: httpAuthScript({ banner: BANNER }) }, { t });
  const rh = await runConnect(['-H', `127.0.0.1:${http.port}`, 'h.test', '22'], { ...ref, env: { HTTP_PROXY_USER: 'a', HTTP_PROXY_PASSWORD: 'b' } });
  assert.equal(rh.stdout.toString(), BANNER, rh.stderr);
  assert.equal(http.connections.length, 2);
  assert.match(http.connections[1]!.received.toString(), /Proxy-Authorization: Basic YTpi\r\n/);

  const tel = await startFakeProxy('telnet', { script: telnetScript({ line: 'Connected to h.test.', banner: BANNER }) }, { t });
  const rt = await runConnect(['-T', `127.0.0.1:${tel.port}`, 'h.test', '22'], ref);
  assert.equal(rt.stdout.toString(), BANNER, rt.stderr);
  assert.equal(tel.connections[0]!.frames[0]!.toString(), 'telnet h.test 22\r\n');

  const reset = await startFakeProxy('socks5', { script: perConnection([{ expect: 4 }, { reset: true }]) }, { t });
  const rr = await runConnect(['-S', `127.0.0.1:${reset.port}`, 'h.test', '22'], ref);
  assert.equal(rr.code, 1);
  assert.equal(rr.stdout.length, 0);
});

test('hang switch: the runner times out and kills the process', { skip: requireBinary('connect-proxy') }, async (t) => {
  const peer = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  await assert.rejects(runConnect(['-S', `127.0.0.1:${peer.port}`, 'h.test', '22'], { ...ref, timeoutMs: 500 }), /timed out/);
});

test('drip switch: a reply split into 1-byte writes still works', { skip: requireBinary('connect-proxy') }, async (t) => {
  const reply = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 22]);
  const peer = await startFakeProxy('socks5', { script: [{ expect: 4 }, { send: Buffer.from([5, 0]) }, { expect: 16 }, { drip: Buffer.concat([reply, Buffer.from(BANNER)]), intervalMs: 2 }] }, { t });
  const r = await runConnect(['-S', `127.0.0.1:${peer.port}`, '127.0.0.1', '22'], ref);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
});

test('20 MB through connect-proxy and danted, both directions, checksummed', { skip: skipDanted }, async (t) => {
  const size = 20 << 20;
  const danted = await startDanted({ t });
  const target = await startHashServer({ t, send: { bytes: size, seed: 7 } });
  const run = spawnConnect(['-S', `127.0.0.1:${danted.port}`, '127.0.0.1', String(target.port)], { ...ref, stdin: 'keep-open', stdout: 'stream', timeoutMs: 60_000 });
  randomStream(size, 3).pipe(run.child.stdin!);
  const [down, r] = await Promise.all([sha256(run.child.stdout!), run.result]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(down, { hex: expectedSha256(size, 7), bytes: size });
  assert.deepEqual(await target.results[0], { hex: expectedSha256(size, 3), bytes: size });
});

function rootOnly(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'needs root (throwaway system user)';
}
