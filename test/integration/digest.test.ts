// HTTP Digest (RFC 7616) against the loopback proxy fixture, whose verifier
// is independent of src/auth/digest.ts (and was checked against curl).
// A minimal raw CONNECT client drives src/auth/digest.ts directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { chooseAuth, digestAuthorization, isStaleRetry, pickDigest, type Challenge } from '../../src/auth/digest.js';
import { bannerServer, parseParams, startFakeProxy, type FakePeer, type FakeProxy, type ProxyAuth } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';
import { testCa } from '../helpers/test-ca.js';

const BANNER = 'SSH-2.0-digest-test\r\n';
const USER = 'alice';
const PASSWORD = 'pa"ss wörd';
let target: FakePeer;
const proxies: FakeProxy[] = [];

before(async () => { target = await bannerServer(BANNER); });
after(async () => { await Promise.all([target.close(), ...proxies.map((p) => p.close())]); });

async function proxyWith(auth: Partial<ProxyAuth>): Promise<FakeProxy> {
  const p = await startFakeProxy('http', { auth: { user: USER, password: PASSWORD, offer: ['Digest-MD5'], ...auth } });
  proxies.push(p);
  return p;
}

/** One CONNECT on a fresh connection; the reply head (and banner, on 200). */
async function request(port: number, authorization?: string): Promise<{ status: number; challenges: Challenge[]; rest: string }> {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  const uri = `127.0.0.1:${target.port}`;
  s.end(`CONNECT ${uri} HTTP/1.0\r\n${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`);
  let text = '';
  for await (const chunk of s) {
    text += String(chunk);
    if (text.endsWith(BANNER)) break;
  }
  s.destroy();
  const [head = '', rest = ''] = text.split('\r\n\r\n');
  const challenges = head.split('\r\n').filter((l) => /^proxy-authenticate:/i.test(l)).map((l) => {
    const value = l.slice(l.indexOf(':') + 1).trim();
    const sp = value.indexOf(' ');
    return { scheme: sp < 0 ? value : value.slice(0, sp), params: sp < 0 ? {} : parseParams(value.slice(sp + 1)) };
  });
  return { status: Number(head.split(' ')[1]), challenges, rest };
}

/** The client side of HTTP CONNECT with Digest (RFC 7616, RFC 9110 §11): challenge, answer, one stale retry. */
async function authenticate(port: number, password = PASSWORD): Promise<{ status: number; rest: string; rounds: number }> {
  let { challenges } = await request(port);
  assert.equal(chooseAuth(challenges), 'digest');
  for (let rounds = 1, stale = 0; ; rounds++) {
    const ch = pickDigest(challenges)!;
    const header = digestAuthorization(ch, { method: 'CONNECT', uri: `127.0.0.1:${target.port}`, user: USER, password });
    const reply = await request(port, header);
    if (reply.status !== 407 || !isStaleRetry(reply.challenges, stale)) return { ...reply, rounds };
    stale++;
    challenges = reply.challenges;
  }
}

for (const algo of ['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'] as const) {
  test(`Digest ${algo}: accepted, tunnel carries the banner`, async () => {
    const p = await proxyWith({ offer: [`Digest-${algo}`] });
    const r = await authenticate(p.port);
    assert.equal(r.status, 200);
    assert.equal(r.rest, BANNER);
    assert.deepEqual(p.requests.map((q) => q.auth), ['none', 'ok']);
    assert.equal(p.requests[1]!.url, `127.0.0.1:${target.port}`);
  });
}

test('Digest without qop (RFC 2069 form) is accepted', async () => {
  const p = await proxyWith({ noQop: true });
  assert.equal((await authenticate(p.port)).status, 200);
});

test('MD5, SHA-256 and Basic offered: SHA-256 Digest is used', async () => {
  const p = await proxyWith({ offer: ['Basic', 'Digest-MD5', 'Digest-SHA-256'] });
  assert.equal((await authenticate(p.port)).status, 200);
  const sent = String(p.requests[1]!.headers!['proxy-authorization']);
  assert.match(sent, /algorithm=SHA-256/);
});

test('stale=true: one retry with the new nonce, same credentials', async () => {
  const p = await proxyWith({ staleOnce: true, offer: ['Digest-SHA-256'] });
  const r = await authenticate(p.port);
  assert.equal(r.status, 200);
  assert.equal(r.rounds, 2);
  assert.deepEqual(p.requests.map((q) => q.auth), ['none', 'stale', 'ok']);
});

test('a wrong password is refused (and not retried as stale)', async () => {
  const p = await proxyWith({ offer: ['Digest-SHA-256'] });
  const r = await authenticate(p.port, 'wrong');
  assert.equal(r.status, 407);
  assert.equal(r.rounds, 1);
  assert.deepEqual(p.requests.map((q) => q.auth), ['none', 'bad']);
});

// ---- the CLI: -x http(s)://user@proxy, password from HTTP_PROXY_PASSWORD

async function cli(p: FakeProxy, password = PASSWORD, env: Record<string, string> = {}) {
  const scheme = p.url.startsWith('https') ? 'https' : 'http';
  return runConnect(['-x', `${scheme}://${USER}@127.0.0.1:${p.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: password, ...env } });
}

for (const algo of ['MD5', 'SHA-256'] as const) {
  test(`CLI: Digest ${algo} through the proxy; the password is in no output`, async () => {
    const p = await proxyWith({ offer: ['Basic', `Digest-${algo}`] });
    const r = await cli(p);
    assert.equal(r.stdout.toString(), BANNER, r.stderr);
    assert.equal(r.code, 0);
    assert.ok(!r.stderr.includes(PASSWORD));
    assert.deepEqual(p.requests.map((q) => `${q.auth}/${q.scheme ?? ''}`), ['none/', 'ok/Digest']);
    assert.match(String(p.requests[1]!.headers!['proxy-authorization']), new RegExp(`algorithm=${algo},`));
  });
}

test('CLI: stale nonce retried once without asking again; -d shows no secret', async () => {
  const p = await proxyWith({ offer: ['Digest-SHA-256'], staleOnce: true });
  const r = await runConnect(['-d', '-x', `http://${USER}@127.0.0.1:${p.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.deepEqual(p.requests.map((q) => q.auth), ['none', 'stale', 'ok']);
  const response = /response="([0-9a-f]+)"/.exec(String(p.requests[2]!.headers!['proxy-authorization']))![1]!;
  assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(response), r.stderr);
});

test('CLI: wrong password: exit 1, "authentication failed", no second try', async () => {
  const p = await proxyWith({ offer: ['Digest-MD5'] });
  const r = await cli(p, 'wrong');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /authentication failed/);
  assert.ok(!r.stderr.includes('wrong'));
  assert.deepEqual(p.requests.map((q) => q.auth), ['none', 'bad']);
});

test('CLI: Digest to an https proxy (TLS + Digest)', async () => {
  const p = await startFakeProxy('https', { auth: { user: USER, password: PASSWORD, offer: ['Digest-SHA-256'] } });
  proxies.push(p);
  const r = await cli(p, PASSWORD, { NODE_EXTRA_CA_CERTS: testCa().caFile });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.deepEqual(p.requests.map((q) => q.auth), ['none', 'ok']);
});
