// With readExactly (what -F asks for), every handshake step reads exactly
// what it needs: with the proxy's final reply and the SSH banner in ONE
// write, nothing past the reply leaves the kernel (socket.bytesRead counts
// what was read off the socket), and the banner is then read intact from
// the returned stream. Without it, reads are greedy and the bytes past the
// reply are put back: the banner arrives intact all the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { openTunnel } from '../../src/api.js';
import { open } from '../../src/open.js';
import { httpScript, socks4Script, socks5Script, startFakeProxy, telnetScript, type FakeProtocol, type Step } from '../helpers/fake-proxy.js';

const BANNER = 'SSH-2.0-OpenSSH_9.6 exact\r\n';

async function firstBytes(stream: Duplex, n: number): Promise<string> {
  let got = Buffer.alloc(0);
  while (got.length < n) got = Buffer.concat([got, (await once(stream, 'data'))[0] as Buffer]);
  return got.toString('latin1');
}

async function checkExact(t: test.TestContext, protocol: FakeProtocol, script: Step[], proxy: (port: number) => string, replyBytes: number): Promise<void> {
  const peer = await startFakeProxy(protocol, { script }, { t });
  const stream = await openTunnel({ proxy: proxy(peer.port), host: 'target.example', port: 22, readExactly: true });
  t.after(() => stream.destroy());
  assert.equal((stream as Socket).bytesRead, replyBytes, 'bytes read off the socket during the handshake');
  assert.equal(await firstBytes(stream, BANNER.length), BANNER);
}

test('SOCKS5: method choice and reply read exactly; the banner in the same write stays for the relay', async (t) => {
  await checkExact(t, 'socks5', socks5Script({ method: 0, banner: BANNER }), (p) => `socks5h://127.0.0.1:${p}`, 2 + 10);
});

test('SOCKS5 with a domain-name bound address: read exactly', async (t) => {
  await checkExact(t, 'socks5', socks5Script({ method: 0, atyp: 3, banner: BANNER }), (p) => `socks5h://127.0.0.1:${p}`, 2 + 4 + 1 + 9 + 2);
});

test('SOCKS4: the 8-byte reply read exactly', async (t) => {
  await checkExact(t, 'socks4', socks4Script({ banner: BANNER }), (p) => `socks4a://127.0.0.1:${p}`, 8);
});

test('HTTP CONNECT: the response head read exactly, however long its headers', async (t) => {
  const headers = { 'Proxy-Agent': 'x'.repeat(3000), Via: '1.1 fake' };
  const head = `HTTP/1.0 200 Connection established\r\nProxy-Agent: ${headers['Proxy-Agent']}\r\nVia: 1.1 fake\r\n\r\n`;
  await checkExact(t, 'http', httpScript({ status: 200, headers, banner: BANNER }), (p) => `http://127.0.0.1:${p}`, head.length);
});

test('telnet: the prompt and the "connected to" line read exactly', async (t) => {
  const peer = await startFakeProxy('telnet', { script: telnetScript({ prompt: 'proxy> ', line: 'Connected to target.example.', banner: BANNER }) }, { t });
  const stream = await open({
    target: { host: 'target.example', port: 22 },
    hops: [{ candidates: [{ kind: 'telnet', host: '127.0.0.1', port: peer.port, resolve: 'remote' }] }],
    direct: [],
    readExactly: true,
  });
  t.after(() => stream.destroy());
  assert.equal((stream as Socket).bytesRead, 'proxy> '.length + 'Connected to target.example.\r\n'.length);
  assert.equal(await firstBytes(stream, BANNER.length), BANNER);
});

test('a SOCKS5 → HTTP chain: both hops exact over the same socket', async (t) => {
  const httpHead = 'HTTP/1.0 200 Connection established\r\n\r\n';
  // One peer plays both: the SOCKS5 hop "connects" to itself, then answers the CONNECT.
  const script: Step[] = [...socks5Script({ method: 0 }), { until: '\r\n\r\n' }, { send: httpHead + BANNER }];
  const peer = await startFakeProxy('socks5', { script }, { t });
  const stream = await openTunnel({ proxy: [`socks5h://127.0.0.1:${peer.port}`, 'http://next.example:8080'], host: 'target.example', port: 22, readExactly: true });
  t.after(() => stream.destroy());
  assert.equal((stream as Socket).bytesRead, 2 + 10 + httpHead.length);
  assert.equal(await firstBytes(stream, BANNER.length), BANNER);
});

test('without readExactly: greedy reads, the banner read with the reply is put back for the relay', async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER }) }, { t });
  const stream = await openTunnel({ proxy: `socks5h://127.0.0.1:${peer.port}`, host: 'target.example', port: 22 });
  t.after(() => stream.destroy());
  assert.equal(await firstBytes(stream, BANNER.length), BANNER);
});
