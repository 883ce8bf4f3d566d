/**
 * SSH_ASKPASS: when to use it (OpenSSH's rules, SSH_ASKPASS_REQUIRE included)
 * and running it. The program gets the prompt as its only argument, no stdin
 * (stdin is the ssh stream), and prints the password on its stdout.
 */
import { spawn } from 'node:child_process';
import { ConnectError } from '../errors.js';

/** How to ask: through the askpass program, on the terminal, or not at all (why). */
type AskMethod =
  | { via: 'askpass'; program: string }
  | { via: 'tty' }
  | { via: 'none'; why: string };

/**
 * SSH_ASKPASS_REQUIRE, as OpenSSH reads it: `never` → terminal; `force` →
 * askpass, which must be set, display or not; `prefer` → askpass when set
 * and DISPLAY or WAYLAND_DISPLAY is non-empty. Unset (or any other value):
 * the same as `prefer`, which is what connect.c always did.
 */
export function chooseAskMethod(askpass: string | undefined, env: NodeJS.ProcessEnv): AskMethod {
  const program = askpass !== undefined && askpass !== '' ? askpass : undefined;
  const require = (env.SSH_ASKPASS_REQUIRE ?? '').toLowerCase();
  if (require === 'never') return { via: 'tty' };
  if (require === 'force') {
    return program ? { via: 'askpass', program } : { via: 'none', why: 'SSH_ASKPASS_REQUIRE=force but SSH_ASKPASS is not set' };
  }
  if (program && hasDisplay(env)) return { via: 'askpass', program };
  return { via: 'tty' };
}

function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DISPLAY) || Boolean(env.WAYLAND_DISPLAY);
}

const MAX_OUTPUT = 64 * 1024;

/** Runs the askpass program; resolves with the first line of its output. */
export function runAskpass(program: string, prompt: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [prompt], { stdio: ['ignore', 'pipe', 'inherit'], env, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (size < MAX_OUTPUT) chunks.push(d);
      size += d.length;
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (signal?.aborted) return reject(signal.reason);
      reject(new ConnectError('NO_PASSWORD', `cannot run askpass program ${program}: ${err.code ?? err.message}`));
    });
    child.once('close', (code) => {
      if (code !== 0) return reject(new ConnectError('NO_PASSWORD', 'password entry cancelled'));
      resolve(firstLine(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

/** Up to the first CR or LF, as OpenSSH and connect.c take it. */
export function firstLine(text: string): string {
  const end = text.search(/[\r\n]/);
  return end < 0 ? text : text.slice(0, end);
}
