// Negotiate with Kerberos against real servers: an MIT KDC on loopback
// (its own realm per run, test/helpers/kdc.ts), squid 5.7 with
// negotiate_wrapper_auth (Kerberos tickets to negotiate_kerberos_auth with
// the HTTP/localhost keytab, NTLMSSP to ntlm_fake_auth), carrying a real ssh
// session to the loopback sshd. With a ticket, squid logs the Kerberos
// principal; without one connect falls back to NTLM inside Negotiate and
// squid logs the NTLM user. -d says which, and never shows a token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBinary } from '../helpers/process.js';
import { startSshd } from '../helpers/servers.js';
import { lookupProxyUser, startSquid } from '../helpers/squid.js';
import { missingKdc, missingKerberosPackage, startKdc } from '../helpers/kdc.js';
import { CLI } from '../helpers/run.js';
import { expectedSha256 } from '../helpers/tcp.js';
import { sshWithInput } from '../helpers/ssh.js';

const ours = `${process.execPath} ${CLI}`;
const SIZE = 1 << 20;
const skip = requireBinary('squid') ?? requireBinary('sshd') ?? missingKdc() ?? missingKerberosPackage();

/** Base64 runs as long as a Kerberos or NTLM token: none of ours may reach stderr (the proxy's challenges in `<<<` lines aside). */
const TOKEN_LIKE = /[A-Za-z0-9+/]{40,}={0,2}/;
const ownLines = (stderr: string) => stderr.split('\n').filter((l) => !l.includes(' <<< ')).join('\n');

async function lab(t: import('node:test').TestContext) {
  const owner = process.getuid?.() === 0 ? lookupProxyUser() : undefined;
  const kdc = await startKdc({ t, owner });
  const squid = await startSquid({ auth: 'negotiate-ntlm', kerberos: { keytab: kdc.httpKeytab, env: kdc.env }, t });
  const sshd = await startSshd({ t });
  // `localhost`: the service principal is HTTP@localhost (the name dialed; no CNAME under localhost).
  const proxyCommand = `${ours} -d -H 'CORP\\alice@localhost:${squid.port}' %h %p`;
  return { kdc, squid, sshd, proxyCommand };
}

test('Negotiate with a Kerberos ticket: ssh through squid (negotiate_kerberos_auth), squid logs the principal', { skip }, async (t) => {
  const { kdc, squid, sshd, proxyCommand } = await lab(t);
  const env = { ...kdc.env, KRB5CCNAME: kdc.kinit('alice') } as Record<string, string>;
  const out = await sshWithInput(sshd.sshArgs(proxyCommand), 'cat | sha256sum', SIZE, 41, env);
  const logs = `${out.stderr}\n${squid.log()}`;
  assert.equal(out.code, 0, logs);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, 41));
  assert.match(out.stderr, /Kerberos \(SPNEGO\) for HTTP@localhost/, out.stderr);
  assert.doesNotMatch(out.stderr, /NTLM inside Negotiate|Type 1/, out.stderr);
  assert.doesNotMatch(ownLines(out.stderr), TOKEN_LIKE);
  const tunnel = squid.accessLog().find((l) => l.includes('TCP_TUNNEL/200'));
  assert.ok(tunnel, squid.accessLog().join('\n'));
  assert.ok(tunnel.includes(` alice@${kdc.realm} `), tunnel);
});

test('Negotiate without a ticket: falls back to NTLM inside Negotiate, said in -d', { skip }, async (t) => {
  const { kdc, squid, sshd, proxyCommand } = await lab(t);
  const env = { ...kdc.env, KRB5CCNAME: kdc.emptyCache(), HTTP_PROXY_PASSWORD: 'any-password' } as Record<string, string>;
  const out = await sshWithInput(sshd.sshArgs(proxyCommand), 'cat | sha256sum', SIZE, 43, env);
  const logs = `${out.stderr}\n${squid.log()}`;
  assert.equal(out.code, 0, logs);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, 43));
  assert.match(out.stderr, /Kerberos not used: no Kerberos ticket for HTTP@localhost/, out.stderr);
  assert.match(out.stderr, /using NTLM inside Negotiate/, out.stderr);
  assert.doesNotMatch(ownLines(out.stderr), TOKEN_LIKE);
  assert.doesNotMatch(out.stderr, /any-password/);
  const tunnel = squid.accessLog().find((l) => l.includes('TCP_TUNNEL/200'));
  assert.ok(tunnel, squid.accessLog().join('\n'));
  assert.match(tunnel, /CORP\\\\alice /);
});
