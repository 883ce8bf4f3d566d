// Secrets never reach any output (SECURITY.md "Secrets: never shown"): with -dd, SOCKS5
// user/password and HTTP Basic passwords — raw, base64 (alone and as
// user:password) or hex-dumped — appear neither on stdout nor on stderr, on
// success or failure; a password on the command line draws a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerServer, httpAuthScript, httpScript, socks4Script, startFakeProxy } from '../helpers/fake-proxy.js';
import { runConnect, type RunResult } from '../helpers/run.js';

const USER = 'alice';
const PASSWORD = 'S3cr3t-p4ssw0rd!';
const BANNER = 'SSH-2.0-secrets\r\n';

/** Every form in which the password could leak. */
function leakForms(password: string, user = USER): string[] {
  const hexSpaced = Buffer.from(password).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return [
    password,
    Buffer.from(password).toString('base64'),
    Buffer.from(`${user}:${password}`).toString('base64'),
    Buffer.from(password).toString('hex'),
    hexSpaced,
    encodeURIComponent(password),
  ];
}

function assertNoSecret(r: RunResult, password = PASSWORD): void {
  const out = r.stdout.toString('latin1');
  for (const form of leakForms(password)) {
    assert.ok(!r.stderr.includes(form), `stderr shows the password as ${JSON.stringify(form)}:\n${r.stderr}`);
    assert.ok(!out.includes(form), `stdout shows the password as ${JSON.stringify(form)}`);
  }
}

test('-dd with SOCKS5 user/password (SOCKS5_PASSWD): relayed, password never shown', async (t) => {
  const { port } = await startFakeProxy('socks5', { auth: { user: USER, password: PASSWORD } }, { t });
  const target = await bannerServer(BANNER, { t, then: 'echo' });
  const r = await runConnect(['-dd', '-S', `${USER}@127.0.0.1:${port}`, '127.0.0.1', String(target.port)], {
    env: { SOCKS5_PASSWD: PASSWORD }, stdin: Buffer.from('client data\n'),
  });
  assert.equal(r.stdout.toString(), `${BANNER}client data\n`, r.stderr);
  assert.equal(r.code, 0);
  // RFC 1929's request as -dd shows it: VER, ULEN, the user, then PLEN and PASSWD masked.
  assert.match(r.stderr, new RegExp(`>>> 01 ${USER.length.toString(16).padStart(2, '0')} "${USER}" xx xxxx\n`), '-dd shows the auth request, redacted');
  assertNoSecret(r);
});

test('-dd with a wrong SOCKS5 password: fails, password never shown', async (t) => {
  const { port } = await startFakeProxy('socks5', { auth: { user: USER, password: 'another-one' } }, { t });
  const r = await runConnect(['-dd', '-S', `${USER}@127.0.0.1:${port}`, '127.0.0.1', '22'], { env: { SOCKS5_PASSWD: PASSWORD } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /authentication failed|rejected/i);
  assertNoSecret(r);
});

test('-dd with HTTP Basic (HTTP_PROXY_PASSWORD): password and base64 never shown', async (t) => {
  const peer = await startFakeProxy('http', { script: httpAuthScript({ banner: BANNER }) }, { t });
  const r = await runConnect(['-dd', '-H', `${USER}@127.0.0.1:${peer.port}`, 'target.example', '22'], {
    env: { HTTP_PROXY_PASSWORD: PASSWORD },
  });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  // The proxy did get the credentials: this test checks where they went, not whether they were sent.
  const sent = (await peer.connection(1)).received.toString('latin1');
  assert.ok(sent.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), sent);
  assertNoSecret(r);
});

test('-dd with HTTP Basic rejected twice: fails, password never shown', async (t) => {
  const challenge = { status: 407 as const, headers: { 'Proxy-Authenticate': 'Basic realm="x"' } };
  const peer = await startFakeProxy('http', { script: httpScript(challenge) }, { t });
  const r = await runConnect(['-dd', '-H', `${USER}@127.0.0.1:${peer.port}`, 'target.example', '22'], {
    env: { HTTP_PROXY_PASSWORD: PASSWORD },
  });
  assert.equal(r.code, 1);
  assertNoSecret(r);
});

test('a password in -x draws a warning that does not repeat it', async (t) => {
  const { port } = await startFakeProxy('socks5', { auth: { user: USER, password: PASSWORD } }, { t });
  const target = await bannerServer(BANNER, { t });
  const r = await runConnect(['-d', '-x', `socks5h://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, '127.0.0.1', String(target.port)]);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.match(r.stderr, /warning: .*password.*command line/i);
  assertNoSecret(r);
});

test('user:password in -S draws a warning that does not repeat it', async (t) => {
  const peer = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  const r = await runConnect(['-w', '1', '-S', `${USER}:${PASSWORD}@127.0.0.1:${peer.port}`, 'host', '22']);
  assert.match(r.stderr, /warning: .*password.*command line/i);
  assertNoSecret(r);
});

test('no warning without a password on the command line', async (t) => {
  const peer = await startFakeProxy('socks5', { script: [{ hang: true }] }, { t });
  const r = await runConnect(['-w', '1', '-S', `${USER}@127.0.0.1:${peer.port}`, 'host', '22'], { env: { SOCKS5_PASSWD: PASSWORD } });
  assert.doesNotMatch(r.stderr, /warning/i);
});

test('errors about a -x URL never print its password', async () => {
  for (const url of [
    `socks5://${USER}:${PASSWORD}@127.0.0.1:99999`,
    `socks5://${USER}:${PASSWORD}@:1080`,
    `bogus://${USER}:${PASSWORD}@127.0.0.1:1080`,
    `http://${USER}:${PASSWORD}@[zz]:80`,
  ]) {
    const r = await runConnect(['-x', url, 'host', '22']);
    assert.equal(r.code, 1, url);
    assertNoSecret(r);
  }
});

test('errors about a password too long for SOCKS5 never print it', async () => {
  const long = `${PASSWORD}${'z'.repeat(300)}`;
  const r = await runConnect(['-S', `${USER}@127.0.0.1:1`, 'host', '22'], { env: { SOCKS5_PASSWD: long } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /password/);
  assertNoSecret(r, long);
  assertNoSecret(r, PASSWORD);
});

test('-dd with SOCKS4 and a user:secret user id on the command line: warned, and the secret never shown', async (t) => {
  const peer = await startFakeProxy('socks4', { script: socks4Script({ banner: BANNER }) }, { t });
  const r = await runConnect(['-dd', '-4', '-S', `${USER}:${PASSWORD}@127.0.0.1:${peer.port}`, '127.0.0.1', '22']);
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.match(r.stderr, /warning: a password on the command line/);
  assert.ok(peer.connections[0]!.received.includes(Buffer.from(`${USER}:${PASSWORD}`)), 'the user id itself is sent as given');
  assertNoSecret(r);
});

// ---- NTLM (test/helpers/ntlm-proxy.ts verifies the response): password, NT hash, NTProofStr and Type 3 in no output

async function ntlmRun(t: { after(fn: () => unknown): void }, env: Record<string, string>, proxyPassword = PASSWORD) {
  const { startNtlmProxy } = await import('../helpers/ntlm-proxy.js');
  const proxy = await startNtlmProxy({ user: USER, domain: 'CORP', password: proxyPassword, timestamp: true, t });
  const target = await bannerServer(BANNER, { t, then: 'close' });
  const r = await runConnect(['-dd', '-H', `CORP\\${USER}@127.0.0.1:${proxy.port}`, '127.0.0.1', String(target.port)], { env, stdin: Buffer.from('client data\n') });
  return { r, proxy };
}

function assertNoNtlmSecret(r: RunResult, proxy: { ntHash: string; records: Array<{ proof?: string; authorization?: string }> }): void {
  assertNoSecret(r);
  const out = r.stdout.toString('latin1');
  const secrets = [proxy.ntHash, proxy.ntHash.toUpperCase(), Buffer.from(proxy.ntHash, 'hex').toString('base64')];
  for (const rec of proxy.records) {
    if (rec.proof) secrets.push(rec.proof, rec.proof.replace(/(..)(?!$)/g, '$1 '));
    if (rec.authorization?.includes('TlRMTVNTUAAD')) secrets.push(rec.authorization.split(' ')[1]!.slice(0, 40), rec.authorization.split(' ')[1]!.slice(-40));
  }
  for (const s of secrets) {
    assert.ok(!r.stderr.includes(s), `stderr shows ${JSON.stringify(s)}:\n${r.stderr}`);
    assert.ok(!out.includes(s), `stdout shows ${JSON.stringify(s)}`);
  }
}

test('-dd with NTLM (HTTP_PROXY_PASSWORD): relayed; password, NT hash, NTLMv2 proof and Type 3 never shown', async (t) => {
  const { r, proxy } = await ntlmRun(t, { HTTP_PROXY_PASSWORD: PASSWORD });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assert.equal(proxy.records.at(-1)?.auth, 'ok');
  assert.match(r.stderr, /NTLM xxxx/, '-dd shows the NTLM requests, redacted');
  assertNoNtlmSecret(r, proxy);
});

test('-dd with NTLM rejected (wrong password): fails; nothing secret shown', async (t) => {
  const { r, proxy } = await ntlmRun(t, { HTTP_PROXY_PASSWORD: PASSWORD }, 'another-one');
  assert.equal(r.code, 1);
  assert.equal(proxy.records.at(-1)?.auth, 'bad');
  assertNoNtlmSecret(r, proxy);
});

test('-dd with NTLM from HTTP_PROXY_NTHASH: the stored hash is never shown', async (t) => {
  const { opensslNtHash } = await import('../helpers/ntlm-proxy.js');
  const { r, proxy } = await ntlmRun(t, { HTTP_PROXY_NTHASH: opensslNtHash(PASSWORD) });
  assert.equal(r.stdout.toString(), BANNER, r.stderr);
  assertNoNtlmSecret(r, proxy);
});
