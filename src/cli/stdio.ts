/**
 * stdin/stdout as the relay's input and output. When fd 0 / fd 1 is a pipe
 * or a socket (as under ssh), each gets its own net.Socket: the relay then
 * reads it into a reused buffer, and stdout flushes asynchronously (the
 * process must not be ended before the writes complete).
 * Files and TTYs keep Node's process.stdin / process.stdout.
 */
import { fstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
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

/**
 * fd as a net.Socket when it is a pipe or a socket, else undefined. Node
 * tells the two itself (libuv's guess of the handle type, which net.Socket
 * makes anyway): an fstat would cost a Stats object at every start.
 */
function socketOn(fd: number, options: SocketConstructorOpts): Socket | undefined {
  try {
    return new Socket({ fd, ...options });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_INVALID_FD_TYPE') return undefined; // a tty, a file, /dev/null…
    throw err;
  }
}

export function openStdin(): Readable {
  // manualStart: nothing is read before the relay (or a watcher) asks.
  return socketOn(0, { readable: true, writable: false, allowHalfOpen: true, manualStart: true } as SocketConstructorOpts) ?? process.stdin;
}

function openStdout(): Writable {
  const socket = socketOn(1, { readable: false, writable: true });
  if (socket) return socket;
  const st = fdStat(1);
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
