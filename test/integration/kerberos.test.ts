// Negotiate with Kerberos through the CLI against a scripted proxy that
// accepts the SPNEGO token with GSSAPI's acceptor side (the `kerberos`
// package's KerberosServer, the HTTP/localhost keytab of a loopback MIT KDC,
// test/helpers/kdc.ts) and answers with its mutual-authentication token:
// a reply token that verifies, one that does not (the tunnel is refused),
// a proxy that turns the ticket down and a KDC that knows no such service
// (NTLM inside Negotiate follows both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import { bannerServer } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';
import { missingKdc, missingKerberosPackage, startKdc, type KdcHandle } from '../helpers/kdc.js';

const BANNER = 'SSH-2.0-kerberos-test\r\n';
const skip = missingKdc() ?? missingKerberosPackage();

type Reply = 'verified' | 'forged' | 'refuse';
interface Seen { authorization: string[] }

/** One CONNECT per connection: 407 Negotiate without credentials; a Kerberos token is accepted by GSSAPI, then `reply`. */
async function kerberosProxy(kdc: KdcHandle, reply: Reply, targetPort: number, t: { after(fn: () => unknown): void }) {
  Object.assign(process.env, kdc.env, { KRB5_KTNAME: kdc.httpKeytab }); // the acceptor, in this process
  const krb = createRequire(import.meta.url)('kerberos');
  const seen: Seen = { authorization: [] };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', async (d) => {
      buffered += d.toString('latin1');
      if (!buffered.includes('\r\n\r\n')) return;
      const head = buffered;
      buffered = '';
      const auth = /^Proxy-Authorization: Negotiate (\S+)/im.exec(head)?.[1];
      seen.authorization.push(auth === undefined ? 'none' : auth.startsWith('TlRMTVNT') ? 'ntlm' : 'kerberos');
      if (auth === undefined || auth.startsWith('TlRMTVNT') || reply === 'refuse') {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const acceptor = await krb.initializeServer('HTTP@localhost');
      await acceptor.step(auth);
      const token = reply === 'verified' ? acceptor.response : forged(acceptor.response);
      socket.write(`HTTP/1.1 200 Connection established\r\nProxy-Authenticate: Negotiate ${token}\r\n\r\n`);
      const upstream = (await import('node:net')).connect(targetPort, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(r)); });
  return { port: (server.address() as { port: number }).port, seen };
}

/** The acceptor's token with its bytes after the SPNEGO header flipped: well-formed base64, not a valid reply. */
function forged(token: string): string {
  const bytes = Buffer.from(token, 'base64');
  for (let i = 20; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0x5a;
  return bytes.toString('base64');
}

async function run(reply: Reply, t: import('node:test').TestContext, httpPrincipal = true) {
  const kdc = await startKdc({ t, httpPrincipal });
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const proxy = await kerberosProxy(kdc, reply, target.port, t);
  const env = { ...kdc.env, KRB5CCNAME: kdc.kinit('alice'), HTTP_PROXY_PASSWORD: 'pw' };
  // stdin stays open: this proxy (no allowHalfOpen) would answer our half-close with its own FIN before the banner.
  const r = await runConnect(['-d', '-H', `alice@localhost:${proxy.port}`, '127.0.0.1', String(target.port)], { env, stdin: 'keep-open' });
  return { r, proxy };
}

test('Kerberos: the proxy\'s mutual-authentication token verifies; tunnel up, one Kerberos request, no token in -d', { skip }, async (t) => {
  const { r, proxy } = await run('verified', t);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(proxy.seen.authorization, ['none', 'kerberos']);
  assert.match(r.stderr, /Kerberos \(SPNEGO\) for HTTP@localhost/);
  assert.match(r.stderr, /mutual authentication verified/);
  assert.doesNotMatch(r.stderr.split('\n').filter((l) => !l.includes(' <<< ')).join('\n'), /[A-Za-z0-9+/]{40,}/);
});

test('Kerberos: a mutual-authentication token that does not verify: no tunnel, AUTH error naming the proxy', { skip }, async (t) => {
  const { r } = await run('forged', t);
  assert.equal(r.stdout.length, 0, 'no tunnel bytes');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /localhost:\d+ answered Negotiate \(Kerberos, HTTP@localhost\) with a mutual-authentication token that does not verify/);
});

test('Kerberos: the proxy refuses the ticket: NTLM inside Negotiate follows, said in -d', { skip }, async (t) => {
  const { r, proxy } = await run('refuse', t);
  assert.notEqual(r.code, 0); // this proxy takes no NTLM either
  assert.deepEqual(proxy.seen.authorization, ['none', 'kerberos', 'ntlm']);
  assert.match(r.stderr, /refused the Kerberos ticket for HTTP@localhost \(407\)/);
  assert.match(r.stderr, /using NTLM inside Negotiate/);
});

test('Kerberos: the KDC knows no HTTP/localhost: no token, NTLM inside Negotiate, the KDC\'s reason in -d', { skip }, async (t) => {
  const { r, proxy } = await run('verified', t, false);
  assert.deepEqual(proxy.seen.authorization, ['none', 'ntlm']);
  assert.match(r.stderr, /Kerberos not used: no Kerberos ticket for HTTP@localhost: .*not found in Kerberos database/);
  assert.match(r.stderr, /using NTLM inside Negotiate/);
});
