// Integrity and memory under load (SECURITY.md): LOAD_MB (default 256) MB of
// seeded random data each way at the same time through a real SOCKS5 server
// to an echo target, checksums equal; and a stdout reader that pauses for
// seconds while the remote floods keeps connect's RSS under 64 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { startFakeProxy } from '../helpers/fake-proxy.js';
import { spawnConnect } from '../helpers/run.js';
import { expectedSha256, randomStream, sha256, startTarget } from '../helpers/tcp.js';

const MB = Number(process.env.LOAD_MB ?? 256);
const RSS_LIMIT = 64 * 1024 * 1024;

const listen = (handler: (s: net.Socket) => void, t: { after(fn: () => unknown): void }) => startTarget(t, handler);

async function socks5(t: { after(fn: () => unknown): void }): Promise<number> {
  return (await startFakeProxy('socks5', {}, { t })).port;
}

function rssOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

test(`${MB} MB each way at once through a SOCKS5 echo peer: checksums equal`, { timeout: 180_000 }, async (t) => {
  const bytes = MB * 1024 * 1024;
  const echo = await listen((s) => s.pipe(s), t);
  const proxy = await socks5(t);
  const run = spawnConnect(['-S', `127.0.0.1:${proxy}`, '127.0.0.1', String(echo)], { stdin: 'keep-open', stdout: 'stream', timeoutMs: 170_000 });
  const expected = expectedSha256(bytes, 7);
  const [, got, r] = await Promise.all([
    pipeline(randomStream(bytes, 7), run.child.stdin!),
    sha256(run.child.stdout!),
    run.result,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(got.bytes, bytes);
  assert.equal(got.hex, expected, 'what came back is what went in');
  t.diagnostic(`${MB} MB each way in ${r.durationMs} ms`);
});

test('a stdout reader paused for 3 s while the remote floods: connect RSS < 64 MB, then every byte arrives', { timeout: 60_000 }, async (t) => {
  const bytes = 128 * 1024 * 1024;
  const source = await listen((s) => { s.resume(); void pipeline(randomStream(bytes, 9), s).catch(() => {}); }, t);
  const proxy = await socks5(t);
  const run = spawnConnect(['-S', `127.0.0.1:${proxy}`, '127.0.0.1', String(source)], { stdin: 'keep-open', stdout: 'stream', timeoutMs: 55_000 });
  const stdout = run.child.stdout!;
  stdout.pause();
  let peak = 0;
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 100));
    peak = Math.max(peak, rssOf(run.child.pid!) ?? 0);
  }
  assert.ok(peak > 0, 'could read VmRSS');
  const hashing = sha256(stdout);
  stdout.resume();
  const got = await hashing;
  run.child.stdin!.end();
  const r = await run.result;
  t.diagnostic(`peak RSS while paused: ${(peak / 1048576).toFixed(1)} MB`);
  assert.ok(peak < RSS_LIMIT, `connect RSS reached ${(peak / 1048576).toFixed(1)} MB while stdout was paused`);
  assert.equal(got.bytes, bytes, r.stderr);
  assert.equal(got.hex, expectedSha256(bytes, 9));
  assert.equal(r.code, 0, r.stderr);
});
