// The tests' fake proxy (helpers/fake-proxy.ts) does what its behaviours
// say, for every protocol, driven by our CLI: relay, banner, refuse, the
// failure switches, authentication, and what it records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerServer, startFakeProxy, type FakeProtocol } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';

const FLAG: Record<Exclude<FakeProtocol, 'https'>, string[]> = { socks5: ['-S'], socks4: ['-4', '-S'], http: ['-H'], telnet: ['-T'] };
const BANNER = 'SSH-2.0-fake-proxy-test\r\n';

for (const protocol of ['socks5', 'socks4', 'http', 'telnet'] as const) {
  test(`${protocol}: relays to the loopback target and records the request`, async (t) => {
    const target = await bannerServer(BANNER, { t, then: 'echo' });
    const p = await startFakeProxy(protocol, {}, { t });
    const r = await runConnect([...FLAG[protocol], `127.0.0.1:${p.port}`, '127.0.0.1', String(target.port)], { stdin: Buffer.from('ping\n') });
    assert.equal(r.stdout.toString(), `${BANNER}ping\n`, r.stderr);
    assert.equal(r.code, 0);
    assert.equal(p.requests.length, 1);
    assert.deepEqual([p.requests[0]!.host, p.requests[0]!.port], ['127.0.0.1', target.port]);
  });

  test(`${protocol}: { banner } answers with no upstream; { refuse } and the switches fail the session`, async (t) => {
    const ok = await startFakeProxy(protocol, { answer: { banner: BANNER } }, { t });
    const r = await runConnect([...FLAG[protocol], `127.0.0.1:${ok.port}`, 'nowhere.example', '22']);
    assert.equal(r.stdout.toString(), BANNER, r.stderr);
    assert.equal(r.code, 0);
    const refusal = protocol === 'http' ? '403 Forbidden' : protocol === 'socks4' ? 91 : protocol === 'socks5' ? 2 : 'Connection refused';
    for (const behaviour of [{ answer: { refuse: refusal } }, { answer: 'close' as const }, { answer: 'reset' as const }, { before: 'reset' as const }]) {
      const p = await startFakeProxy(protocol, behaviour, { t });
      const failed = await runConnect([...FLAG[protocol], `127.0.0.1:${p.port}`, 'nowhere.example', '22']);
      assert.equal(failed.code, 1, `${JSON.stringify(behaviour)}: ${failed.stderr}`);
      assert.equal(failed.stdout.length, 0);
    }
  });
}

test('socks5 auth: the right password passes, a wrong one is refused; both recorded', async (t) => {
  const p = await startFakeProxy('socks5', { auth: { user: 'u', password: 'pw' }, answer: { banner: BANNER } }, { t });
  const good = await runConnect(['-S', `u@127.0.0.1:${p.port}`, 'h.example', '22'], { env: { SOCKS5_PASSWD: 'pw' } });
  assert.equal(good.stdout.toString(), BANNER, good.stderr);
  const bad = await runConnect(['-S', `u@127.0.0.1:${p.port}`, 'h.example', '22'], { env: { SOCKS5_PASSWD: 'nope' } });
  assert.equal(bad.code, 1);
  assert.deepEqual(p.requests.map((q) => [q.user, q.password, q.methods]), [['u', 'pw', [0, 2]], ['u', 'nope', [0, 2]]]);
  assert.deepEqual(p.requests.map((q) => q.host), ['h.example', '']);
});

test('http auth: 407 with the offered scheme, then the credentials pass', async (t) => {
  const p = await startFakeProxy('http', { auth: { user: 'u', password: 'pw' }, answer: { banner: BANNER } }, { t });
  const r = await runConnect(['-H', `u@127.0.0.1:${p.port}`, 'h.example', '22'], { env: { HTTP_PROXY_PASSWORD: 'pw' } });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.deepEqual(p.requests.map((q) => [q.auth, q.scheme]), [['none', undefined], ['ok', 'Basic']]);
});

test('an answer function decides per request; hang never answers (the -w deadline ends it)', async (t) => {
  const p = await startFakeProxy('socks5', { answer: (q) => (q.port === 22 ? { banner: BANNER } : 'hang') }, { t });
  const yes = await runConnect(['-S', `127.0.0.1:${p.port}`, 'h.example', '22']);
  assert.equal(yes.stdout.toString(), BANNER);
  const no = await runConnect(['-w', '1', '-S', `127.0.0.1:${p.port}`, 'h.example', '23']);
  assert.equal(no.code, 1);
  assert.match(no.stderr, /timed out/i);
});
