// The /dev/tty password prompt, driven for real in tmux: the typed password is
// not echoed, reaches the SOCKS5 proxy, and connect's stdin (the ssh stream)
// is left alone: the tunnel gets exactly the stdin content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { socks5Script, startFakeProxy } from '../helpers/fake-proxy.js';
import { CLI, runConnect } from '../helpers/run.js';
import { requireBinary, tempDir, type Teardown } from '../helpers/process.js';

const PASSWORD = 'Tr0ub4dor-xyzzy';
const STDIN = 'SSH-2.0-client-stdin-content\r\nnot-the-password\n';
const BANNER = 'SSH-2.0-fake-target\r\n';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A private tmux server (its own socket), killed after the test. */
function tmux(t: Teardown): (...args: string[]) => string {
  const socket = `connect-test-${process.pid}-${Date.now()}`;
  const run = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  t.after(() => { try { run('kill-server'); } catch { /* already gone */ } });
  return run;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('SOCKS5 password typed on /dev/tty: not echoed, sent to the proxy, stdin untouched', { skip: requireBinary('tmux') }, async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 2, banner: BANNER }) }, { t });
  const dir = tempDir('tty');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [stdinFile, outFile, errFile, doneFile] = ['stdin', 'out', 'err', 'done'].map((f) => join(dir, f)) as [string, string, string, string];
  writeFileSync(stdinFile, STDIN);
  const cmd = [
    'env', '-i', `PATH=${q(process.env.PATH ?? '/usr/bin:/bin')}`, `HOME=${q(dir)}`,
    q(process.execPath), q(CLI), '-S', `alice@127.0.0.1:${peer.port}`, 'target.example', '22',
    `<${q(stdinFile)}`, `>${q(outFile)}`, `2>${q(errFile)}`, `; echo $? >${q(doneFile)}`, '; sleep 30',
  ].join(' ');
  const run = tmux(t);
  run('new-session', '-d', '-s', 'pw', '-x', '160', '-y', '10', cmd);
  const prompt = `Enter SOCKS5 password for alice@127.0.0.1:${peer.port}:`;
  await waitFor('the prompt', () => (run('capture-pane', '-p', '-t', 'pw').includes(prompt) ? true : undefined));

  run('send-keys', '-t', 'pw', '-l', PASSWORD);
  await sleep(300);
  const typed = run('capture-pane', '-p', '-t', 'pw');
  run('send-keys', '-t', 'pw', 'Enter');
  const code = await waitFor('connect to exit', () => (existsSync(doneFile) && readFileSync(doneFile, 'utf8').trim()) || undefined);
  const after = run('capture-pane', '-p', '-t', 'pw');

  assert.equal(code, '0', readFileSync(errFile, 'utf8'));
  assert.ok(typed.includes(prompt), typed);
  assert.ok(!typed.includes(PASSWORD) && !after.includes(PASSWORD), `password echoed:\n${after}`);
  const conn = await peer.connection(0);
  await conn.closed;
  const auth = Buffer.concat([Buffer.from([1, 5]), Buffer.from('alice'), Buffer.from([PASSWORD.length]), Buffer.from(PASSWORD)]);
  assert.deepEqual(conn.frames[1], auth);
  const request = conn.frames[2]!;
  assert.equal(conn.received.subarray(conn.received.indexOf(request) + request.length).toString(), STDIN);
  assert.equal(readFileSync(outFile, 'utf8'), BANNER);
  assert.doesNotMatch(readFileSync(errFile, 'utf8'), new RegExp(PASSWORD));
});

test('CLI: proxy demands a password, no terminal, no askpass → exit 1, one clear line', async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 2 }) }, { t });
  const r = await runConnect(['-S', `alice@127.0.0.1:${peer.port}`, 'target.example', '22'], { stdin: Buffer.from(STDIN), timeoutMs: 5000 });
  assert.equal(r.code, 1);
  assert.equal(r.stdout.length, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /no terminal.*SOCKS5_PASSWORD/);
  assert.equal(peer.connections[0]?.frames.length ?? 0, 1, 'no auth frame may be sent');
});

test('CLI: SSH_ASKPASS + DISPLAY gives the password; stdin reaches the tunnel intact', async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 2, banner: BANNER }) }, { t });
  const dir = tempDir('askpass-cli');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, 'askpass');
  writeFileSync(program, `#!/bin/sh\necho ${PASSWORD}\n`, { mode: 0o755 });
  const r = await runConnect(['-S', `alice@127.0.0.1:${peer.port}`, 'target.example', '22'], {
    stdin: Buffer.from(STDIN), env: { SSH_ASKPASS: program, DISPLAY: ':99' }, timeoutMs: 5000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), BANNER);
  const conn = await peer.connection(0);
  await conn.closed;
  assert.equal(conn.frames[1]!.subarray(8).toString(), PASSWORD);
  assert.ok(conn.received.toString('latin1').endsWith(STDIN));
});
