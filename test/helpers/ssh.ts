// Runs a real `ssh` with seeded random bytes on its stdin (for checksummed
// round trips through a ProxyCommand).
import { spawn } from 'node:child_process';
import { binary, tempDir } from './servers.js';
import { cleanEnv } from './run.js';
import { randomStream } from './tcp.js';

export interface SshResult { code: number | null; stdout: string; stderr: string }

/** `ssh args… command` with `size` bytes of seed `seed` on stdin; env is clean plus `env`, HOME a fresh dir. */
export function sshWithInput(args: string[], command: string, size: number, seed: number, env: Record<string, string> = {}): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary('ssh'), [...args, command], { env: cleanEnv(tempDir('ssh-home'), env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ssh timed out: ${stderr}`)); }, 90_000);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.on('error', () => {});
    randomStream(size, seed).pipe(child.stdin);
  });
}
