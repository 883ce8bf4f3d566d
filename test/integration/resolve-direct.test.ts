// Where the target is resolved and when it bypasses the proxy, end to end
// through the CLI (-R / -D, the direct lists and NO_PROXY with -x; README "Usage",
// "Environment and rc files", "Migrating from connect.c"):
//   -R <dns server>   local resolution through that server (a tiny DNS responder, helpers/dns-server.ts)
//   -D                every local network (interface address/mask) is direct
//   NO_PROXY / no_proxy with -x and CONNECT_PROXY
// Not here: SOCKS5_DIRECT / CONNECT_DIRECT from rc files. connect reads
// ~/.connectrc from the passwd home (os.userInfo().homedir, not $HOME, as
// connect.c) and /etc/connectrc, with no override (src/config/load.ts), and
// tests must not write to /etc or /root; rc parsing and the direct lists it
// feeds are covered by test/unit/rc.test.ts, build.test.ts and direct.test.ts.
//
// connect.c 1.105 and -R <ip>: it resolves the target BEFORE it installs that
// nameserver (-d prints "resolving host by name" ... "failed to resolve
// locally" ... "Using nameserver at"), so it never asks the server and a name
// only that server knows goes to the proxy as a name. connect.c's manual page
// says -R uses that host as nameserver (we do that); where the server does not know the name, both fall back to
// the system resolver, and then to sending the name: those cases are compared
// byte for byte with connect-proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces, userInfo } from 'node:os';
import { QTYPE, dnsSkipReason, startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { bannerServer, socks4Script, socks5Script, startFakeProxy, type FakePeer } from '../helpers/fake-proxy.js';
import { freePort } from '../helpers/ports.js';
import { runBoth, runConnect } from '../helpers/run.js';
import { requireBinary, type Teardown } from '../helpers/process.js';

const BANNER = 'SSH-2.0-target\r\n';
const VIA_PROXY = 'SSH-2.0-via-proxy\r\n';
/** Only our DNS server knows it, at an address the system resolver would never give. */
const NAME = 'db.test';
const NAME_ADDR = [127, 1, 2, 3];
const NAME_IP = NAME_ADDR.join('.');
const UNKNOWN = 'nosuch.test';

const dnsSkip = await dnsSkipReason();
const refSkip = requireBinary('connect-proxy');
const ipv6Skip = await bannerServer('', { host: '::1' }).then(async (s) => { await s.close(); return undefined; }, (e: Error) => `no ::1: ${e.message}`);

const dnsServer = (t: Teardown) => startDnsServer({ records: { [NAME]: NAME_IP }, t });
const socks5Peer = (t: Teardown, banner = VIA_PROXY) => startFakeProxy('socks5', { script: socks5Script({ method: 0, banner }) }, { t });
const portBytes = (port: number) => [port >> 8, port & 0xff];
const socks5Request = (atypAndAddr: number[], port: number) => Buffer.from([5, 1, 0, ...atypAndAddr, ...portBytes(port)]);
const socks5Name = (name: string, port: number) => socks5Request([3, name.length, ...Buffer.from(name)], port);
const asked = (dns: DnsServer, name: string) => dns.queries.filter((q) => q.name === name).map((q) => q.type);

function ok(r: { code: number | null; stdout: Buffer; stderr: string }, expected: string, what: string): void {
  assert.equal(r.stdout.toString(), expected, `${what}: stderr: ${r.stderr}`);
  assert.equal(r.code, 0, `${what}: stderr: ${r.stderr}`);
}

// ---------------------------------------------------------------- -R <dns>

test('-R <dns> with SOCKS5: the name is resolved by THAT server and sent as address type 1', { skip: dnsSkip }, async (t) => {
  const dns = await dnsServer(t);
  const peer = await socks5Peer(t);
  const r = await runConnect(['-R', dns.host, '-S', `127.0.0.1:${peer.port}`, NAME, '22']);
  ok(r, VIA_PROXY, '-R');
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Request([1, ...NAME_ADDR], 22));
  assert.ok(asked(dns, NAME).includes(QTYPE.A), `queries: ${JSON.stringify(dns.queries)}`);
});

test('-4 -R <dns>: SOCKS4 (not 4a) carries the address from that server', { skip: dnsSkip }, async (t) => {
  const dns = await dnsServer(t);
  const peer = await startFakeProxy('socks4', { script: socks4Script({ banner: VIA_PROXY }) }, { t });
  const r = await runConnect(['-4', '-R', dns.host, '-S', `127.0.0.1:${peer.port}`, NAME, '22']);
  ok(r, VIA_PROXY, '-4 -R');
  const frame = peer.connections[0]!.frames[0]!;
  assert.deepEqual(frame.subarray(0, 8), Buffer.from([4, 1, ...portBytes(22), ...NAME_ADDR]));
  assert.equal(frame.subarray(8).toString(), `${userInfo().username}\0`, 'userid NUL and no 4a host name');
  assert.ok(asked(dns, NAME).includes(QTYPE.A));
});

test('direct with -R <dns>: connects to the address that server gave (listening on 127.1.2.3)', { skip: dnsSkip }, async (t) => {
  const dns = await dnsServer(t);
  const target = await bannerServer(BANNER, { t, host: NAME_IP, then: 'close' });
  const r = await runConnect(['-R', dns.host, NAME, String(target.port)]);
  ok(r, BANNER, 'direct -R');
  assert.equal(target.connections.length, 1);
  assert.ok(asked(dns, NAME).includes(QTYPE.A));
  // Control: the system resolver does not know the name (.test is reserved, RFC 6761).
  const without = await runConnect([NAME, String(target.port)]);
  assert.equal(without.code, 1, without.stderr);
  assert.equal(target.connections.length, 1);
});

test('-R <dns> and a name that server does not know: the name is sent, as connect-proxy does', { skip: dnsSkip || refSkip }, async (t) => {
  const dns = await dnsServer(t);
  const s5 = await runBoth('socks5', (p) => ['-R', dns.host, '-S', `127.0.0.1:${p}`, UNKNOWN, '22'], socks5Script({ method: 0, banner: VIA_PROXY }));
  ok(s5.ours.result, VIA_PROXY, 'ours SOCKS5');
  ok(s5.reference.result, VIA_PROXY, 'reference SOCKS5');
  assert.deepEqual(s5.ours.peer.connections[0]!.frames[1], socks5Name(UNKNOWN, 22));
  assert.deepEqual(s5.ours.peer.connections[0]!.received, s5.reference.peer.connections[0]!.received);
  assert.ok(asked(dns, UNKNOWN).includes(QTYPE.A), 'we asked the -R server first');
  // SOCKS4: local resolution failed, so the name goes as SOCKS4a (0.0.0.1, userid NUL, host NUL).
  const s4 = await runBoth('socks4', (p) => ['-4', '-R', dns.host, '-S', `127.0.0.1:${p}`, UNKNOWN, '22'], socks4Script({ banner: VIA_PROXY }));
  ok(s4.ours.result, VIA_PROXY, 'ours SOCKS4');
  assert.deepEqual(s4.ours.peer.connections[0]!.received, s4.reference.peer.connections[0]!.received);
  assert.ok(s4.ours.peer.connections[0]!.received.includes(Buffer.from(`\0${UNKNOWN}\0`)));
});

test('-R <dns> and a name only /etc/hosts knows (localhost): the system resolver answers, as connect-proxy', { skip: dnsSkip || refSkip }, async (t) => {
  const dns = await dnsServer(t);
  const s5 = await runBoth('socks5', (p) => ['-R', dns.host, '-S', `127.0.0.1:${p}`, 'localhost', '22'], socks5Script({ method: 0, banner: VIA_PROXY }));
  ok(s5.ours.result, VIA_PROXY, 'ours');
  assert.deepEqual(s5.ours.peer.connections[0]!.frames[1], socks5Request([1, 127, 0, 0, 1], 22));
  assert.deepEqual(s5.ours.peer.connections[0]!.received, s5.reference.peer.connections[0]!.received);
  // Direct: connect-proxy connects to localhost; so must we (not "cannot resolve localhost").
  const target = await bannerServer(BANNER, { t, then: 'close' });
  for (const bin of ['ours', 'reference'] as const) {
    ok(await runConnect(['-R', dns.host, 'localhost', String(target.port)], { bin }), BANNER, `direct ${bin}`);
  }
});

test('beyond: -R ::1 asks a DNS server over IPv6', { skip: dnsSkip || ipv6Skip }, async (t) => {
  const dns6 = await startDnsServer({ records: { [NAME]: NAME_IP }, hosts: ['::1'], t });
  const peer = await socks5Peer(t);
  const r = await runConnect(['-R', '::1', '-S', `127.0.0.1:${peer.port}`, NAME, '22']);
  ok(r, VIA_PROXY, '-R ::1');
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Request([1, ...NAME_ADDR], 22));
  assert.ok(asked(dns6, NAME).includes(QTYPE.A));
});

// ---------------------------------------------------------------- -D

test('-D: a target on a local network (lo 127.0.0.1/8) is connected to directly; without -D via the proxy', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const peer = await socks5Peer(t);
  const withD = await runConnect(['-D', '-S', `127.0.0.1:${peer.port}`, '127.0.0.1', String(target.port)]);
  ok(withD, BANNER, '-D');
  assert.equal(peer.connections.length, 0, 'the proxy saw no connection');
  assert.equal(target.connections.length, 1);

  const withoutD = await runConnect(['-S', `127.0.0.1:${peer.port}`, '127.0.0.1', String(target.port)]);
  ok(withoutD, VIA_PROXY, 'no -D');
  assert.equal(peer.connections.length, 1);
  // SOCKS5 resolves remotely by default: connect.c sends even an IPv4 literal as a name (atyp 3).
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Name('127.0.0.1', target.port));
  assert.equal(target.connections.length, 1, 'the fake proxy does not really connect');
});

test('-D with a dead proxy: a local target still connects (the proxy is never tried)', async (t) => {
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const dead = await freePort();
  ok(await runConnect(['-D', '-S', `127.0.0.1:${dead}`, '127.0.0.1', String(target.port)]), BANNER, '-D dead proxy');
  const r = await runConnect(['-S', `127.0.0.1:${dead}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.code, 1, 'control: without -D the dead proxy fails it');
});

/** A documentation address (RFC 5737) on none of this host's IPv4 networks (CI hosts may sit on 192.0.2.0/24). */
function nonLocalIPv4(): string | undefined {
  const bytes = (a: string) => a.split('.').map(Number);
  const nets = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((i) => i.family === 'IPv4');
  const local = (a: string) => nets.some((n) => bytes(a).every((b, k) => (b & bytes(n.netmask)[k]!) === (bytes(n.address)[k]! & bytes(n.netmask)[k]!)));
  return ['198.51.100.7', '203.0.113.7', '192.0.2.7', '240.0.0.7'].find((a) => !local(a));
}

test('-D adds only local networks: a non-local target still goes to the proxy', async (t) => {
  const far = nonLocalIPv4();
  assert.ok(far, 'no documentation or reserved address is off this host\'s networks'); // only ever named to the scripted proxy
  const peer = await socks5Peer(t);
  const r = await runConnect(['-D', '-S', `127.0.0.1:${peer.port}`, far, '22']);
  ok(r, VIA_PROXY, `-D ${far}`);
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Name(far, 22));
});

test('-D with an IPv6 target on lo (::1/128): direct', { skip: ipv6Skip }, async (t) => {
  const target = await bannerServer(BANNER, { t, host: '::1', then: 'close' });
  const peer = await socks5Peer(t);
  ok(await runConnect(['-D', '-S', `127.0.0.1:${peer.port}`, '::1', String(target.port)]), BANNER, '-D ::1');
  assert.equal(peer.connections.length, 0);
  ok(await runConnect(['-S', `127.0.0.1:${peer.port}`, '::1', String(target.port)]), VIA_PROXY, 'no -D ::1');
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Request([4, ...Array(15).fill(0), 1], target.port));
});

// ---------------------------------------------------------------- NO_PROXY

async function proxyAndTarget(t: Teardown): Promise<{ peer: FakePeer; target: FakePeer }> {
  return { peer: await socks5Peer(t), target: await bannerServer(BANNER, { t, then: 'close' }) };
}

test('NO_PROXY=127.0.0.1 with -x: the target is connected to directly', async (t) => {
  const { peer, target } = await proxyAndTarget(t);
  const r = await runConnect(['-x', `socks5://127.0.0.1:${peer.port}`, '127.0.0.1', String(target.port)], { env: { NO_PROXY: '127.0.0.1' } });
  ok(r, BANNER, 'NO_PROXY');
  assert.equal(peer.connections.length, 0);
  // Control: without NO_PROXY the same command goes through the proxy.
  ok(await runConnect(['-x', `socks5://127.0.0.1:${peer.port}`, '127.0.0.1', String(target.port)]), VIA_PROXY, 'no NO_PROXY');
  assert.equal(peer.connections.length, 1);
});

test('no_proxy=.test with -x: a target outside it uses the proxy', async (t) => {
  const { peer, target } = await proxyAndTarget(t);
  const r = await runConnect(['-x', `socks5://127.0.0.1:${peer.port}`, '127.0.0.1', String(target.port)], { env: { no_proxy: '.test' } });
  ok(r, VIA_PROXY, 'no_proxy=.test');
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Request([1, 127, 0, 0, 1], target.port));
  assert.equal(target.connections.length, 0);
});

test('no_proxy=.test with -x and -R <dns>: a .test target goes direct, resolved by that server', { skip: dnsSkip }, async (t) => {
  const dns = await dnsServer(t);
  const peer = await socks5Peer(t);
  const target = await bannerServer(BANNER, { t, host: NAME_IP, then: 'close' });
  const r = await runConnect(['-R', dns.host, '-x', `socks5://127.0.0.1:${peer.port}`, NAME, String(target.port)], { env: { no_proxy: '.test' } });
  ok(r, BANNER, 'no_proxy .test');
  assert.equal(peer.connections.length, 0);
  assert.ok(asked(dns, NAME).includes(QTYPE.A));
});

test('CONNECT_PROXY=socks5h://... alone (no -x): the proxy is used and gets the name', async (t) => {
  const peer = await socks5Peer(t);
  const r = await runConnect([NAME, '22'], { env: { CONNECT_PROXY: `socks5h://127.0.0.1:${peer.port}` } });
  ok(r, VIA_PROXY, 'CONNECT_PROXY');
  assert.deepEqual(peer.connections[0]!.frames[1], socks5Name(NAME, 22));
});

test('CONNECT_PROXY with NO_PROXY=127.0.0.0/8: direct', async (t) => {
  const { peer, target } = await proxyAndTarget(t);
  const r = await runConnect(['127.0.0.1', String(target.port)], { env: { CONNECT_PROXY: `socks5h://127.0.0.1:${peer.port}`, NO_PROXY: '127.0.0.0/8' } });
  ok(r, BANNER, 'CONNECT_PROXY + NO_PROXY');
  assert.equal(peer.connections.length, 0);
});
