// Real OpenSSH sessions whose route a PAC script decides, through real
// danted (SOCKS5 and SOCKS4) and tinyproxy (HTTP CONNECT) on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, requireBinary, tempDir, type Teardown } from '../helpers/process.js';
import { startDanted, startSshd, startTinyproxy } from '../helpers/servers.js';
import { freePort } from '../helpers/ports.js';
import { runProcess, CLI } from '../helpers/run.js';

const skip = requireBinary('danted') ?? requireBinary('tinyproxy') ?? requireBinary('sshd') ?? requireBinary('ssh');
const ours = `${process.execPath} ${CLI}`;

function pacFile(t: Teardown, body: string): string {
  const dir = tempDir('pac');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'proxy.pac');
  writeFileSync(file, `function FindProxyForURL(url, host) {\n${body}\n}\n`);
  return `pac+file://${file}`;
}

async function servePac(t: Teardown, text: string): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'application/x-ns-proxy-autoconfig');
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return { url: `pac+http://127.0.0.1:${(server.address() as AddressInfo).port}/proxy.pac`, hits };
}

test('ssh through danted (SOCKS5) as a pac+file script says', { skip }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const pac = pacFile(t, `if (url == "https://" + host + ":${sshd.port}/" && host == "127.0.0.1") return "SOCKS5 127.0.0.1:${danted.port}";\nreturn "PROXY wrong.invalid:1";`);
  const r = await runProcess(binary('ssh'), [...sshd.sshArgs(`${ours} -x ${pac} %h %p`), 'echo via-pac'], { timeoutMs: 30_000 });
  assert.equal(r.stdout.toString(), 'via-pac\n', `ssh: ${r.stderr}\n--- danted ---\n${danted.log()}`);
  assert.match(danted.log(), new RegExp(`127\\.0\\.0\\.1\\.${sshd.port}\\b`), 'the session went through danted');
});

test('ssh through tinyproxy (HTTP CONNECT) from a pac+http script in CONNECT_PROXY', { skip }, async (t) => {
  const tinyproxy = await startTinyproxy({ t });
  const sshd = await startSshd({ t });
  const served = await servePac(t, `function FindProxyForURL(url, host) { return isPlainHostName(host) ? "DIRECT" : "PROXY 127.0.0.1:${tinyproxy.port}"; }`);
  const r = await runProcess(binary('ssh'), [...sshd.sshArgs(`${ours} %h %p`), 'echo via-http-pac'], {
    timeoutMs: 30_000,
    env: { CONNECT_PROXY: served.url },
  });
  assert.equal(r.stdout.toString(), 'via-http-pac\n', `ssh: ${r.stderr}\n--- tinyproxy ---\n${tinyproxy.log()}`);
  assert.deepEqual(served.hits, ['/proxy.pac']);
  assert.match(tinyproxy.log(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${sshd.port}`), 'the session went through tinyproxy');
});

test('a PAC answer whose first entries are dead proxies falls back along its list (SOCKS = SOCKS4 via danted)', { skip }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const dead1 = await freePort();
  const dead2 = await freePort();
  const pac = pacFile(t, `return "PROXY 127.0.0.1:${dead1}; SOCKS5 127.0.0.1:${dead2}; SOCKS 127.0.0.1:${danted.port}; DIRECT";`);
  const r = await runProcess(binary('ssh'), [...sshd.sshArgs(`${ours} -d -x ${pac} %h %p`), 'echo fell-back'], { timeoutMs: 30_000 });
  assert.equal(r.stdout.toString(), 'fell-back\n', `ssh: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`HTTP proxy 127\\.0\\.0\\.1:${dead1} failed: .*connection refused`));
  assert.match(r.stderr, new RegExp(`SOCKS5 proxy 127\\.0\\.0\\.1:${dead2} failed: .*connection refused`));
  assert.match(r.stderr, new RegExp(`using SOCKS4 proxy 127\\.0\\.0\\.1:${danted.port} \\(after: `));
  assert.match(danted.log(), new RegExp(`127\\.0\\.0\\.1\\.${sshd.port}\\b`), 'the session went through danted');
});

test('a PAC answer of DIRECT after a dead proxy: ssh reaches sshd directly', { skip }, async (t) => {
  const sshd = await startSshd({ t });
  const dead = await freePort();
  const pac = pacFile(t, `return "PROXY 127.0.0.1:${dead}; DIRECT";`);
  const r = await runProcess(binary('ssh'), [...sshd.sshArgs(`${ours} -x ${pac} %h %p`), 'echo direct'], { timeoutMs: 30_000 });
  assert.equal(r.stdout.toString(), 'direct\n', `ssh: ${r.stderr}`);
});
