// The tests' fake proxy (helpers/fake-proxy.ts) does what its behaviours
// say, for every protocol, driven by our CLI: relay, banner, refuse, the
// failure switches, authentication, byte scripts, and what it records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { bannerServer, perConnection, socks5Script, startFakeProxy, startFakeTarget, type Behaviour, type FakeProtocol } from '../helpers/fake-proxy.js';
import { testCa } from '../helpers/test-ca.js';
import { runConnect } from '../helpers/run.js';

const FLAG: Record<Exclude<FakeProtocol, 'https'>, string[]> = { socks5: ['-S'], socks4: ['-4', '-S'], http: ['-H'], telnet: ['-T'] };
const BANNER = 'SSH-2.0-fake-proxy-test\r\n';
/** What each protocol's client sends first, as connect sends it to 127.0.0.1:port. */
const OPENING: Record<Exclude<FakeProtocol, 'https'>, (port: number) => Buffer> = {
  socks5: () => Buffer.from([5, 2, 0, 2]), // no auth or user/password, as connect.c offers
  socks4: (port) => Buffer.from([4, 1, port >> 8, port & 0xff, 127, 0, 0, 1]),
  http: (port) => Buffer.from(`CONNECT 127.0.0.1:${port} HTTP/1.0\r\n`),
  telnet: (port) => Buffer.from(`telnet 127.0.0.1 ${port}\r\n`),
};

for (const protocol of ['socks5', 'socks4', 'http', 'telnet'] as const) {
  test(`${protocol}: relays to the loopback target and records the request`, async (t) => {
    const target = await bannerServer(BANNER, { t, then: 'echo' });
    const p = await startFakeProxy(protocol, {}, { t });
    const r = await runConnect([...FLAG[protocol], `127.0.0.1:${p.port}`, '127.0.0.1', String(target.port)], { stdin: Buffer.from('ping\n') });
    assert.equal(r.stdout.toString(), `${BANNER}ping\n`, r.stderr);
    assert.equal(r.code, 0);
    assert.equal(p.requests.length, 1);
    assert.deepEqual([p.requests[0]!.host, p.requests[0]!.port], ['127.0.0.1', target.port]);
    const sent = (await p.connection(0)).received;
    assert.deepEqual(sent.subarray(0, OPENING[protocol](target.port).length), OPENING[protocol](target.port), 'bytes recorded');
    assert.ok(sent.includes('ping\n'), 'the relayed bytes are recorded too');
    assert.equal(target.connections[0]!.received.toString(), 'ping\n');
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
      if ('before' in behaviour) assert.equal(p.requests.length, 0, 'before: nothing read as a request');
    }
  });
}

for (const protocol of ['socks5', 'socks4', 'http', 'telnet'] as const) {
  test(`${protocol}: drip sends the reply a byte at a time; after ends the session once it is sent, with no tunnel`, async (t) => {
    const target = await bannerServer('SSH-2.0-not-reached\r\n', { t });
    const cases: Array<[Behaviour, string, number | undefined]> = [
      [{ answer: { banner: BANNER }, drip: 1 }, BANNER, 0],
      [{ answer: { banner: BANNER }, after: 'close' }, BANNER, 0],
      [{ after: 'close' }, '', 0],
      [{ after: 'reset' }, '', undefined], // a reset may lose the reply, so any exit
    ];
    for (const [behaviour, stdout, code] of cases) {
      const p = await startFakeProxy(protocol, behaviour, { t });
      const stdin = 'after' in behaviour ? 'keep-open' : 'close'; // keep-open: only the fake can end the session
      const r = await runConnect([...FLAG[protocol], `127.0.0.1:${p.port}`, '127.0.0.1', String(target.port)], { stdin });
      assert.equal(r.stdout.toString(), stdout, `${JSON.stringify(behaviour)}: ${r.stderr}`);
      if (code !== undefined) assert.equal(r.code, code, `${JSON.stringify(behaviour)}: ${r.stderr}`);
    }
    assert.equal(target.connections.length, 0, 'after: no tunnel, the target is never dialled');
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

test('https: the bytes inside TLS are recorded, with the SNI', async (t) => {
  const p = await startFakeProxy('https', { answer: { banner: BANNER } }, { t });
  const r = await runConnect(['-x', `https://localhost:${p.port}`, 'h.example', '22'], { env: { NODE_EXTRA_CA_CERTS: testCa().caFile } });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.match((await p.connection(0)).received.toString(), /^CONNECT h\.example:22 HTTP\/1\.[01]\r\n/);
  assert.deepEqual(p.servernames, ['localhost']);
});

test('http before: hang never answers, even once the request has arrived', async (t) => {
  const p = await startFakeProxy('http', { before: 'hang' }, { t });
  const r = await runConnect(['-w', '1', '-H', `127.0.0.1:${p.port}`, 'h.example', '22']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /timed out/i);
  assert.match(p.connections[0]!.received.toString(), /^CONNECT h\.example:22 /);
  assert.equal(p.requests.length, 0, 'nothing was read as a request');
});

test('a script replaces the protocol: exact frames recorded, per-connection steps, drip', async (t) => {
  const reply = Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 22]);
  const dripped = [{ expect: 4 }, { send: Buffer.from([5, 0]) }, { expect: 16 }, { drip: Buffer.concat([reply, Buffer.from(BANNER)]), intervalMs: 1 }] as const;
  const p = await startFakeProxy('socks5', { script: perConnection([{ expect: 4 }, { reset: true }], [...dripped]) }, { t });
  assert.equal(p.url, `socks5://127.0.0.1:${p.port}`);
  const reset = await runConnect(['-S', `127.0.0.1:${p.port}`, '127.0.0.1', '22']);
  assert.equal(reset.code, 1);
  const r = await runConnect(['-S', `127.0.0.1:${p.port}`, 'h.example', '22']);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.deepEqual(p.connections[1]!.frames, [Buffer.from([5, 2, 0, 2]), Buffer.from([5, 1, 0, 3, 9, ...Buffer.from('h.example'), 0, 22])]);
  assert.deepEqual(p.requests, [], 'a script reads no requests');
});

test('ready-made scripts and targets: socks5Script, an echoing target behind it', async (t) => {
  const target = await startFakeTarget([{ send: BANNER }, { echo: true }], { t });
  const p = await startFakeProxy('socks5', { script: socks5Script({ method: 0 }) }, { t });
  const direct = await runConnect(['127.0.0.1', String(target.port)], { stdin: Buffer.from('hi\n') });
  assert.equal(direct.stdout.toString(), `${BANNER}hi\n`, direct.stderr);
  const r = await runConnect(['-S', `127.0.0.1:${p.port}`, 'h.example', '22']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(p.connections[0]!.received, Buffer.from([5, 2, 0, 2, 5, 1, 0, 3, 9, ...Buffer.from('h.example'), 0, 22]));
});

/** The way a raw client's connection ends: an error code, or a close without one. */
function ending(client: ReturnType<typeof connect>): Promise<string> {
  return new Promise((resolve) => {
    client.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    client.once('close', () => resolve('closed without a reset'));
  });
}

test('passReset: when the relayed upstream is reset, the client is reset too', async (t) => {
  const target = await startFakeTarget([{ expect: 1 }, { reset: true }], { t });
  const p = await startFakeProxy('http', { passReset: true }, { t });
  const client = connect(p.port, '127.0.0.1');
  client.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\n\r\n`);
  await once(client, 'data'); // the 200
  client.write('x');
  assert.equal(await ending(client), 'ECONNRESET');
});
