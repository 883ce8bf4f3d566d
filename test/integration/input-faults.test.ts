// Inputs that used to break connect: secrets in URLs with / ? #, a SOCKS5
// proxy picking a method it was not offered, IPv6 zone ids, -w past
// setTimeout's range, huge rc files, -k past the kernel's limit, and rc
// warnings when the configuration then fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { socks5Frames, socks5Script, startFakeProxy, type Step } from '../helpers/fake-proxy.js';
import { CLI, runConnect, runProcess, spawnConnect } from '../helpers/run.js';
import { requireBinary, tempDir } from '../helpers/process.js';

const BANNER = 'SSH-2.0-input\r\n';
const SECRET = 'hunter2secret';

test('a proxy URL whose password holds / ? #: a usage error, no part of the password shown, nothing dialled', async (t) => {
  const peer = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  const cases: [string[], Record<string, string>][] = [
    [['-x', `socks5://alice:${SECRET}/x@127.0.0.1:${peer.port}`, 'h', '22'], {}],
    [['-x', `socks5://alice:${peer.port}${SECRET}/x@127.0.0.1:${peer.port}`, 'h', '22'], {}],
    [['-x', `http://alice:${SECRET}?x@127.0.0.1:${peer.port}`, 'h', '22'], {}],
    [['-h', 'h', '22'], { HTTP_PROXY: `http://alice:${SECRET}/x@127.0.0.1:${peer.port}` }],
    [['h', '22'], { CONNECT_PROXY: `socks5h://alice:${SECRET}#x@127.0.0.1:${peer.port}` }],
  ];
  for (const [args, env] of cases) {
    const r = await runConnect(['-d', ...args], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /invalid proxy/);
    for (const piece of ['hunter', 'secret', 'ter2', 'r2se']) assert.ok(!r.stderr.includes(piece), `${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(peer.connections.length, 0);
});

test('SOCKS5: a method that was not offered is refused before any credential is sent (RFC 1928 §3)', async (t) => {
  const env = { CONNECT_PASSWORD: SECRET, SOCKS5_USER: 'alice' };
  const cases: [string[], number, number][] = [
    [['-a', 'none'], 0x02, 3], // the password would follow
    [['-a', 'userpass'], 0x00, 3], // would skip authentication
    [[], 0x01, 4], // GSSAPI, not offered by default (none, userpass)
  ];
  for (const [auth, picked, greetingBytes] of cases) {
    const peer = await startFakeProxy('socks5', { script: [{ expect: socks5Frames.greeting }, { send: Buffer.from([5, picked]) }, { hang: true }] }, { t });
    const r = await runConnect([...auth, '-S', `127.0.0.1:${peer.port}`, 'h', '22'], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`chose authentication method ${picked}, which was not offered`));
    const conn = await peer.connection(0);
    while (!conn.clientEnded) await new Promise((resolve) => setTimeout(resolve, 10)); // connect's exit closes it
    assert.equal(conn.bytes, greetingBytes, `${auth.join(' ')}: only the greeting went out`);
    assert.ok(!conn.received.toString('latin1').includes(SECRET));
  }
});

test('an IPv6 zone id with a colon is not an address; one with a proxy is refused; nothing malformed is sent', async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER }) }, { t });
  for (const host of ['1:2:3:4:5:6:7:8%x:y', 'fe80::1%eth0', 'fe80::1%x:y']) {
    const r = await runConnect(['-S', `127.0.0.1:${peer.port}`, host, '22']);
    assert.equal(r.code, 1, `${host}: ${r.stderr}`);
    assert.match(r.stderr, /zone id|not an IPv6 address/, host);
  }
  assert.equal(peer.connections.length, 0);
});

test('-w 2147484 and more: a long time, not a timeout at once (and no TimeoutOverflowWarning)', async (t) => {
  // The proxy takes a moment; a timer that overflowed would already have fired.
  const slow: Step[] = [{ expect: socks5Frames.greeting }, { delay: 200 }, ...socks5Script({ method: 0, banner: BANNER }).slice(1)];
  for (const w of ['2147484', '99999999999']) {
    const peer = await startFakeProxy('socks5', { script: slow }, { t });
    const r = await runConnect(['-w', w, '-S', `127.0.0.1:${peer.port}`, 'h', '22']);
    assert.equal(r.code, 0, `-w ${w}: ${r.stderr}`);
    assert.equal(r.stdout.toString(), BANNER);
    assert.doesNotMatch(r.stderr, /Warning|timed out/);
  }
});

/** Runs connect with `rc` as the passwd home's ~/.connectrc (a private mount namespace, as root). */
function rcSkip(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for a private mount namespace';
  return requireBinary('unshare');
}

async function runWithRc(rc: string, args: string[]) {
  const dir = tempDir('rc');
  const file = join(dir, 'connectrc');
  writeFileSync(file, rc);
  try {
    const script = 'mount -t tmpfs none "$1" && cp "$2" "$1/.connectrc" && shift 2 && exec "$@"';
    return await runProcess('unshare', ['-m', 'sh', '-c', script, 'sh', userInfo().homedir, file, process.execPath, CLI, ...args], { timeoutMs: 20_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an rc file with 200,000 bad lines: works, a bounded number of warnings', { skip: rcSkip() }, async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER }) }, { t });
  const r = await runWithRc(`${'garbage\n'.repeat(200_000)}SOCKS5_SERVER=127.0.0.1:${peer.port}\n`, ['-s', 'h', '22']);
  assert.equal(r.code, 0, r.stderr.slice(0, 2000));
  assert.equal(r.stdout.toString(), BANNER);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.ok(lines.length <= 10, `${lines.length} lines of warnings`);
  assert.match(r.stderr, /199995 more lines with problems not shown/);
});

test('rc warnings are printed when the configuration then fails', { skip: rcSkip() }, async () => {
  const r = await runWithRc('SOCKS5_SERVR=typo:1080\n', ['-s', 'h', '22']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\.connectrc:1: unknown parameter `SOCKS5_SERVR'\nconnect: Failed to determine SOCKS server\.\n$/);
});

test('-k above the kernel limit: clamped to 32767 s and said so; the socket really gets it', { skip: requireBinary('ss') }, async (t) => {
  const peer = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner: BANNER, hang: true }) }, { t });
  const run = spawnConnect(['-k', '40000', '-S', `127.0.0.1:${peer.port}`, 'h', '22'], { stdin: 'keep-open', stdout: 'stream' });
  t.after(() => run.child.kill('SIGKILL'));
  await new Promise((r) => run.child.stdout!.once('data', r));
  const ss = execFileSync('ss', ['-tnoH', 'state', 'established', `( dport = :${peer.port} )`], { encoding: 'utf8' });
  const minutes = Number(/timer:\(keepalive,(\d+)min/.exec(ss)?.[1]);
  assert.ok(minutes > 500, `keepalive timer: ${ss}`); // 32767 s = 546 min; the kernel default would be 120
  run.child.kill('SIGTERM');
  const r = await run.result;
  assert.match(r.stderr, /keepalive of 40000 s \(-k\) is more than TCP allows; using 32767 s/);
});
