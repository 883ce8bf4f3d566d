/**
 * stdin/stdout as the relay's input and output. When fd 0 / fd 1 is a pipe
 * or a socket (as under ssh), each gets its own net.Socket: the relay then
 * reads it into a reused buffer, and stdout flushes asynchronously (the
 * process must not be ended before the writes complete).
 * Files and TTYs keep Node's process.stdin / process.stdout.
 */
import { fstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { ConnectError } from '../errors.js';

export function openStdio(): { stdin: Readable; stdout: Writable } {
  return { stdin: openStdin(), stdout: openStdout() };
}

function fdStat(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

function isPipeOrSocket(st: Stats | undefined): boolean {
  return !!st && (st.isFIFO() || st.isSocket());
}

export function openStdin(): Readable {
  if (!isPipeOrSocket(fdStat(0))) return process.stdin;
  // manualStart: nothing is read before the relay (or a watcher) asks.
  const options = { fd: 0, readable: true, writable: false, allowHalfOpen: true, manualStart: true };
  return new Socket(options);
}

function openStdout(): Writable {
  const st = fdStat(1);
  if (isPipeOrSocket(st)) return new Socket({ fd: 1, readable: false, writable: true });
  if (st && wasClosed(1, st)) {
    // Every byte would vanish into /dev/null: fail as a write to a closed fd would.
    throw new ConnectError('RELAY', 'output (stdout) failed: stdout was closed when connect started (EBADF)');
  }
  return process.stdout;
}

/**
 * Node replaces a closed fd 0-2 at start with /dev/null opened read-write;
 * a shell's `>/dev/null` opens it write-only. Linux shows the difference
 * in /proc/self/fdinfo; elsewhere a closed stdout goes unnoticed.
 */
function wasClosed(fd: number, st: Stats): boolean {
  if (!st.isCharacterDevice()) return false;
  try {
    if (st.rdev !== statSync('/dev/null').rdev) return false;
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & 3) === 2; // O_ACCMODE == O_RDWR
  } catch {
    return false;
  }
}
