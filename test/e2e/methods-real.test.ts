// Real proxies carrying real ssh sessions: tinyproxy (HTTP CONNECT, Basic
// auth; credentials from the environment and from an askpass program) and
// danted speaking SOCKS4, each with a 20 MB checksummed round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, tempDir } from '../helpers/process.js';
import { startDanted, startSshd, startTinyproxy } from '../helpers/servers.js';
import { CLI } from '../helpers/run.js';
import { expectedSha256 } from '../helpers/tcp.js';
import { sshWithInput } from '../helpers/ssh.js';

const ours = `${process.execPath} ${CLI}`;
const SIZE = 20 << 20;
const basicAuth = { user: 'alice', password: 'Wonder-land-42' };

test('ssh through tinyproxy (Basic auth from HTTP_PROXY_USER/PASSWORD): 20 MB round trip', { skip: requireBinary('tinyproxy') ?? requireBinary('sshd') }, async (t) => {
  const proxy = await startTinyproxy({ t, basicAuth });
  const sshd = await startSshd({ t });
  const env = { HTTP_PROXY_USER: basicAuth.user, HTTP_PROXY_PASSWORD: basicAuth.password };
  const out = await sshRoundTrip(sshd.sshArgs(`${ours} -H 127.0.0.1:${proxy.port} %h %p`), env, 21);
  assert.equal(out.code, 0, `${out.stderr}\n${proxy.log()}`);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, 21));
});

test('ssh through tinyproxy, password from an SSH_ASKPASS program: 20 MB round trip', { skip: requireBinary('tinyproxy') ?? requireBinary('sshd') }, async (t) => {
  const proxy = await startTinyproxy({ t, basicAuth });
  const sshd = await startSshd({ t });
  const dir = tempDir('askpass');
  const askpass = join(dir, 'askpass.sh');
  writeFileSync(askpass, `#!/bin/sh\necho "$1" >> ${join(dir, 'prompts')}\nprintf '%s\\n' '${basicAuth.password}'\n`);
  chmodSync(askpass, 0o755);
  const env = { HTTP_PROXY: `http://${basicAuth.user}@127.0.0.1:${proxy.port}/`, SSH_ASKPASS: askpass, DISPLAY: ':99' };
  const out = await sshRoundTrip(sshd.sshArgs(`${ours} -h %h %p`), env, 22);
  assert.equal(out.code, 0, `${out.stderr}\n${proxy.log()}`);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, 22));
  assert.match(readFileSync(join(dir, 'prompts'), 'utf8'), /password for alice@127\.0\.0\.1/);
});

test('ssh through danted speaking SOCKS4 (connect -4): 20 MB round trip', { skip: requireBinary('danted') ?? requireBinary('sshd') }, async (t) => {
  const danted = await startDanted({ t, socks4: true });
  const sshd = await startSshd({ t });
  const out = await sshRoundTrip(sshd.sshArgs(`${ours} -4 -S 127.0.0.1:${danted.port} %h %p`), {}, 23);
  assert.equal(out.code, 0, `${out.stderr}\n${danted.log()}`);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(SIZE, 23));
});

/** ssh … 'cat | sha256sum' with SIZE seeded bytes on stdin. */
function sshRoundTrip(args: string[], env: Record<string, string>, seed: number) {
  return sshWithInput(args, 'cat | sha256sum', SIZE, seed, env);
}
