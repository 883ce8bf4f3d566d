// The CLI with a PAC script: hostile scripts end in one line and exit 1
// without touching the target, pac+https is verified like https proxies,
// no_proxy bypasses the script, and the configuration is checked up front.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bannerServer } from '../helpers/fake-proxy.js';
import { runConnect } from '../helpers/run.js';
import { tempDir, type Teardown } from '../helpers/process.js';
import { testCa } from '../helpers/test-ca.js';

function pacFile(t: Teardown, source: string): string {
  const dir = tempDir('pac');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'p.pac'), source);
  return `pac+file://${join(dir, 'p.pac')}`;
}

const pac = (body: string) => `function FindProxyForURL(url, host) { ${body} }`;

// -w: short for the scripts meant to run out of time, generous for the rest (the machine may be loaded).
const HOSTILE: [string, string, RegExp, string?][] = [
  ['an infinite loop', pac('for (;;) {}'), /did not finish/, '2'],
  ['a loop of long builtin calls', pac('var i = 0; for (;;) new Array(1e6).fill(i++);'), /did not finish/, '2'],
  ['unbounded allocation', pac('var a = []; for (;;) a.push(new Array(1e6).fill(1));'), /ran out of memory|did not finish/],
  ['a throw', pac('throw new Error("nope");'), /Error: nope/],
  ['a syntax error', 'function FindProxyForURL(url, host) {', /SyntaxError/],
  ['a non-string return', pac('return 1;'), /returned number, not a string/],
  ['garbage in the string', pac('return "GARBAGE here; ALSO bad";'), /names no usable proxy and no DIRECT/],
  ['an empty string', pac('return "";'), /names no usable proxy and no DIRECT/],
  ['an escape attempt', pac('return this.constructor.constructor("return process")().exit(0);'), /ReferenceError/],
];

for (const [what, source, pattern, w = '20'] of HOSTILE) {
  test(`CLI with a hostile PAC script (${what}): one line, exit 1, the target never contacted`, { timeout: 30_000 }, async (t) => {
    const target = await bannerServer('SSH-2.0-must-not-see\r\n', { t });
    const r = await runConnect(['-w', w, '-x', pacFile(t, source), '127.0.0.1', String(target.port)], { timeoutMs: 25_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^connect: PAC script pac\+file:\/\/\S+: /);
    assert.match(lines[0]!, pattern);
    assert.equal(target.connections.length, 0, 'never DIRECT silently');
  });
}

test('CLI: a PAC answer with some unreadable entries uses the rest (and -d names what it skipped)', async (t) => {
  const target = await bannerServer('SSH-2.0-ok\r\n', { t, then: 'close' });
  const r = await runConnect(['-d', '-x', pacFile(t, pac('return "QUIC q:1; DIRECT";')), '127.0.0.1', String(target.port)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'SSH-2.0-ok\r\n');
  assert.match(r.stderr, /skipped entries it could not read: "QUIC q:1"/);
});

test('CLI: pac+https is verified against NODE_EXTRA_CA_CERTS; unverified it fails with a hint', async (t) => {
  const target = await bannerServer('SSH-2.0-tls-pac\r\n', { t, then: 'close' });
  const server = createServer({ ...testCa().server }, (_req, res) => res.end(pac('return "DIRECT";')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const url = `pac+https://127.0.0.1:${(server.address() as AddressInfo).port}/p.pac`;
  const ok = await runConnect(['-x', url, '127.0.0.1', String(target.port)], { env: { NODE_EXTRA_CA_CERTS: testCa().caFile } });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.toString(), 'SSH-2.0-tls-pac\r\n');
  const bad = await runConnect(['-x', url, '127.0.0.1', String(target.port)]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^connect: PAC file pac\+https:.*NODE_EXTRA_CA_CERTS\n$/);
  const insecure = await runConnect(['--insecure', '-x', url, '127.0.0.1', String(target.port)]);
  assert.equal(insecure.code, 0, insecure.stderr);
});

test('CLI: the PAC file is fetched directly, never through the proxy environment', async (t) => {
  const target = await bannerServer('SSH-2.0-direct-fetch\r\n', { t, then: 'close' });
  const server = createServer({ ...testCa().server }, (_req, res) => res.end(pac('return "DIRECT";')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const url = `pac+https://127.0.0.1:${(server.address() as AddressInfo).port}/p.pac`;
  const dead = 'http://127.0.0.1:1';
  const r = await runConnect(['-x', url, '127.0.0.1', String(target.port)], {
    env: { NODE_EXTRA_CA_CERTS: testCa().caFile, HTTPS_PROXY: dead, https_proxy: dead, HTTP_PROXY: dead, NODE_USE_ENV_PROXY: '1' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'SSH-2.0-direct-fetch\r\n');
});

test('CLI: no_proxy bypasses the PAC script (it is not even read)', async (t) => {
  const target = await bannerServer('SSH-2.0-bypass\r\n', { t, then: 'close' });
  const r = await runConnect(['-x', 'pac+file:///nonexistent/p.pac', '127.0.0.1', String(target.port)], { env: { no_proxy: '127.0.0.1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'SSH-2.0-bypass\r\n');
});

test('CLI: PAC configuration errors, before any connection', async () => {
  const rows: [string[], Record<string, string>, RegExp][] = [
    [['-x', 'pac+file:///p.pac', '-x', 'socks5://127.0.0.1:1'], {}, /a PAC URL or wpad must be the only proxy given \(-x\)/],
    [['-x', 'pac+file:///p.pac,socks5://127.0.0.1:1'], {}, /must be the only proxy given/],
    [['-x', 'pac+ftp://h/p.pac'], {}, /invalid PAC URL "pac\+ftp:\/\/h\/p.pac" \(-x\)/],
    [[], { CONNECT_PROXY: 'pac+file://elsewhere/p.pac' }, /invalid PAC URL .* \(CONNECT_PROXY\): a file URL names no other host/],
    [['-x', 'pac+file:///nonexistent/p.pac'], {}, /^connect: PAC file pac\+file:\/\/\/nonexistent\/p\.pac: .*ENOENT/],
  ];
  for (const [args, env, pattern] of rows) {
    const r = await runConnect([...args, '127.0.0.1', '22'], { env });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('CLI --explain runs the script for the target and shows its source, its answer and the list it became (nothing connected)', async (t) => {
  const file = pacFile(t, pac('return "PROXY 127.0.0.1:1; QUIC x:1; SOCKS5 [::1]:1080; DIRECT";'));
  const r = await runConnect(['--explain', '-x', file, 'git.example', '22']);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /^route to git\.example:22: PROXY 127\.0\.0\.1:1, else SOCKS5 \[::1\]:1080, else DIRECT \(the PAC script's answer\); to git\.example:22$/m);
  assert.ok(out.includes(`PAC script ${file}\n  FindProxyForURL("https://git.example:22/", "git.example") returned "PROXY 127.0.0.1:1; QUIC x:1; SOCKS5 [::1]:1080; DIRECT"\n  routes, in order:\n    1. PROXY 127.0.0.1:1\n    2. SOCKS5 [::1]:1080\n    3. DIRECT\n  skipped (unreadable): "QUIC x:1"\n`), out);
  const json = await runConnect(['--explain=json', '-x', pacFile(t, pac('throw new Error("x");')), 'git.example', '22']);
  assert.equal(json.code, 0, json.stderr);
  assert.match(JSON.parse(json.stdout.toString()).pac.error, /^PAC script .*: Error: x$/);
});
