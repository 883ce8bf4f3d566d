// -F with real ssh (ProxyUseFdpass yes): the route is negotiated, the socket
// handed to ssh, and connect exits; ssh then carries the session itself.
// Through danted (SOCKS5, SOCKS4), tinyproxy (Basic), a SOCKS5 → HTTP chain
// and directly, each with a 20 MB checksum; the refusals of cases where it
// cannot work (before anything is connected); and the guard for a Node
// without a way to pass descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, requireBinary, tempDir, type Teardown } from '../helpers/process.js';
import { startDanted, startSshd, startTinyproxy } from '../helpers/servers.js';
import { CLI, runConnect, spawnProcess, runProcess } from '../helpers/run.js';
import { expectedSha256 } from '../helpers/tcp.js';
import { sshWithInput } from '../helpers/ssh.js';
import { startFakeProxy } from '../helpers/fake-proxy.js';

const ours = `${process.execPath} ${CLI}`;
const SIZE = 20 << 20;
const basicAuth = { user: 'alice', password: 'Wonder-land-42' };
const fdpass = ['-o', 'ProxyUseFdpass=yes'];
const skipSsh = requireBinary('sshd') ?? requireBinary('ssh');

/** 20 MB through `cat | sha256sum` over ssh with `connect -F <args> %h %p` as the proxy command. */
async function fdpassRoundTrip(t: Teardown, args: string, seed: number, env: Record<string, string> = {}, logs: () => string = () => ''): Promise<void> {
  const sshd = await startSshd({ t });
  const out = await sshWithInput([...fdpass, ...sshd.sshArgs(`${ours} -F ${args} %h %p`)], 'cat | sha256sum', SIZE, seed, env);
  assert.equal(out.code, 0, `${out.stderr}\n${logs()}\n--- sshd ---\n${sshd.log()}`);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, seed));
  assert.doesNotMatch(out.stderr, /Warning|Error/, 'nothing on stderr');
}

test('-F through danted (SOCKS5): 20 MB round trip', { skip: skipSsh ?? requireBinary('danted') }, async (t) => {
  const danted = await startDanted({ t });
  await fdpassRoundTrip(t, `-S 127.0.0.1:${danted.port}`, 31, {}, () => danted.log());
});

test('-F through danted speaking SOCKS4: 20 MB round trip', { skip: skipSsh ?? requireBinary('danted') }, async (t) => {
  const danted = await startDanted({ t, socks4: true });
  await fdpassRoundTrip(t, `-4 -S 127.0.0.1:${danted.port}`, 32, {}, () => danted.log());
});

test('-F through tinyproxy with Basic auth (407, reconnect): 20 MB round trip', { skip: skipSsh ?? requireBinary('tinyproxy') }, async (t) => {
  const proxy = await startTinyproxy({ t, basicAuth });
  const env = { HTTP_PROXY_USER: basicAuth.user, HTTP_PROXY_PASSWORD: basicAuth.password };
  await fdpassRoundTrip(t, `-H 127.0.0.1:${proxy.port}`, 33, env, () => proxy.log());
});

test('-F through a SOCKS5 → HTTP chain (danted, then tinyproxy): 20 MB round trip', { skip: skipSsh ?? requireBinary('danted') ?? requireBinary('tinyproxy') }, async (t) => {
  const danted = await startDanted({ t });
  const proxy = await startTinyproxy({ t });
  await fdpassRoundTrip(t, `-x socks5://127.0.0.1:${danted.port} -x http://127.0.0.1:${proxy.port}`, 34, {}, () => `${danted.log()}\n${proxy.log()}`);
});

test('-F direct (-n): 20 MB round trip', { skip: skipSsh }, async (t) => {
  await fdpassRoundTrip(t, '-n', 35);
});

test('-F: the proxy command has exited while the session still runs', { skip: skipSsh }, async (t) => {
  const sshd = await startSshd({ t });
  const pidFile = join(scratchDir(t), 'pid');
  const proxyCommand = `sh -c 'echo $$ > ${pidFile}; exec ${ours} -F -n "$0" "$1"' %h %p`;
  const run = spawnProcess(binary('ssh'), [...fdpass, ...sshd.sshArgs(proxyCommand), 'cat'], { stdin: 'keep-open', stdout: 'stream', timeoutMs: 30_000 });
  run.child.stdin!.write('ping\n');
  const [echoed] = (await once(run.child.stdout!, 'data')) as [Buffer];
  assert.equal(echoed.toString(), 'ping\n', 'the session carries data');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 0);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `connect (pid ${pid}) still exists while the session runs`);
  run.child.stdin!.write('pong\n');
  const [again] = (await once(run.child.stdout!, 'data')) as [Buffer];
  assert.equal(again.toString(), 'pong\n');
  run.child.stdin!.end();
  const r = await run.result;
  assert.equal(r.code, 0, r.stderr);
});

test('-F where process.binding is refused (as under the permission model): the IPC channel route works', { skip: skipSsh }, async (t) => {
  const stub = writeStub(t, 'delete process.binding;');
  await fdpassRoundTrip(t, '-n', 36, { NODE_OPTIONS: `--require ${stub}` });
});

test('-F under --pending-deprecation: no deprecation warning reaches ssh\'s stderr', { skip: skipSsh }, async (t) => {
  await fdpassRoundTrip(t, '-n', 37, { NODE_OPTIONS: '--pending-deprecation' });
});

// ------------------------------------------------------------- refusals

/** A proxy that must never be contacted: each refusal comes before connecting. */
async function untouchedPeer(t: Teardown) {
  const peer = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  return { port: peer.port, assertUntouched: () => assert.equal(peer.connections.length, 0, 'a connection was made') };
}

test('-F refuses -p and -P', async (t) => {
  const peer = await untouchedPeer(t);
  for (const flag of ['-p', '-P']) {
    const r = await runConnect(['-F', flag, '12345', '-S', `127.0.0.1:${peer.port}`, 'host', '22']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /-F cannot be combined with -p or -P/);
  }
  peer.assertUntouched();
});

test('-F refuses an https:// hop (its TLS session would stay in this process)', async (t) => {
  const peer = await untouchedPeer(t);
  const r = await runConnect(['-F', '-x', `socks5://127.0.0.1:${peer.port}`, '-x', 'https://tls.example:443', 'host', '22']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /-F cannot pass a connection through an https:\/\/ proxy \(tls\.example\)/);
  peer.assertUntouched();
});

test('-F refuses a stdout that is not a unix socket: a pipe, a file', async (t) => {
  const peer = await untouchedPeer(t);
  const dir = scratchDir(t);
  const command = `${ours} -F -S 127.0.0.1:${peer.port} host 22`;
  for (const shell of [`${command} | cat`, `${command} > ${join(dir, 'out')}`]) {
    const r = await runProcess('sh', ['-c', shell]);
    assert.match(r.stderr, /-F needs ssh's ProxyUseFdpass yes \(stdout is not a unix socket\)/, shell);
  }
  peer.assertUntouched();
});

test('-F on a Node with no way to pass descriptors: a clear error, nothing connected', async (t) => {
  const peer = await untouchedPeer(t);
  const stub = writeStub(t, "delete process.binding; require('node:child_process')._forkChild = undefined;");
  // Node's spawn gives the child a unix socketpair as stdout, as ssh does.
  const r = await runConnect(['-F', '-S', `127.0.0.1:${peer.port}`, 'host', '22'], { env: { NODE_OPTIONS: `--require ${stub}` } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /-F: this Node \(v\d+[^)]*\) offers no way to pass a descriptor/);
  peer.assertUntouched();
});

/** A --require preload that takes internals away, as a future Node might. */
function writeStub(t: Teardown, code: string): string {
  const file = join(scratchDir(t), 'stub.cjs');
  writeFileSync(file, `${code}\n`);
  return file;
}

function scratchDir(t: Teardown): string {
  const dir = tempDir('fdpass');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
