/**
 * stdin/stdout as the relay's input and output. When fd 0 / fd 1 is a pipe
 * or a socket (as under ssh), each gets its own net.Socket: the relay then
 * reads it into a reused buffer, and stdout flushes asynchronously (the
 * process must not be ended before the writes complete).
 * Files and TTYs keep Node's process.stdin / process.stdout.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export function openStdio(): { stdin: Readable; stdout: Writable } {
  return { stdin: openStdin(), stdout: openStdout() };
}

function isPipeOrSocket(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

function openStdin(): Readable {
  if (!isPipeOrSocket(0)) return process.stdin;
  // manualStart: nothing is read before the relay (or a watcher) asks.
  const options = { fd: 0, readable: true, writable: false, allowHalfOpen: true, manualStart: true };
  return new Socket(options);
}

function openStdout(): Writable {
  if (!isPipeOrSocket(1)) return process.stdout;
  return new Socket({ fd: 1, readable: false, writable: true });
}
