// Real OpenSSH sessions with our connect as the ProxyCommand: through a real
// danted (SOCKS5) and directly, to a real sshd on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { binary, requireBinary, startDanted, startSshd } from '../helpers/servers.js';
import { runProcess, CLI } from '../helpers/run.js';
import { expectedSha256, randomStream } from '../helpers/tcp.js';

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
  const out = await sshPipe(sshd.sshArgs(`${ours} -S 127.0.0.1:${danted.port} %h %p`), 'sha256sum', size, 11);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.split(' ')[0], expectedSha256(size, 11));
});

test('ssh with connect -n (direct): 20 MB round trip through cat, checksummed', { skip }, async (t) => {
  const sshd = await startSshd({ t });
  const size = 20 << 20;
  const out = await sshPipe(sshd.sshArgs(`${ours} -n %h %p`), 'cat | sha256sum', size, 12);
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

/** Runs ssh with `size` seeded random bytes on stdin; resolves with its output. */
function sshPipe(args: string[], command: string, size: number, seed: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary('ssh'), [...args, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ssh timed out: ${stderr}`)); }, 60_000);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.on('error', () => {});
    randomStream(size, seed).pipe(child.stdin);
  });
}
