// -p / -P: serving a local port instead of stdin/stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { bannerServer, startFakeTarget } from '../helpers/fake-proxy.js';
import { freePort } from '../helpers/ports.js';
import type { ChildProcess } from 'node:child_process';
import { runConnect, spawnConnect } from '../helpers/run.js';
import { requireBinary } from '../helpers/process.js';
import { startSshd } from '../helpers/servers.js';

const BANNER = 'SSH-2.0-fake\r\n';

/**
 * Waits for connect's (-d) "waiting for a connection" line. Probing the port
 * with a connection would not do: -p serves the first client that connects.
 */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const onData = (d: Buffer) => {
      err += d.toString();
      const m = /waiting for a connection on .*?(\d+\.\d+\.\d+\.\d+:\d+)/.exec(err);
      if (m) { child.stderr?.off('data', onData); resolve(m[1]!); }
    };
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`connect exited before listening:\n${err}`)));
  });
}

/**
 * A local client: once it has seen `after` (at once when empty) it sends
 * `send`; it ends its side right after sending (`halfClose`) or once the echo
 * is back; resolves with everything received until the connection closes.
 */
function client(port: number, send: string, opts: { after: string; halfClose: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let sent = false;
    const maybeSend = () => {
      if (sent || !got.includes(opts.after)) return;
      sent = true;
      if (opts.halfClose) s.end(send); else s.write(send);
    };
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      maybeSend();
      if (!opts.halfClose && got.endsWith(send)) s.end();
    });
    s.once('connect', maybeSend);
    s.once('error', reject);
    s.once('close', () => resolve(got));
  });
}

test('-p: one local client gets the banner and its echo; exit 0 after', async (t) => {
  const target = await bannerServer(BANNER, { then: 'echo', t });
  const port = await freePort();
  const { child, result } = spawnConnect(['-d', '-p', String(port), '127.0.0.1', String(target.port)], { stdin: 'keep-open' });
  t.after(() => child.kill('SIGKILL'));
  await listening(child);
  assert.equal(target.connections.length, 0, 'tunnel opened before the first client');
  const got = await client(port, 'ping\n', { after: BANNER, halfClose: true });
  assert.equal(got, `${BANNER}ping\n`);
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, 0);
  assert.equal(target.connections.length, 1);
});

test('-p: stdin EOF while waiting → exit 0, no tunnel opened', async (t) => {
  const target = await bannerServer(BANNER, { t });
  const port = await freePort();
  const r = await runConnect(['-p', String(port), '127.0.0.1', String(target.port)], { stdin: Buffer.from('ignored'), timeoutMs: 5000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(target.connections.length, 0);
});

test('-p: stdin EOF while waiting, reference connect-proxy agrees', { skip: requireBinary('connect-proxy') }, async () => {
  const port = await freePort();
  const r = await runConnect(['-p', String(port), '127.0.0.1', '9'], { stdin: 'close', bin: 'reference', timeoutMs: 5000 });
  assert.equal(r.code, 0);
});

test('-P: two successive clients share ONE remote session; stdin EOF then ends it', async (t) => {
  const target = await startFakeTarget([{ send: BANNER }, { echo: true }], { t });
  const port = await freePort();
  const { child, result } = spawnConnect(['-d', '-P', String(port), '127.0.0.1', String(target.port)], { stdin: 'keep-open' });
  t.after(() => child.kill('SIGKILL'));
  await listening(child);
  assert.equal(await client(port, 'first\n', { after: BANNER, halfClose: false }), `${BANNER}first\n`);
  assert.equal(await client(port, 'second\n', { after: '', halfClose: false }), 'second\n');
  assert.equal(target.connections.length, 1);
  assert.equal(target.connections[0]!.received.toString(), 'first\nsecond\n');
  assert.equal(target.connections[0]!.clientEnded, false, 'remote session must stay open');
  child.stdin?.end();
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
});

test('-P: remote closing ends the session and connect exits 0', async (t) => {
  const target = await bannerServer(BANNER, { then: 'close', t });
  const port = await freePort();
  const { child, result } = spawnConnect(['-d', '-P', String(port), '127.0.0.1', String(target.port)], { stdin: 'keep-open' });
  t.after(() => child.kill('SIGKILL'));
  await listening(child);
  const s = net.connect(port, '127.0.0.1');
  let got = '';
  s.on('data', (d: Buffer) => { got += d.toString(); });
  await new Promise((r) => s.once('close', r));
  assert.equal(got, BANNER);
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
});

test('-p listens on 127.0.0.1 only by default', async (t) => {
  const target = await bannerServer(BANNER, { t });
  const port = await freePort();
  const { child, result } = spawnConnect(['-d', '-p', String(port), '127.0.0.1', String(target.port)], { stdin: 'keep-open' });
  t.after(() => child.kill('SIGKILL'));
  assert.equal(await listening(child), `127.0.0.1:${port}`);
  child.stdin?.end();
  assert.equal((await result).code, 0);
});

test('real ssh through connect -p', { skip: requireBinary('sshd') ?? requireBinary('ssh') }, async (t) => {
  const sshd = await startSshd({ t });
  const port = await freePort();
  const { child, result } = spawnConnect(['-d', '-p', String(port), '127.0.0.1', String(sshd.port)], { stdin: 'keep-open' });
  t.after(() => child.kill('SIGKILL'));
  await listening(child);
  const args = sshd.sshArgs();
  args[args.indexOf('-p') + 1] = String(port);
  const out = await new Promise<string>((resolve, reject) => {
    execFile('ssh', [...args, 'echo', 'through-p'], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}\n${sshd.log()}`)) : resolve(stdout)));
  });
  assert.equal(out.trim(), 'through-p');
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
});
