// Output failures other than the reader going away (ENOSPC, a closed stdout)
// lose data: exit 1 with one line naming the output and the cause, as
// connect.c's "output (local) failed, errno=28". EPIPE stays a quiet end
// (test/integration/hostile.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { socks5Script, startFakeProxy } from '../helpers/fake-proxy.js';
import { CLI, runProcess } from '../helpers/run.js';
import { binary, requireBinary } from '../helpers/process.js';

const BODY = Buffer.alloc(256 << 10, 0x61);

/** connect (or connect-proxy) with its stdout redirected by the shell: `redirect` is e.g. `>/dev/full`. */
async function runRedirected(redirect: string, reference = false) {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BODY }) });
  try {
    const cmd = reference ? [binary('connect-proxy')] : [process.execPath, CLI];
    return await runProcess('sh', ['-c', `exec "$@" ${redirect}`, 'sh', ...cmd, '-S', `127.0.0.1:${peer.port}`, 'host', '22'], { stdin: 'close' });
  } finally {
    await peer.close();
  }
}

test('stdout on /dev/full (ENOSPC): exit 1, one line naming stdout and the cause', async () => {
  const r = await runRedirected('>/dev/full');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^connect: output \(stdout\) failed: .*ENOSPC.*\n$/);
});

test('stdout on /dev/full: connect-proxy fails the same way', { skip: requireBinary('connect-proxy') }, async () => {
  const r = await runRedirected('>/dev/full', true);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /output \(local\) failed, errno=28/);
});

test('stdout closed at start: exit 1 naming it, not a silent exit 0', async () => {
  const r = await runRedirected('>&-');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^connect: output \(stdout\) failed: stdout was closed.*\n$/);
});

test('stdout on /dev/null (write-only, as a shell opens it) is a working output', async () => {
  const r = await runRedirected('>/dev/null');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('stdin and stdout on files (not pipes or sockets): Node\'s own streams carry the session', async (t) => {
  const { tempDir } = await import('../helpers/process.js');
  const { readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const dir = tempDir('output');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(`${dir}/in`, 'from a file\n');
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BODY }) });
  try {
    const r = await runProcess('sh', ['-c', `exec "$@" <"${dir}/in" >"${dir}/out"`, 'sh', process.execPath, CLI, '-S', `127.0.0.1:${peer.port}`, 'host', '22']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(`${dir}/out`).equals(BODY), 'the banner did not reach the file');
    assert.match((await peer.connection(0)).received.toString('latin1'), /from a file\n$/);
  } finally {
    await peer.close();
  }
});
