// The library API (README "Library"): openTunnel() gives a Duplex for ssh2's
// `sock` option or the TunnelAgent (more in agent.test.ts). All loopback, through
// the demo SOCKS5 server (which requires user/password here, so a request
// that bypassed it could not succeed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, get, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { openTunnel, toTunnelConfig } from '../../src/api.js';
import { TunnelAgent } from '../../src/agent.js';
import { ConnectError } from '../../src/errors.js';
import type { Candidate, ProxyServer } from '../../src/config/types.js';
import { bannerServer, startFakeProxy, type FakePeer, type FakeProxy } from '../helpers/fake-proxy.js';

/** Every candidate here is a proxy (no direct:// in these configs). */
const asProxy = (c: Candidate): ProxyServer => {
  assert.notEqual(c.kind, 'direct');
  return c as ProxyServer;
};

const BANNER = 'SSH-2.0-library-test\r\n';
let socks: FakeProxy;
let sshd: FakePeer;
let web: Server;
let webPort: number;
let proxyUrl: string;

before(async () => {
  socks = await startFakeProxy('socks5', { auth: { user: 'lib', password: 'p@ss:word' } });
  proxyUrl = `socks5h://lib:${encodeURIComponent('p@ss:word')}@127.0.0.1:${socks.port}`;
  sshd = await bannerServer(BANNER, { then: 'echo' });
  web = createServer((req, res) => res.end(`hello ${req.url}`));
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  webPort = (web.address() as { port: number }).port;
});
after(async () => {
  await socks.close();
  web.close();
  await sshd.close();
});

/** Read from a Duplex until `want` bytes have arrived. */
function readN(sock: Duplex, want: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.length >= want) { sock.off('data', onData); sock.pause(); resolve(text); }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.resume(); // paused by the previous read
  });
}

test('ssh2-style: the Duplex carries the server banner first, then our bytes both ways', async () => {
  const sock = await openTunnel({ proxy: proxyUrl, host: '127.0.0.1', port: sshd.port, timeout: 5000 });
  assert.equal(await readN(sock, BANNER.length), BANNER);
  sock.write('SSH-2.0-client\r\n');
  assert.equal(await readN(sock, 16), 'SSH-2.0-client\r\n');
  sock.end();
  await once(sock, 'close');
});

const tunnelAgent = (proxy: string) => new TunnelAgent({ proxy });

function httpGet(agent: Agent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: webPort, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).once('error', reject);
  });
}

test('TunnelAgent: a real GET through the SOCKS5 server', async () => {
  const agent = tunnelAgent(proxyUrl);
  const r = await httpGet(agent, '/via-socks');
  agent.destroy();
  assert.deepEqual(r, { status: 200, body: 'hello /via-socks' });
});

test('TunnelAgent: wrong proxy credentials surface as the request error (the proxy is really used)', async () => {
  const agent = tunnelAgent(`socks5h://lib:wrong@127.0.0.1:${socks.port}`);
  await assert.rejects(httpGet(agent, '/x'), (e: unknown) => e instanceof ConnectError && e.code === 'AUTH');
  agent.destroy();
});

test('toTunnelConfig: chain, failover, insecure, resolve override, noProxy', () => {
  const c = toTunnelConfig({
    proxy: ['socks5://a:1080,socks5h://b', 'https://u:p%40ss@c:8443'], host: '[::1]', port: 22,
    insecure: true, resolve: 'remote', timeout: 3000, noProxy: '10.0.0.0/8',
  });
  assert.deepEqual(c.target, { host: '::1', port: 22 });
  assert.equal(c.hops.length, 2);
  assert.deepEqual(c.hops[0]!.candidates.map(asProxy).map((s) => `${s.kind}:${s.host}:${s.port}:${s.resolve}`), ['socks5:a:1080:remote', 'socks5:b:1080:remote']);
  assert.deepEqual(
    { ...c.hops[1]!.candidates.map(asProxy)[0]! },
    { kind: 'https', host: 'c', port: 8443, resolve: 'remote', user: 'u', password: 'p@ss', tlsVerify: false },
  );
  assert.equal(c.timeoutMs, 3000);
  assert.equal(c.direct.length, 1);
  assert.deepEqual(toTunnelConfig({ host: 'h', port: 1 }).hops, []);
  assert.equal(toTunnelConfig({ proxy: 'https://c', host: 'h', port: 1 }).hops[0]!.candidates.map(asProxy)[0]!.tlsVerify, true);
});

test('bad input: a malformed URL or resolve option is a ConnectError, not a crash', () => {
  assert.throws(() => toTunnelConfig({ proxy: 'ftp://x', host: 'h', port: 1 }), (e: unknown) => e instanceof ConnectError && e.code === 'CONFIG');
  assert.throws(() => toTunnelConfig({ host: 'h', port: 1, resolve: 'sideways' }), (e: unknown) => e instanceof ConnectError && /resolve/.test(e.message));
});

test('onConnecting: called as each TCP connection starts (a dead candidate, then the live one)', async () => {
  const { freePort } = await import('../helpers/ports.js');
  const dead = await freePort();
  const config = toTunnelConfig({ proxy: `socks5h://127.0.0.1:${dead},${proxyUrl}`, host: '127.0.0.1', port: sshd.port });
  const seen: string[] = [];
  let calls = 0;
  config.onConnecting = () => { calls++; seen.push(`start ${calls}`); process.nextTick(() => seen.push(`tick ${calls}`)); };
  const tunnel = await openTunnel(config);
  try {
    assert.deepEqual(seen, ['start 1', 'tick 1', 'start 2', 'tick 2']);
  } finally {
    tunnel.destroy();
  }
});
