// Real OpenSSH sessions with our connect as the ProxyCommand: through a real
// danted (SOCKS5) and directly, to a real sshd on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binary, requireBinary } from '../helpers/process.js';
import { startDanted, startSshd } from '../helpers/servers.js';
import { runProcess, CLI } from '../helpers/run.js';
import { expectedSha256 } from '../helpers/tcp.js';
import { sshWithInput } from '../helpers/ssh.js';

const skip = requireBinary('danted') ?? requireBinary('sshd') ?? requireBinary('ssh');
const ours = `${process.execPath} ${CLI}`;

test('ssh through danted with connect -S: echo ok', { skip }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const r = await runProcess(binary('ssh'), [...sshd.sshArgs(`${ours} -S 127.0.0.1:${danted.port} %h %p`), 'echo ok'], { timeoutMs: 30_000 });
  assert.equal(r.stdout.toString(), 'ok\n', `ssh: ${r.stderr}\n--- sshd ---\n${sshd.log()}\n--- danted ---\n${danted.log()}`);
  assert.equal(r.code, 0);
});

test('ssh through danted with connect -S: 20 MB on stdin, sha256sum matches the sender', { skip }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const size = 20 << 20;
  const out = await sshWithInput(sshd.sshArgs(`${ours} -S 127.0.0.1:${danted.port} %h %p`), 'sha256sum', size, 11);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(size, 11));
});

test('ssh with connect -n (direct): 20 MB round trip through cat, checksummed', { skip }, async (t) => {
  const sshd = await startSshd({ t });
  const size = 20 << 20;
  const out = await sshWithInput(sshd.sshArgs(`${ours} -n %h %p`), 'cat | sha256sum', size, 12);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(size, 12));
});

test('ssh through SOCKS5_SERVER from the environment with connect -s', { skip }, async (t) => {
  const danted = await startDanted({ t });
  const sshd = await startSshd({ t });
  const r = await runProcess(binary('ssh'), [...sshd.sshArgs(`${ours} -s %h %p`), 'echo via-env'], {
    timeoutMs: 30_000,
    env: { SOCKS5_SERVER: `127.0.0.1:${danted.port}` },
  });
  assert.equal(r.stdout.toString(), 'via-env\n', r.stderr);
});
