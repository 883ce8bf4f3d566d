// -p / -P against clients that misbehave: resets while queued, EOF during the
// proxy handshake or while queued, half-closes, and remote bytes with no
// client attached. Every test names the defect it guards against.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { socks5Frames, startFakeProxy, startFakeTarget, type Step } from '../helpers/fake-proxy.js';
import { freePort } from '../helpers/ports.js';
import { spawnConnect } from '../helpers/run.js';
import { startTarget } from '../helpers/tcp.js';

const TIMEOUT = { timeout: 20_000 };

/** connect's stderr so far, and a wait for a line matching `re` (from `from` on). */
function stderrOf(child: ChildProcess) {
  let text = '';
  const waiters: Array<() => void> = [];
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); waiters.splice(0).forEach((w) => w()); });
  return {
    get text() { return text; },
    async waitFor(re: RegExp, from = 0): Promise<number> {
      for (;;) {
        const m = re.exec(text.slice(from));
        if (m) return from + m.index + m[0].length;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`connect exited before ${re}:\n${text}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

/** A connected local client that collects what it receives. */
async function localClient(port: number) {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  let got = '';
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  let ended = false;
  s.on('data', (d: Buffer) => { got += d.toString(); wake(); });
  s.on('end', () => { ended = true; wake(); });
  s.on('close', () => { ended = true; wake(); });
  await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  return {
    socket: s,
    get got() { return got; },
    get ended() { return ended; },
    async until(pred: () => boolean): Promise<void> {
      while (!pred()) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

async function startListening(args: string[]) {
  const port = await freePort();
  const run = spawnConnect(['-d', ...args.map((a) => (a === 'PORT' ? String(port) : a))], { stdin: 'keep-open', timeoutMs: 18_000 });
  const err = stderrOf(run.child);
  await err.waitFor(/waiting for a connection on /);
  return { port, run, err };
}

/** A SOCKS5 proxy that answers the CONNECT only after `delayMs`, then echoes (mirroring FIN). */
function slowSocks5(delayMs: number): Step[] {
  return [
    { expect: socks5Frames.greeting }, { send: Buffer.from([5, 0]) },
    { expect: socks5Frames.request }, { delay: delayMs },
    { send: Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 22]) }, { echo: true },
  ];
}

test('-P: a queued client that resets does not crash the served session; -d names clients by their address', TIMEOUT, async (t) => {
  const remote = await startFakeTarget([{ echo: true }], { t });
  const { port, run } = await startListening(['-P', 'PORT', '127.0.0.1', String(remote.port)]);
  t.after(() => run.child.kill('SIGKILL'));
  const a = await localClient(port);
  a.socket.write('a1\n');
  await a.until(() => a.got === 'a1\n');
  const b = await localClient(port); // queued behind A
  b.socket.resetAndDestroy();
  a.socket.write('a2\n');
  await a.until(() => a.got === 'a1\na2\n' || a.ended);
  assert.equal(a.got, 'a1\na2\n', 'the served client lives on');
  a.socket.resetAndDestroy();
  const c = await localClient(port);
  c.socket.write('c\n');
  await c.until(() => c.got === 'c\n' || c.ended);
  assert.equal(c.got, 'c\n', 'and so does -P');
  c.socket.resetAndDestroy();
  run.child.stdin!.end();
  const r = await run.result;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /undefined|NaN|Unhandled|node:events|at .*\.js:\d+/);
});

for (const early of ['early\n', '']) {
  test(`-p: a client EOF during the proxy handshake (after ${early.length} bytes) half-closes the tunnel; connect exits`, TIMEOUT, async (t) => {
    const proxy = await startFakeProxy('socks5', { script: slowSocks5(300) }, { t });
    const { port, run } = await startListening(['-S', `127.0.0.1:${proxy.port}`, '-p', 'PORT', 'target', '22']);
    t.after(() => run.child.kill('SIGKILL'));
    const a = await localClient(port);
    a.socket.end(early); // long before the proxy's CONNECT reply
    await a.until(() => a.ended);
    assert.equal(a.got, early, 'the target got the bytes and the FIN, echoed, and closed');
    const r = await run.result;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(proxy.connections[0]!.clientEnded, 'the FIN reached the far side');
  });
}

test('-p: a client reset during the proxy handshake ends the session; connect exits', TIMEOUT, async (t) => {
  const proxy = await startFakeProxy('socks5', { script: slowSocks5(300) }, { t });
  const { port, run } = await startListening(['-S', `127.0.0.1:${proxy.port}`, '-p', 'PORT', 'target', '22']);
  t.after(() => run.child.kill('SIGKILL'));
  const a = await localClient(port);
  a.socket.resetAndDestroy();
  const r = await run.result;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unhandled|node:events|at .*\.js:\d+/);
});

test('-P: a first client that half-closes during the handshake gets its answer; the next client is served', TIMEOUT, async (t) => {
  const proxy = await startFakeProxy('socks5', { script: slowSocks5(300) }, { t });
  const { port, run } = await startListening(['-S', `127.0.0.1:${proxy.port}`, '-P', 'PORT', 'target', '22']);
  t.after(() => run.child.kill('SIGKILL'));
  const a = await localClient(port);
  a.socket.end('first\n');
  await a.until(() => a.got === 'first\n');
  const b = await localClient(port);
  await a.until(() => a.ended); // once the remote is quiet, the half-closed A is ended; B waits for that
  b.socket.write('second\n');
  await b.until(() => b.got === 'second\n');
  b.socket.end();
  run.child.stdin!.end();
  const r = await run.result;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(proxy.connections.length, 1);
});

test('-P: a client that sends and half-closes while queued is served in turn, then the next', TIMEOUT, async (t) => {
  const remote = await startFakeTarget([{ echo: true }], { t });
  const { port, run, err } = await startListening(['-P', 'PORT', '127.0.0.1', String(remote.port)]);
  t.after(() => run.child.kill('SIGKILL'));
  const a = await localClient(port);
  a.socket.write('a\n');
  await a.until(() => a.got === 'a\n');
  const b = await localClient(port);
  b.socket.end('queued\n');
  const c = await localClient(port);
  c.socket.end(); // EOF alone, while queued
  await err.waitFor(/client 127\.0\.0\.1:\d+ connected[^]*client 127\.0\.0\.1:\d+ connected[^]*client 127\.0\.0\.1:\d+ connected/);
  a.socket.end();
  await b.until(() => b.got === 'queued\n');
  const d = await localClient(port); // after B: C (already half-closed when queued), then D
  await b.until(() => b.ended);
  await c.until(() => c.ended);
  d.socket.write('d\n');
  await d.until(() => d.got === 'd\n');
  d.socket.end();
  run.child.stdin!.end();
  const r = await run.result;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(remote.connections[0]!.received.toString(), 'a\nqueued\nd\n');
});

test('-P: a half-closed client stays attached for its answer; no later client sees it', TIMEOUT, async (t) => {
  let remoteSocket: net.Socket | undefined;
  const received: string[] = [];
  const remotePort = await startTarget(t, (s) => {
    remoteSocket = s;
    s.on('data', (d: Buffer) => received.push(d.toString()));
  });
  const { port, run, err } = await startListening(['-P', 'PORT', '127.0.0.1', String(remotePort)]);
  t.after(() => run.child.kill('SIGKILL'));
  const a = await localClient(port);
  a.socket.end('question\n');
  await err.waitFor(/local client (127\.0\.0\.1:\d+ )?(half-closed|left)/);
  while (received.join('') !== 'question\n') await new Promise((r) => setTimeout(r, 10));
  remoteSocket!.write('answer for A\n');
  await a.until(() => a.got === 'answer for A\n' || a.ended);
  assert.equal(a.got, 'answer for A\n', 'A half-closed, so its answer is still its own');
  const b = await localClient(port);
  b.socket.write('b\n');
  while (received.join('') !== 'question\nb\n') await new Promise((r) => setTimeout(r, 10));
  remoteSocket!.write('answer for B\n');
  await b.until(() => b.got.length >= 'answer for B\n'.length);
  assert.equal(b.got, 'answer for B\n');
  b.socket.end();
  run.child.stdin!.end();
  assert.equal((await run.result).code, 0);
});

test('-P: what the remote sends while no client is attached reaches no one', TIMEOUT, async (t) => {
  let remoteSocket: net.Socket | undefined;
  const remotePort = await startTarget(t, (s) => { remoteSocket = s; s.on('data', (d: Buffer) => s.write(d)); });
  const { port, run, err } = await startListening(['-P', 'PORT', '127.0.0.1', String(remotePort)]);
  t.after(() => run.child.kill('SIGKILL'));
  const a = await localClient(port);
  a.socket.write('a\n');
  await a.until(() => a.got === 'a\n');
  a.socket.resetAndDestroy();
  const left = await err.waitFor(/local client (127\.0\.0\.1:\d+ )?left/);
  remoteSocket!.write('stray\n');
  await err.waitFor(/dropped 6 bytes from the remote/, left);
  const b = await localClient(port);
  b.socket.write('b\n');
  await b.until(() => b.got.includes('b\n'));
  assert.equal(b.got, 'b\n');
  b.socket.resetAndDestroy();
  run.child.stdin!.end();
  assert.equal((await run.result).code, 0);
});
