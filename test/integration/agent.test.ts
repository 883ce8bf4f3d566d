// The library's HTTP agents and undici connector (README "Library"):
// TunnelAgent (http), HttpsTunnelAgent (TLS to the origin over the tunnel,
// SNI and verification by the origin's name), keep-alive pooling (one
// tunnel serves several requests), and undici's fetch through
// tunnelConnector — against real servers: node:http/https origins on
// loopback, through a real danted where it is installed, and through the
// user/password SOCKS5 test server (so a request that bypassed the proxy
// could not succeed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { HttpsTunnelAgent, TunnelAgent, tunnelConnector } from '../../src/agent.js';
import { ConnectError } from '../../src/errors.js';
import { startFakeProxy, type FakeProxy } from '../helpers/fake-proxy.js';
import { requireBinary } from '../helpers/process.js';
import { startDanted } from '../helpers/servers.js';
import { testCa } from '../helpers/test-ca.js';

let socks: FakeProxy;
let proxy: string;
let web: Server;
let webPort: number;
let secure: Server;
let securePort: number;
const sni: (string | false)[] = [];
/** Remote ports of the origin's accepted connections: one per tunnel. */
const webConnections: number[] = [];

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const answer = (req: IncomingMessage, res: import('node:http').ServerResponse) => res.end(`hello ${req.url}`);

before(async () => {
  socks = await startFakeProxy('socks5', { auth: { user: 'agent', password: 's3cret' } });
  proxy = `socks5h://agent:s3cret@127.0.0.1:${socks.port}`;
  web = createServer(answer);
  web.on('connection', (s) => webConnections.push(s.remotePort ?? 0));
  webPort = await listen(web);
  secure = createHttpsServer({ ...testCa().server }, answer);
  secure.on('secureConnection', (s: TLSSocket) => sni.push((s as TLSSocket & { servername: string | false }).servername));
  securePort = await listen(secure);
});
after(() => {
  void socks.close();
  web.close();
  secure.close();
  web.closeAllConnections();
  secure.closeAllConnections();
});

function fetchText(getter: typeof get, url: string, agent: import('node:http').Agent, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    getter(url, { agent, ...(ca && { ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).once('error', reject);
  });
}

test('TunnelAgent: GETs through the SOCKS5 server; keep-alive reuses one tunnel', async () => {
  const agent = new TunnelAgent({ proxy }, { keepAlive: true, maxSockets: 1 });
  const before = webConnections.length;
  for (const path of ['/one', '/two', '/three']) {
    assert.deepEqual(await fetchText(get, `http://127.0.0.1:${webPort}${path}`, agent), { status: 200, body: `hello ${path}` });
  }
  assert.equal(webConnections.length - before, 1, 'three keep-alive requests, one tunnel');
  agent.destroy();
});

test('TunnelAgent without keep-alive: a tunnel per request', async () => {
  const agent = new TunnelAgent({ proxy });
  const before = webConnections.length;
  await fetchText(get, `http://127.0.0.1:${webPort}/a`, agent);
  await fetchText(get, `http://127.0.0.1:${webPort}/b`, agent);
  assert.equal(webConnections.length - before, 2);
  agent.destroy();
});

test('TunnelAgent: wrong proxy credentials are the request error (the proxy is really used)', async () => {
  const agent = new TunnelAgent({ proxy: `socks5h://agent:wrong@127.0.0.1:${socks.port}` });
  await assert.rejects(fetchText(get, `http://127.0.0.1:${webPort}/x`, agent), (e: unknown) => e instanceof ConnectError && e.code === 'AUTH');
  agent.destroy();
});

test('HttpsTunnelAgent: TLS to the origin inside the tunnel, SNI = the origin name, verified', async () => {
  const agent = new HttpsTunnelAgent({ proxy }, { keepAlive: true });
  const r = await fetchText(httpsGet, `https://localhost:${securePort}/tls`, agent, testCa().caPem);
  assert.deepEqual(r, { status: 200, body: 'hello /tls' });
  assert.equal(sni.at(-1), 'localhost');
  agent.destroy();
});

test('HttpsTunnelAgent: an untrusted origin certificate fails the request', async () => {
  const agent = new HttpsTunnelAgent({ proxy });
  await assert.rejects(fetchText(httpsGet, `https://localhost:${securePort}/`, agent), /certificate/i);
  agent.destroy();
});

test('HttpsTunnelAgent: an IP-literal origin gets no SNI (RFC 6066 §3) and is verified by IP', async () => {
  const agent = new HttpsTunnelAgent({ proxy });
  const r = await fetchText(httpsGet, `https://127.0.0.1:${securePort}/ip`, agent, testCa().caPem);
  assert.equal(r.body, 'hello /ip');
  assert.equal(sni.at(-1), false);
  agent.destroy();
});

const skipDanted = requireBinary('danted');

test('undici fetch through a real danted with tunnelConnector: http and https origins', { skip: skipDanted }, async (t) => {
  const danted = await startDanted({ t });
  const dispatcher = new UndiciAgent({ connect: tunnelConnector({ proxy: `socks5h://127.0.0.1:${danted.port}` }, { ca: testCa().caPem }) });
  try {
    const plain = await undiciFetch(`http://127.0.0.1:${webPort}/undici`, { dispatcher });
    assert.equal(await plain.text(), 'hello /undici');
    const tls = await undiciFetch(`https://localhost:${securePort}/undici-tls`, { dispatcher });
    assert.equal(await tls.text(), 'hello /undici-tls');
    assert.equal(sni.at(-1), 'localhost');
    assert.match(danted.log(), /connect/i, 'danted saw the session');
  } finally {
    await dispatcher.close();
  }
});

test('undici fetch: a refused tunnel is fetch\'s error cause', async () => {
  const dispatcher = new UndiciAgent({ connect: tunnelConnector({ proxy: `socks5h://agent:wrong@127.0.0.1:${socks.port}` }) });
  await assert.rejects(undiciFetch(`http://127.0.0.1:${webPort}/`, { dispatcher }), (e: Error) => e.cause instanceof ConnectError);
  await dispatcher.close();
});
