// The open path's cancellation helpers (src/transport/deadline.ts): no
// signal at all when nothing can abort, the caller's signal when only it
// can, a timer's signal otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { raceSignal, startDeadline, whenAborted } from '../../src/transport/deadline.js';
import { ConnectError } from '../../src/errors.js';

test('startDeadline: no timeout and no outer signal → no signal at all', () => {
  for (const ms of [undefined, 0, -1]) {
    const d = startDeadline(ms, 'x');
    assert.equal(d.signal, undefined);
    d.clear();
  }
});

test('startDeadline: no timeout → the outer signal itself', () => {
  const outer = new AbortController();
  assert.equal(startDeadline(undefined, 'x', outer.signal).signal, outer.signal);
});

test('startDeadline: the timeout aborts with a TIMEOUT ConnectError naming what timed out', async () => {
  const d = startDeadline(20, 'connecting to t:22');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(d.signal?.aborted, true);
  assert.ok(d.signal?.reason instanceof ConnectError);
  assert.equal((d.signal?.reason as ConnectError).code, 'TIMEOUT');
  assert.match((d.signal?.reason as Error).message, /timed out after 0\.02 s connecting to t:22/);
});

test('startDeadline: the outer signal aborts it, with the outer reason; clear() stops both', async () => {
  const outer = new AbortController();
  const d = startDeadline(10_000, 'x', outer.signal);
  outer.abort(new Error('caller gave up'));
  assert.equal(d.signal?.aborted, true);
  assert.equal((d.signal?.reason as Error).message, 'caller gave up');
  d.clear();

  const outer2 = new AbortController();
  const d2 = startDeadline(20, 'x', outer2.signal);
  d2.clear();
  outer2.abort();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(d2.signal?.aborted, false);
});

test('whenAborted: called once on abort, at once when already aborted, never after stop or without a signal', () => {
  const calls: unknown[] = [];
  const c = new AbortController();
  whenAborted(c.signal, (r) => calls.push(r));
  c.abort('first');
  c.abort('second');
  assert.deepEqual(calls, ['first']);

  whenAborted(c.signal, (r) => calls.push(`late ${String(r)}`));
  assert.deepEqual(calls, ['first', 'late first']);

  const after: unknown[] = [];
  const d = new AbortController();
  const stop = whenAborted(d.signal, (r) => after.push(r));
  stop();
  d.abort('ignored');
  assert.equal(whenAborted(undefined, () => after.push('never'))(), undefined);
  assert.deepEqual(after, []);
});

test('raceSignal: without a signal it is the promise itself; with one, abort wins', async () => {
  const p = Promise.resolve(1);
  assert.equal(raceSignal(p, undefined), p);
  const c = new AbortController();
  const never = new Promise<number>(() => {});
  const raced = raceSignal(never, c.signal);
  c.abort(new Error('stop'));
  await assert.rejects(raced, /stop/);
  const already = raceSignal(Promise.reject(new Error('late failure')), c.signal);
  await assert.rejects(already, /stop/);
  assert.equal(await raceSignal(Promise.resolve(7), new AbortController().signal), 7);
});

test('startDeadline: a timeout beyond setTimeout\'s range (-w 2147484 and up) means a long time, not at once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const days30 = 30 * 24 * 3600 * 1000;
  const d = startDeadline(days30, 'connecting to t:22');
  t.mock.timers.tick(1);
  assert.equal(d.signal?.aborted, false, 'not after 1 ms');
  t.mock.timers.tick(2 ** 31);
  assert.equal(d.signal?.aborted, false, 'not after 24.8 days');
  t.mock.timers.tick(days30 - 2 ** 31 - 1000);
  assert.equal(d.signal?.aborted, false, 'not a second early');
  t.mock.timers.tick(2000);
  assert.equal(d.signal?.aborted, true, 'after 30 days');
  assert.match((d.signal?.reason as Error).message, /timed out after 2592000 s/);
  d.clear();
  const forever = startDeadline(Number.MAX_VALUE, 'x');
  t.mock.timers.tick(10 * 2 ** 31);
  assert.equal(forever.signal?.aborted, false);
  forever.clear();
});
