// NTLMv2 and Negotiate (NTLMSSP inside) through the CLI, against a scripted
// proxy that verifies the NTLMv2 response against the password
// independently (test/helpers/ntlm-proxy.ts): credential forms, keep-alive
// rounds on one connection, 407 bodies by length and chunked, a proxy that
// closes after its challenge, MIC, https, a chain hop, the scheme order, and
// what -d shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerServer, startFakeProxy } from '../helpers/fake-proxy.js';
import { startNtlmProxy, type NtlmProxyOptions } from '../helpers/ntlm-proxy.js';
import { runConnect, type RunResult } from '../helpers/run.js';
import { testCa } from '../helpers/test-ca.js';
import { chooseScheme } from '../../src/protocols/http.js';
import { parseChallenges } from '../../src/protocols/http-wire.js';

const BANNER = 'SSH-2.0-ntlm-test\r\n';
const PASSWORD = 'Corp-Pässword-7';
const base = { user: 'alice', domain: 'CORP', password: PASSWORD };

async function setup(t: { after(fn: () => unknown): void }, o: Partial<NtlmProxyOptions> = {}) {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const proxy = await startNtlmProxy({ ...base, ...o, t });
  return { target, proxy };
}

function assertTunnel(r: RunResult): void {
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0, r.stderr);
}

test('NTLM: -H CORP\\alice@proxy, HTTP_PROXY_PASSWORD: verified NTLMv2, Type 1 and 3 on one keep-alive connection', async (t) => {
  const { target, proxy } = await setup(t);
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.deepEqual(proxy.records.map((x) => [x.conn, x.auth]), [[0, 'none'], [1, 'type1'], [1, 'ok']]);
  assert.equal(proxy.records[2]!.user, 'alice');
  assert.equal(proxy.records[2]!.domain, 'CORP');
  assert.ok(proxy.records[1]!.keepAlive && proxy.records[2]!.keepAlive, 'keep-alive asked for on the NTLM rounds');
  assert.equal(proxy.records[2]!.lmZero, false, 'LMv2 without a server timestamp');
});

test('NTLM: a wrong password is refused by the verifier: exit 1, the error names the proxy and the scheme', async (t) => {
  const { target, proxy } = await setup(t);
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: 'wrong' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`HTTP proxy 127\\.0\\.0\\.1:${proxy.port} rejected the NTLM credentials of "CORP\\\\\\\\alice".*NTLMv2 only`));
  assert.deepEqual(proxy.records.map((x) => x.auth), ['none', 'type1', 'bad']);
});

test('NTLM: UPN user (HTTP_PROXY_USER=alice@corp.example.com): user whole, domain empty', async (t) => {
  const { target, proxy } = await setup(t, { user: 'alice@corp.example.com', domain: '' });
  const r = await runConnect(['-H', `127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], {
    env: { HTTP_PROXY_USER: 'alice@corp.example.com', HTTP_PROXY_PASSWORD: PASSWORD },
  });
  assertTunnel(r);
  assert.equal(proxy.records.at(-1)!.auth, 'ok');
  assert.equal(proxy.records.at(-1)!.user, 'alice@corp.example.com');
});

test('NTLM: -H with a UPN before the proxy (alice@corp.example.com@proxy) and CONNECT_USER=CORP\\alice', async (t) => {
  const { target, proxy } = await setup(t, { user: 'alice@corp.example.com', domain: '' });
  const upn = await runConnect(['-H', `alice@corp.example.com@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { CONNECT_PASSWORD: PASSWORD } });
  assertTunnel(upn);
  const second = await setup(t);
  const viaEnv = await runConnect(['-H', `127.0.0.1:${second.proxy.port}`, '127.0.0.1', String(second.target.port)], { env: { CONNECT_USER: 'CORP\\alice', CONNECT_PASSWORD: PASSWORD } });
  assertTunnel(viaEnv);
  assert.equal(second.proxy.records.at(-1)!.domain, 'CORP');
});

test('NTLM: -x http://CORP%5Calice@proxy (percent-encoded backslash)', async (t) => {
  const { target, proxy } = await setup(t);
  const r = await runConnect(['-x', `http://CORP%5Calice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.equal(proxy.records.at(-1)!.auth, 'ok');
});

test('NTLM: HTTP_PROXY_NTHASH instead of a password: no password configured, none asked', async (t) => {
  const { target, proxy } = await setup(t);
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_NTHASH: proxy.ntHash.toUpperCase() } });
  assertTunnel(r);
  assert.equal(proxy.records.at(-1)!.auth, 'ok');
});

test('NTLM: a malformed HTTP_PROXY_NTHASH is a config error that does not echo it', async (t) => {
  const { target, proxy } = await setup(t);
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_NTHASH: 'deadbeef-not-a-hash' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HTTP_PROXY_NTHASH must be 32 hexadecimal digits/);
  assert.ok(!r.stderr.includes('deadbeef'));
});

test('NTLM: no password anywhere and no terminal: asked only after the challenge, a clear error', async (t) => {
  const { target, proxy } = await setup(t);
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /password/);
  assert.deepEqual(proxy.records.map((x) => x.auth), ['none'], 'no NTLM round without a password');
});

test('Negotiate only: NTLMSSP inside Negotiate', async (t) => {
  const { target, proxy } = await setup(t, { scheme: 'Negotiate' });
  const r = await runConnect(['-d', '-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.deepEqual(proxy.records.map((x) => x.auth), ['none', 'type1', 'ok']);
  assert.match(proxy.records[2]!.authorization!, /^Negotiate TlRMTVNTUAAD/);
  assert.match(r.stderr, /using negotiate/);
});

test('NTLM: MsvAvTimestamp → MIC verified, LM response zero', async (t) => {
  const { target, proxy } = await setup(t, { timestamp: true });
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.equal(proxy.records.at(-1)!.mic, 'ok');
  assert.equal(proxy.records.at(-1)!.lmZero, true);
});

test('NTLM: OEM challenge without target info (as squid\'s fake helper)', async (t) => {
  const { target, proxy } = await setup(t, { unicode: false });
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.equal(proxy.records.at(-1)!.auth, 'ok');
});

test('NTLM: chunked 407 bodies with a trailer, and a 100 Continue before the challenge', async (t) => {
  const { target, proxy } = await setup(t, { body: 'chunked', interim: true });
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.deepEqual(proxy.records.map((x) => [x.conn, x.auth]), [[0, 'none'], [1, 'type1'], [1, 'ok']]);
});

test('NTLM: the proxy closes after its challenge once: reconnect and start over', async (t) => {
  const { target, proxy } = await setup(t, { closeAfterChallenge: 1 });
  const r = await runConnect(['-d', '-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.deepEqual(proxy.records.map((x) => [x.conn, x.auth]), [[0, 'none'], [1, 'type1'], [2, 'type1'], [2, 'ok']]);
  assert.match(r.stderr, /starting over/);
});

test('NTLM: the proxy closes after every challenge: one line naming the proxy, the scheme and keep-alive', async (t) => {
  const { target, proxy } = await setup(t, { closeAfterChallenge: 5 });
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`HTTP proxy 127\\.0\\.0\\.1:${proxy.port} closed the connection after its NTLM challenge, twice.*kept open`));
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.deepEqual(proxy.records.map((x) => x.auth), ['none', 'type1', 'type1']);
});

test('NTLM to an https:// proxy (TLS, then the three messages)', async (t) => {
  const { target, proxy } = await setup(t, { tls: true });
  const r = await runConnect(['-x', `https://CORP%5Calice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], {
    env: { HTTP_PROXY_PASSWORD: PASSWORD, NODE_EXTRA_CA_CERTS: testCa().caFile },
  });
  assertTunnel(r);
  assert.deepEqual(proxy.records.map((x) => [x.conn, x.auth]), [[0, 'none'], [1, 'type1'], [1, 'ok']]);
});

test('NTLM as the second hop of a chain (SOCKS5, then the NTLM proxy): each reconnect goes through the first hop', async (t) => {
  const { target, proxy } = await setup(t);
  const socks = await startFakeProxy('socks5', {}, { t });
  const r = await runConnect(['-x', `socks5://127.0.0.1:${socks.port}`, '-x', `http://CORP%5Calice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.deepEqual(proxy.records.map((x) => [x.conn, x.auth]), [[0, 'none'], [1, 'type1'], [1, 'ok']]);
});

test('-d: scheme chosen, message types and flags; no response, hash or password', async (t) => {
  const { target, proxy } = await setup(t, { timestamp: true });
  const r = await runConnect(['-dd', '-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.match(r.stderr, /using ntlm/);
  assert.match(r.stderr, /Type 1 \(negotiate\), flags 0x[0-9a-f]{8} \(UNICODE/);
  assert.match(r.stderr, /Type 2 \(challenge\), flags 0x[0-9a-f]{8}/);
  assert.match(r.stderr, /Type 3 \(authenticate\) for "CORP\\\\alice": NTLMv2 with MIC/);
  const rec = proxy.records.at(-1)!;
  const type3 = rec.authorization!.split(' ')[1]!;
  for (const secret of [PASSWORD, proxy.ntHash, rec.proof!, type3, type3.slice(20, 60)]) {
    assert.ok(!r.stderr.includes(secret), `stderr shows ${secret}`);
  }
});

test('scheme order: Digest, NTLM, Negotiate, Basic; Negotiate before NTLM when Kerberos can be tried (README "Proxy authentication")', async () => {
  const digest = 'Digest realm="r", nonce="n", qop="auth"';
  const cases: Array<[string[], string | undefined]> = [
    [['Basic realm="r"', 'NTLM'], 'ntlm'],
    [['NTLM', 'Basic realm="r"'], 'ntlm'],
    [['Negotiate', 'NTLM'], 'ntlm'],
    [['Negotiate', 'Basic realm="r"'], 'negotiate'],
    [['NTLM', digest], 'digest'],
    [['NTLM', 'Digest realm="r", algorithm=UNKNOWN, nonce="n"'], 'ntlm'],
    [['Basic realm="r"'], 'basic'],
    [['Bearer', 'Mutual'], undefined],
  ];
  const noKerberos = async () => false;
  for (const [offer, expected] of cases) assert.equal(await chooseScheme(parseChallenges(offer), noKerberos), expected, offer.join(' | '));
  const withKerberos: Array<[string[], string | undefined]> = [
    [['NTLM', 'Negotiate'], 'negotiate'],
    [['Negotiate', 'NTLM', 'Basic realm="r"'], 'negotiate'],
    [['Negotiate', 'NTLM', digest], 'digest'],
    [['NTLM', 'Basic realm="r"'], 'ntlm'],
  ];
  for (const [offer, expected] of withKerberos) assert.equal(await chooseScheme(parseChallenges(offer), async () => true), expected, offer.join(' | '));
});

test('NTLM offered with Basic: NTLM is used (the password never goes out as Basic)', async (t) => {
  const { target, proxy } = await setup(t, { offer: ['Basic realm="corp"', 'NTLM'] });
  const r = await runConnect(['-H', `CORP\\alice@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env: { HTTP_PROXY_PASSWORD: PASSWORD } });
  assertTunnel(r);
  assert.ok(proxy.records.every((x) => !x.authorization?.startsWith('Basic')));
  assert.equal(proxy.records.at(-1)!.auth, 'ok');
});
