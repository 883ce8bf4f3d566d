// Runs a real `ssh` with seeded random bytes on its stdin (for checksummed
// round trips through a ProxyCommand).
import { binary } from './process.js';
import { spawnProcess } from './run.js';
import { randomStream } from './tcp.js';

export interface SshResult { code: number | null; stdout: string; stderr: string }

/**
 * `ssh args… command` with `size` bytes of seed `seed` on stdin; env is clean
 * plus `env`, HOME a fresh dir (removed afterwards). Runs via spawnProcess:
 * detached, and a timeout kills the whole group (ProxyCommand included).
 */
export async function sshWithInput(args: string[], command: string, size: number, seed: number, env: Record<string, string> = {}): Promise<SshResult> {
  const r = spawnProcess(binary('ssh'), [...args, command], { env, stdin: 'keep-open', timeoutMs: 90_000 });
  randomStream(size, seed).pipe(r.child.stdin!);
  const { code, stdout, stderr } = await r.result;
  return { code, stdout: stdout.toString(), stderr };
}
