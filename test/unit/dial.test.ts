// The dialer pieces with fake dialers: order, bounds, ownership.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, type Duplex } from 'node:stream';
import { bypassDialer, dialWithin, failoverDialer, Held, type Dialer } from '../../src/dial/index.js';
import { parseDirectList } from '../../src/config/direct.js';
import { ConnectError } from '../../src/errors.js';

const T = { host: 'target.example', port: 22 };

interface Fake extends Dialer { calls: number; made: Duplex[] }

/** 'ok': a fresh stream at once; 'fail': rejects at once; 'hang': never answers (honours the signal); 'late': answers after the signal aborted. */
function fake(label: string, behaviour: 'ok' | 'fail' | 'hang' | 'late', attempts = 1): Fake {
  const d: Fake = {
    label, attempts, calls: 0, made: [],
    dial(_target, signal) {
      d.calls++;
      const stream = () => { const s = new PassThrough(); d.made.push(s); return s; };
      if (behaviour === 'ok') return Promise.resolve(stream());
      if (behaviour === 'fail') return Promise.reject(new ConnectError('CONNECT', `${label} refused`));
      return new Promise((resolve, reject) => {
        signal?.addEventListener('abort', () => (behaviour === 'late' ? setImmediate(() => resolve(stream())) : reject(signal.reason)), { once: true });
      });
    },
  };
  return d;
}

test('failover: candidates in order, the first that answers wins, the ones after are not tried', async () => {
  const rows: [Array<'ok' | 'fail'>, number, number[]][] = [
    [['ok', 'ok'], 0, [1, 0]],
    [['fail', 'ok'], 1, [1, 1]],
    [['fail', 'fail', 'ok'], 2, [1, 1, 1]],
  ];
  for (const [behaviours, winner, calls] of rows) {
    const dialers = behaviours.map((b, i) => fake(`d${i}`, b));
    const stream = await failoverDialer(dialers).dial(T);
    assert.equal(stream, dialers[winner]!.made[0], behaviours.join());
    assert.deepEqual(dialers.map((d) => d.calls), calls, behaviours.join());
  }
});

test('failover: every candidate failing is one CONNECT error naming each failure', async () => {
  const f = failoverDialer([fake('a', 'fail'), fake('b', 'fail')]);
  await assert.rejects(f.dial(T), (e) => e instanceof ConnectError && e.code === 'CONNECT' && /every proxy failed: a refused; b refused/.test(e.message));
});

test('failover: one candidate is that candidate (no deadline, no AbortController); attempts add up', () => {
  const only = fake('a', 'ok', 3);
  assert.equal(failoverDialer([only]), only);
  assert.equal(failoverDialer([fake('a', 'ok', 2), fake('b', 'ok', 3)]).attempts, 5);
  assert.throws(() => failoverDialer([]), ConnectError);
});

test('failover: a silent candidate is given up after its bound, the next one is used', async () => {
  const silent = fake('silent', 'hang');
  const good = fake('good', 'ok');
  const stream = await failoverDialer([silent, good], { attemptMs: 50 }).dial(T);
  assert.equal(stream, good.made[0]);
});

test('failover: once the caller aborts, no further candidate is tried', async () => {
  const controller = new AbortController();
  const after = fake('after', 'ok');
  const dialing = failoverDialer([fake('hang', 'hang'), after], { attemptMs: 60_000 }).dial(T, controller.signal);
  controller.abort(new ConnectError('TIMEOUT', 'stop'));
  await assert.rejects(dialing, /stop/);
  assert.equal(after.calls, 0);
});

test('dialWithin: a stream that arrives after the abort is destroyed, not lost', async () => {
  const late = fake('late', 'late');
  const controller = new AbortController();
  const dialing = dialWithin(late.dial(T, controller.signal), controller.signal);
  controller.abort(new Error('gone'));
  await assert.rejects(dialing, /gone/);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(late.made.length, 1);
  assert.ok(late.made[0]!.destroyed, 'the late stream is still open');
});

test('bypass: a target the direct list matches takes the direct dialer, the rest the proxied one', async () => {
  const rows: [string, string, 'direct' | 'proxied'][] = [
    ['.lan', 'db.lan', 'direct'],
    ['.lan', 'db.example', 'proxied'],
    ['!db.lan,.lan', 'db.lan', 'proxied'],
    ['10.0.0.0/8', '10.1.2.3', 'direct'],
    ['*', 'anything', 'direct'],
  ];
  for (const [list, host, want] of rows) {
    const direct = fake('direct', 'ok');
    const proxied = fake('proxied', 'ok');
    await bypassDialer(parseDirectList(list), direct, proxied).dial({ host, port: 22 });
    assert.deepEqual([direct.calls, proxied.calls], want === 'direct' ? [1, 0] : [0, 1], `${list} ${host}`);
  }
  const proxied = fake('p', 'ok');
  assert.equal(bypassDialer([], fake('d', 'ok'), proxied), proxied);
});

test('Held: an error listener while held; giving up destroys at once; abort destroys; handing over detaches', () => {
  const controller = new AbortController();
  const held = new Held(controller.signal);
  const a = held.take(new PassThrough());
  assert.equal(a.listenerCount('error'), 1);
  a.emit('error', new Error('ECONNRESET')); // would throw without a listener
  const b = held.take(new PassThrough()); // gives up `a`
  assert.ok(a.destroyed);
  assert.equal(held.handOver(), b);
  assert.equal(b.listenerCount('error'), 0);
  controller.abort();
  assert.ok(!b.destroyed, 'a handed-over stream is the caller\'s');
  const c = new Held(controller.signal).take(new PassThrough());
  assert.ok(c.destroyed, 'an already-aborted signal destroys at once');
});
