// TLS to an https proxy (README "Beyond connect.c"): startTls against the loopback CONNECT
// proxy fixture with a test CA. Verification with the CA trusted runs in a
// child process, because NODE_EXTRA_CA_CERTS is read at process start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { startTls } from '../../src/transport/tls.js';
import { ConnectError } from '../../src/errors.js';
import type { ProxyServer } from '../../src/config/types.js';
import { bannerServer, startFakeProxy, type FakePeer, type FakeProxy } from '../helpers/fake-proxy.js';
import { testCa } from '../helpers/test-ca.js';
import { REPO_ROOT, runConnect, runProcess } from '../helpers/run.js';
import { openTunnel } from '../../src/api.js';

const BANNER = 'SSH-2.0-tls-test\r\n';
let proxy: FakeProxy;
let wrongName: FakeProxy;
let target: FakePeer;

before(async () => {
  proxy = await startFakeProxy('https');
  wrongName = await startFakeProxy('https', {}, { tls: testCa().wrongName });
  target = await bannerServer(BANNER);
});
after(async () => {
  await Promise.all([proxy.close(), wrongName.close(), target.close()]);
});

function https(host: string, port: number, tlsVerify?: boolean): ProxyServer {
  const p: ProxyServer = { kind: 'https', host, port, resolve: 'remote' };
  if (tlsVerify !== undefined) p.tlsVerify = tlsVerify;
  return p;
}

async function tcp(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  return s;
}

/** CONNECT through an established TLS stream and read until the target's banner arrives. */
async function connectThrough(stream: Duplex, targetPort: number): Promise<string> {
  stream.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\n\r\n`);
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.endsWith(BANNER)) break;
  }
  return text;
}

test('--insecure (tlsVerify false): handshake with an untrusted certificate, tunnel works, no SNI for an IP', async () => {
  const before = proxy.servernames.length;
  const tls = await startTls(await tcp(proxy.port), https('127.0.0.1', proxy.port, false), new AbortController().signal);
  const text = await connectThrough(tls, target.port);
  tls.destroy();
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.ok(text.endsWith(BANNER));
  assert.deepEqual(proxy.servernames.slice(before), [false]);
});

test('verification on by default: an untrusted CA fails with one clear line, and both sockets are closed', async () => {
  const socket = await tcp(proxy.port);
  const err = await startTls(socket, https('127.0.0.1', proxy.port), new AbortController().signal).catch((e: unknown) => e);
  assert.ok(err instanceof ConnectError, String(err));
  assert.equal(err.code, 'CONNECT');
  assert.match(err.message, new RegExp(`^TLS to HTTPS proxy 127\\.0\\.0\\.1:${proxy.port} failed: .*certificate.*--insecure$`));
  assert.ok(!err.message.includes('\n'));
  assert.ok(socket.destroyed);
});

test('SNI: the proxy host name is sent', async () => {
  const before = proxy.servernames.length;
  const tls = await startTls(await tcp(proxy.port), https('localhost', proxy.port, false), new AbortController().signal);
  await connectThrough(tls, target.port); // a round trip: the proxy has seen the handshake
  tls.destroy();
  assert.deepEqual(proxy.servernames.slice(before), ['localhost']);
});

test('abort during the handshake destroys the stream and rejects with the reason', async (t) => {
  const silent = await startFakeProxy('https', { script: [{ hang: true }] }, { t }); // accepts, never speaks TLS
  const socket = await tcp(silent.port);
  const ac = new AbortController();
  const pending = startTls(socket, https('127.0.0.1', 1), ac.signal);
  const reason = new ConnectError('TIMEOUT', 'timed out');
  setTimeout(() => ac.abort(reason), 50);
  await assert.rejects(pending, (e) => e === reason);
  assert.ok(socket.destroyed);
});

test('a proxy that closes during the handshake: clear error', async (t) => {
  const { port } = await startFakeProxy('https', { script: [{ close: true }] }, { t });
  await assert.rejects(startTls(await tcp(port), https('127.0.0.1', port), new AbortController().signal), (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.match(e.message, new RegExp(`^TLS to HTTPS proxy 127\\.0\\.0\\.1:${port} failed: `));
    return true;
  });
});

/** Runs startTls + CONNECT in a fresh node with the given env; returns its JSON verdict. */
async function inChild(host: string, port: number, env: Record<string, string>): Promise<{ ok: boolean; text?: string; code?: string; message?: string }> {
  const tlsModule = pathToFileURL(join(REPO_ROOT, 'build', 'src', 'transport', 'tls.js')).href;
  const script = `
    import { connect } from 'node:net';
    import { once } from 'node:events';
    import { startTls } from ${JSON.stringify(tlsModule)};
    const s = connect({ host: '127.0.0.1', port: ${port} });
    await once(s, 'connect');
    try {
      const t = await startTls(s, { kind: 'https', host: ${JSON.stringify(host)}, port: ${port}, resolve: 'remote' }, new AbortController().signal);
      t.write('CONNECT 127.0.0.1:${target.port} HTTP/1.1\\r\\n\\r\\n');
      let text = '';
      for await (const c of t) { text += c; if (text.includes('SSH-2.0')) break; }
      t.destroy();
      console.log(JSON.stringify({ ok: true, text }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }));
    }`;
  const r = await runProcess(process.execPath, ['--input-type=module', '-e', script], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString()) as { ok: boolean; text?: string; code?: string; message?: string };
}

test('NODE_EXTRA_CA_CERTS with the test CA: verified, tunnel works (by IP and by name, SNI sent)', async () => {
  const env = { NODE_EXTRA_CA_CERTS: testCa().caFile };
  const byIp = await inChild('127.0.0.1', proxy.port, env);
  assert.ok(byIp.ok, byIp.message);
  assert.ok(byIp.text!.endsWith(BANNER));
  const before = proxy.servernames.length;
  const byName = await inChild('localhost', proxy.port, env);
  assert.ok(byName.ok, byName.message);
  assert.deepEqual(proxy.servernames.slice(before), ['localhost']);
});

test('without NODE_EXTRA_CA_CERTS the same child fails verification', async () => {
  const r = await inChild('127.0.0.1', proxy.port, {});
  assert.equal(r.ok, false);
  assert.equal(r.code, 'CONNECT');
  assert.match(r.message!, /^TLS to HTTPS proxy 127\.0\.0\.1:\d+ failed: .*certificate/);
});

test('trusted CA but the certificate names another host: fails (hostname checked)', async () => {
  const r = await inChild('127.0.0.1', wrongName.port, { NODE_EXTRA_CA_CERTS: testCa().caFile });
  assert.equal(r.ok, false);
  assert.match(r.message!, /failed: .*(IP: 127\.0\.0\.1 is not in the cert's list|ERR_TLS_CERT_ALTNAME_INVALID)/);
});

test('the system store is trusted too (SSL_CERT_FILE names the system bundle, OpenSSL convention)', async () => {
  const r = await inChild('localhost', proxy.port, { SSL_CERT_FILE: testCa().caFile });
  assert.ok(r.ok, r.message);
});

// ---- through openTunnel (library) and the CLI (-x https://, --insecure)

test('openTunnel through an https proxy with --insecure semantics carries the banner', async () => {
  const stream = await openTunnel({ target: { host: '127.0.0.1', port: target.port }, hops: [{ candidates: [https('127.0.0.1', proxy.port, false)] }], direct: [] });
  let text = '';
  for await (const chunk of stream) { text += String(chunk); if (text.length >= BANNER.length) break; }
  stream.destroy();
  assert.equal(text, BANNER);
});

test('openTunnel with verification on (the default) rejects an untrusted proxy', async () => {
  await assert.rejects(
    openTunnel({ target: { host: '127.0.0.1', port: target.port }, hops: [{ candidates: [https('127.0.0.1', proxy.port)] }], direct: [] }),
    (e: unknown) => e instanceof ConnectError && e.code === 'CONNECT' && /^TLS to HTTPS proxy/.test(e.message),
  );
});

test('CLI -x https:// with NODE_EXTRA_CA_CERTS: verified, banner on stdout, exit 0', async () => {
  const before = proxy.servernames.length;
  const r = await runConnect(['-x', `https://localhost:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { NODE_EXTRA_CA_CERTS: testCa().caFile } });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.toString(), BANNER);
  assert.equal(r.code, 0);
  assert.deepEqual(proxy.servernames.slice(before), ['localhost']);
});

test('CLI -H https://user@proxy and HTTP_PROXY=https://…/ with -h: TLS to the proxy, verified', async () => {
  const env = { NODE_EXTRA_CA_CERTS: testCa().caFile };
  const before = proxy.servernames.length;
  const viaH = await runConnect(['-H', `https://alice@localhost:${proxy.port}`, '127.0.0.1', String(target.port)], { env });
  assert.equal(viaH.stdout.toString(), BANNER, viaH.stderr);
  const viaEnv = await runConnect(['-h', '127.0.0.1', String(target.port)], { env: { ...env, HTTP_PROXY: `https://localhost:${proxy.port}/` } });
  assert.equal(viaEnv.stdout.toString(), BANNER, viaEnv.stderr);
  assert.deepEqual(proxy.servernames.slice(before), ['localhost', 'localhost']);
});

test('CLI -x https:// without the CA: exit 1, one line naming the proxy and the fix', async () => {
  const r = await runConnect(['-x', `https://127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.length, 0);
  assert.match(r.stderr, new RegExp(`^connect: TLS to HTTPS proxy 127\\.0\\.0\\.1:${proxy.port} failed: .*--insecure\\n$`));
});

test('CLI --insecure: the same untrusted proxy is used', async () => {
  const r = await runConnect(['--insecure', '-x', `https://127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0);
});

test('chain: TLS to the https proxy runs over a SOCKS5 tunnel (a Duplex, not a socket)', async (t) => {
  const socks = await startFakeProxy('socks5', {}, { t });
  const before = proxy.servernames.length;
  const r = await runConnect(['-x', `socks5://127.0.0.1:${socks.port}`, '-x', `https://localhost:${proxy.port}`, '127.0.0.1', String(target.port)],
    { env: { NODE_EXTRA_CA_CERTS: testCa().caFile } });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0);
  assert.deepEqual(proxy.servernames.slice(before), ['localhost']);
});
