// SOCKS4/4a, HTTP CONNECT and telnet: side by side with connect.c 1.105
// (`connect-proxy`) against the same scripted peer, and `negotiate` directly
// for what connect.c gets wrong (bad input, limits, early bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import {
  httpAuthScript, httpScript, perConnection, socks4Script, startFakeProxy, telnetScript, type FakePeer, type FakeProtocol, type Script, type Step,
} from '../helpers/fake-proxy.js';
import { runBoth, runConnect, type SideBySide } from '../helpers/run.js';
import { requireBinary } from '../helpers/process.js';
import type { ProxyKind, ProxyServer } from '../../src/config/types.js';
import type { NegotiateContext } from '../../src/protocols/types.js';
import { loadNegotiator } from '../../src/protocols/index.js';
import { ConnectError } from '../../src/errors.js';

const skip = requireBinary('connect-proxy');
const BANNER = 'SSH-2.0-fake_banner\r\n';
const P = (port: number) => `127.0.0.1:${port}`;

/** What each side sent on connection i, and how each ended. */
function sent(side: SideBySide['ours'], i = 0): string {
  return side.peer.connections[i]?.received.toString('latin1') ?? '<no connection>';
}

function assertSameOutcome(r: SideBySide): void {
  assert.equal(r.ours.result.code, r.reference.result.code, `exit codes; ours stderr: ${r.ours.result.stderr}`);
  assert.deepEqual(r.ours.result.stdout, r.reference.result.stdout, 'stdout bytes');
  assert.equal(r.ours.peer.connections.length, r.reference.peer.connections.length, 'connections to the proxy');
}

function assertSameBytes(r: SideBySide): void {
  for (let i = 0; i < r.reference.peer.connections.length; i++) assert.equal(sent(r.ours, i), sent(r.reference, i), `connection ${i}`);
}

/** HTTP: same request line and credentials; we add only a Host header. */
function assertSameHttpRequests(r: SideBySide, target: string): void {
  for (let i = 0; i < r.reference.peer.connections.length; i++) {
    const ref = sent(r.reference, i);
    const ours = sent(r.ours, i);
    assert.equal(ours.replace(`Host: ${target}\r\n`, ''), ref, `connection ${i}`);
    assert.match(ours, new RegExp(`^CONNECT ${target} HTTP/1\\.0\\r\\nHost: ${target}\\r\\n`));
  }
}

async function both(protocol: FakeProtocol, args: (port: number) => string[], script: Script, env: Record<string, string> = {}): Promise<SideBySide> {
  return runBoth(protocol, args, script, { env, timeoutMs: 15_000 });
}

// ------------------------------------------------------------ SOCKS4 / 4a

test('SOCKS4, -R local (default): resolved address, banner kept', { skip }, async () => {
  const r = await both('socks4', (p) => ['-4', '-S', P(p), 'localhost', '22'], socks4Script({ banner: BANNER }));
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.equal(r.ours.result.code, 0);
  assert.equal(r.ours.result.stdout.toString(), BANNER);
  assert.equal(sent(r.ours).slice(0, 8), '\x04\x01\x00\x16\x7f\x00\x00\x01');
});

test('SOCKS4a with -R remote and user@ in the spec', { skip }, async () => {
  const r = await both('socks4', (p) => ['-4', '-R', 'remote', '-S', `bob@${P(p)}`, 'example.com', '22'], socks4Script({ banner: BANNER }));
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.equal(sent(r.ours), '\x04\x01\x00\x16\x00\x00\x00\x01bob\x00example.com\x00');
});

test('SOCKS4, local resolution fails: the name goes as 4a (connect.c does)', { skip }, async () => {
  const r = await both('socks4', (p) => ['-4', '-S', `u@${P(p)}`, 'no-such-host.invalid', '22'], socks4Script({ banner: BANNER }));
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.match(sent(r.ours), /^\x04\x01\x00\x16\x00\x00\x00\x01u\x00no-such-host\.invalid\x00$/);
});

test('SOCKS4 reply 91: both fail, nothing on stdout', { skip }, async () => {
  const r = await both('socks4', (p) => ['-4', '-S', P(p), '10.1.2.3', '22'], socks4Script({ code: 91 }));
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.equal(r.ours.result.code, 1);
  assert.match(r.ours.result.stderr, /10\.1\.2\.3:22.*rejected or failed \(91\)/);
});

// ------------------------------------------------------------------- HTTP

test('HTTP CONNECT 200: tunnel after the blank line, banner in the same packet kept', { skip }, async () => {
  const r = await both('http', (p) => ['-H', P(p), 'example.com', '22'], httpScript({ status: 200, headers: { Via: 'x' }, banner: BANNER }));
  assertSameOutcome(r);
  assertSameHttpRequests(r, 'example.com:22');
  assert.equal(r.ours.result.stdout.toString(), BANNER);
});

test('HTTP 407 Basic, then reconnect with credentials (user@ in the spec)', { skip }, async () => {
  const r = await both('http', (p) => ['-H', `alice@${P(p)}`, 'example.com', '22'], httpAuthScript({ banner: BANNER }), { HTTP_PROXY_PASSWORD: 's3cret' });
  assertSameOutcome(r);
  assertSameHttpRequests(r, 'example.com:22');
  assert.equal(r.ours.peer.connections.length, 2);
  assert.match(sent(r.ours, 1), /\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n$/);
  assert.equal(r.ours.result.stdout.toString(), BANNER);
  assert.doesNotMatch(r.ours.result.stderr, /s3cret|YWxp/);
});

test('HTTP 401 with WWW-Authenticate Basic is retried too', { skip }, async () => {
  const script = perConnection(
    httpScript({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="raptor"' }, body: 'denied' }),
    httpScript({ status: 200, banner: BANNER }),
  );
  const r = await both('http', (p) => ['-H', `alice@${P(p)}`, 'example.com', '22'], script, { CONNECT_PASSWORD: 'pw' });
  assertSameOutcome(r);
  assertSameHttpRequests(r, 'example.com:22');
  assert.equal(r.ours.result.stdout.toString(), BANNER);
});

test('HTTP 407 twice: authentication failed, exit 1', { skip }, async () => {
  const script = perConnection(httpScript({ status: 407 }));
  const r = await both('http', (p) => ['-H', `alice@${P(p)}`, 'example.com', '22'], script, { HTTP_PROXY_PASSWORD: 'wrong' });
  assertSameOutcome(r);
  assertSameHttpRequests(r, 'example.com:22');
  assert.equal(r.ours.result.code, 1);
  assert.match(r.ours.result.stderr, /authentication failed/);
});

test('HTTP 403 with a body: fails, the body never reaches stdout', { skip }, async () => {
  const r = await both('http', (p) => ['-H', P(p), 'example.com', '22'], httpScript({ status: 403, body: 'SECRET-BODY' }));
  assertSameOutcome(r);
  assertSameHttpRequests(r, 'example.com:22');
  assert.equal(r.ours.result.code, 1);
  assert.equal(r.ours.result.stdout.length, 0);
  assert.match(r.ours.result.stderr, /refused CONNECT example\.com:22: "HTTP\/1\.0 403 Forbidden"/);
});

test('HTTP_PROXY=http://host:port/ with -h', { skip }, async () => {
  const outcome = await bothWithEnv('http', (p) => ({ HTTP_PROXY: `http://127.0.0.1:${p}/` }), ['-h', 'example.com', '22'], httpScript({ status: 200, banner: BANNER }));
  assertSameOutcome(outcome);
  assertSameHttpRequests(outcome, 'example.com:22');
  assert.equal(outcome.ours.result.stdout.toString(), BANNER);
});

// ----------------------------------------------------------------- telnet

test('telnet proxy, default command: "Connected to" line starts the tunnel', { skip }, async () => {
  const r = await both('telnet', (p) => ['-T', P(p), 'example.com', '22'], [{ send: 'proxy> ' }, ...telnetScript({ line: 'Trying...\r\nConnected to example.com.', banner: BANNER })]);
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.equal(sent(r.ours), 'telnet example.com 22\r\n');
  assert.equal(r.ours.result.stdout.toString(), BANNER);
});

test('telnet proxy, custom -c with %h %p and escapes', { skip }, async () => {
  const r = await both('telnet', (p) => ['-T', P(p), '-c', 'open %h:%p\\t%%x%q', 'example.com', '2222'], telnetScript({ line: 'connected to example.com', banner: BANNER }));
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.equal(sent(r.ours), 'open example.com:2222\txq\r\n');
});

test('telnet proxy refusal: exit 1, nothing on stdout', { skip }, async () => {
  const r = await both('telnet', (p) => ['-T', P(p), 'example.com', '22'], telnetScript({ line: 'telnet: Unable to connect to remote host: Connection refused' }));
  assertSameOutcome(r);
  assertSameBytes(r);
  assert.equal(r.ours.result.code, 1);
  assert.match(r.ours.result.stderr, /Connection refused/);
});

// -------------------------------------------- negotiate directly (beyond)

const peers: FakePeer[] = [];
test.after(() => Promise.all(peers.map((p) => p.close())));

async function peer(kind: ProxyKind, script: Script): Promise<FakePeer> {
  const p = await startFakeProxy(kind, { script });
  peers.push(p);
  return p;
}

function dial(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

interface Run { result: Promise<Duplex>; asked: string[]; p: FakePeer }

async function negotiateWith(kind: ProxyKind, script: Script, target: { host: string; port: number }, extra: Partial<ProxyServer> = {}): Promise<Run> {
  const p = await peer(kind, script);
  const proxy: ProxyServer = { kind, host: '127.0.0.1', port: p.port, resolve: 'remote', user: 'alice', ...extra };
  const asked: string[] = [];
  const ctx: NegotiateContext = {
    proxy, target, signal: new AbortController().signal,
    resolveLocal: async () => undefined,
    getPassword: async (req) => { asked.push(req.prompt); return 'pw'; },
    reconnect: () => dial(p.port),
  };
  const negotiate = await loadNegotiator(kind);
  const stream = await dial(p.port);
  const result = negotiate(stream, ctx).catch((err: unknown) => { stream.destroy(); throw err; });
  return { result, asked, p };
}

const rejectsWith = (code: string, re?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ConnectError, String(err));
  assert.equal(err.code, code, err.message);
  if (re) assert.match(err.message, re);
  return true;
};

async function firstBytes(stream: Duplex): Promise<string> {
  const [chunk] = await Promise.race([
    new Promise<Buffer[]>((r) => stream.once('data', (d: Buffer) => r([d]))),
    new Promise<Buffer[]>((_, j) => setTimeout(() => j(new Error('no early bytes')), 2000)),
  ]);
  stream.destroy();
  return chunk!.toString();
}

test('negotiate: bad input is rejected before a byte is sent', async () => {
  const cases: [ProxyKind, string, string][] = [
    ['socks4', '::1', 'IPv6.*SOCKS5'],
    ['socks4', 'evil\0host', 'NUL'],
    ['http', 'evil\r\nX-Injected: 1', 'control character'],
    ['http', 'a b', 'space'],
    ['telnet', 'host\r\nquit', 'control character'],
  ];
  for (const [kind, host, re] of cases) {
    const run = await negotiateWith(kind, [{ hang: true }], { host, port: 22 });
    await assert.rejects(run.result, rejectsWith('BAD_INPUT', new RegExp(re)), `${kind} ${JSON.stringify(host)}`);
    const conn = await run.p.connection(0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(conn.bytes, 0, `${kind}: nothing sent`);
  }
});

test('negotiate: IPv6 target on HTTP is sent as [addr]:port', async () => {
  const run = await negotiateWith('http', httpScript({ status: 200, banner: BANNER, hang: true }), { host: '2001:db8::1', port: 22 });
  assert.equal(await firstBytes(await run.result), BANNER);
  assert.match(run.p.connections[0]!.received.toString(), /^CONNECT \[2001:db8::1\]:22 HTTP\/1\.0\r\nHost: \[2001:db8::1\]:22\r\n\r\n$/);
});

test('negotiate: password asked only when the proxy demands it', async () => {
  const plain = await negotiateWith('http', httpScript({ status: 200, banner: BANNER, hang: true }), { host: 'h', port: 22 });
  assert.equal(await firstBytes(await plain.result), BANNER);
  assert.deepEqual(plain.asked, []);
  const auth = await negotiateWith('http', httpAuthScript({ banner: BANNER, hang: true }), { host: 'h', port: 22 });
  assert.equal(await firstBytes(await auth.result), BANNER);
  assert.equal(auth.asked.length, 1);
  assert.match(auth.p.connections[1]!.received.toString(), /Proxy-Authorization: Basic YWxpY2U6cHc=\r\n/);
});

test('negotiate: HTTP answers that fail, and how', async () => {
  const cases: [Step[], string, RegExp][] = [
    [[{ until: '\r\n\r\n' }, { send: 'HTTP/1.0\r\n\r\n' }, { close: true }], 'PROXY_PROTOCOL', /no HTTP status code/],
    [[{ until: '\r\n\r\n' }, { send: `HTTP/1.0 200 OK\r\nX: ${'a'.repeat(70_000)}\r\n\r\n` }, { hang: true }], 'PROXY_PROTOCOL', /longer than 65536/],
    [[{ until: '\r\n\r\n' }, { send: 'HTTP/1.0 200 OK\r\n' }, { close: true }], 'PROXY_PROTOCOL', /closed/],
    [httpScript({ status: 407, headers: { 'Proxy-Authenticate': 'Bearer realm="r"' } }), 'AUTH', /offered schemes: bearer/],
    [httpScript({ status: 407, headers: {} }), 'AUTH', /offered schemes: none/],
    [httpScript({ status: 407, headers: { 'Proxy-Authenticate': 'Digest realm="r", nonce="n", algorithm=SHA-1' } }), 'AUTH', /offered schemes: digest \(algorithm "SHA-1" is not supported\)/],
    [httpScript({ status: 407, headers: { 'Proxy-Authenticate': 'Digest realm="r", nonce="n", qop="auth-int"' } }), 'AUTH', /offered schemes: digest \(qop "auth-int" without auth\)/],
    [httpScript({ status: 502 }), 'PROXY_REFUSED', /"HTTP\/1\.0 502 Bad Gateway"/],
  ];
  for (const [script, code, re] of cases) {
    const run = await negotiateWith('http', script, { host: 'h', port: 22 });
    await assert.rejects(run.result, rejectsWith(code, re), String(re));
    assert.deepEqual(run.asked, []);
  }
});

test('negotiate: NTLM offered, then no challenge to the Type 1: AUTH, the password asked once (before the NTLM rounds)', async () => {
  const run = await negotiateWith('http', httpScript({ status: 407, headers: { 'Proxy-Authenticate': 'NTLM' } }), { host: 'h', port: 22 });
  await assert.rejects(run.result, rejectsWith('AUTH', /NTLM negotiate message without a challenge/));
  assert.equal(run.asked.length, 1);
});

test('negotiate: any 2xx starts the tunnel (beyond connect.c)', async () => {
  const run = await negotiateWith('http', httpScript({ status: 204, banner: BANNER, hang: true }), { host: 'h', port: 22 });
  assert.equal(await firstBytes(await run.result), BANNER);
});

test('negotiate: telnet end of stream or endless chatter fails', async () => {
  const eof = await negotiateWith('telnet', [{ line: true }, { send: 'Trying...\r\n' }, { close: true }], { host: 'h', port: 22 });
  await assert.rejects(eof.result, rejectsWith('PROXY_PROTOCOL', /closed/));
  const long = await negotiateWith('telnet', [{ line: true }, { send: 'x'.repeat(9000) }, { hang: true }], { host: 'h', port: 22 });
  await assert.rejects(long.result, rejectsWith('PROXY_PROTOCOL', /longer than 8192/));
  const chatter = await negotiateWith('telnet', [{ line: true }, { send: 'hello\r\n'.repeat(10_000) }, { hang: true }], { host: 'h', port: 22 });
  await assert.rejects(chatter.result, rejectsWith('PROXY_PROTOCOL'));
});

test('negotiate: SOCKS4 local resolution sends the address; bytes after the reply kept', async () => {
  const p = await peer('socks4', socks4Script({ banner: BANNER, hang: true }));
  const ctx: NegotiateContext = {
    proxy: { kind: 'socks4', host: '127.0.0.1', port: p.port, resolve: 'local', user: 'u' },
    target: { host: 'db.example', port: 5432 }, signal: new AbortController().signal,
    resolveLocal: async (h) => (h === 'db.example' ? '192.0.2.7' : undefined),
    reconnect: () => dial(p.port),
  };
  const stream = await (await loadNegotiator('socks4'))(await dial(p.port), ctx);
  assert.equal(await firstBytes(stream), BANNER);
  assert.equal(p.connections[0]!.received.toString('hex'), '04011538c0000207' + '7500');
});

// ------------------------------------------------------------ helpers

async function bothWithEnv(protocol: FakeProtocol, env: (port: number) => Record<string, string>, args: string[], script: Script): Promise<SideBySide> {
  const ps = [await startFakeProxy(protocol, { script }), await startFakeProxy(protocol, { script })] as const;
  try {
    const [ours, reference] = await Promise.all([
      runConnect(args, { env: env(ps[0].port), bin: 'ours', timeoutMs: 15_000 }),
      runConnect(args, { env: env(ps[1].port), bin: 'reference', timeoutMs: 15_000 }),
    ]);
    return { ours: { result: ours, peer: ps[0] }, reference: { result: reference, peer: ps[1] } };
  } finally {
    await Promise.all(ps.map((x) => x.close()));
  }
}
