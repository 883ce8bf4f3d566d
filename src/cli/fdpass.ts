/**
 * -F: hand the connected socket to ssh (`ProxyUseFdpass yes`) instead of
 * relaying. ssh gives its proxy command one end of a unix socketpair as
 * stdout and reads, with OpenSSH's mm_receive_fd (monitor_fdpass.c), one
 * data byte carrying one SCM_RIGHTS control message with one descriptor;
 * then it waits for the proxy command to exit and talks to the socket itself.
 *
 * Node has no public API for SCM_RIGHTS (nodejs/node#53391), but libuv
 * sends exactly that when a handle is written over a pipe opened in IPC
 * mode. This module is the only one that touches the internals for it:
 *   1. process.binding('pipe_wrap') / ('stream_wrap'): an IPC Pipe opened on
 *      fd 1 and a one-byte write carrying the TCP handle;
 *   2. where process.binding is refused (Node's permission model):
 *      child_process._forkChild(1) makes fd 1 the IPC channel and
 *      process.send() writes its message with the raw handle (one sendmsg:
 *      the descriptor rides on the message's first byte; ssh reads that
 *      byte and ignores the rest).
 * Neither available: a clear error before anything is connected.
 */
import { fstatSync, readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ConnectError } from '../errors.js';
import { logger } from '../log.js';
import type { CliConfig, ProxyServer } from '../config/types.js';
import { plainHandle, userBufferSupported } from '../transport/user-buffer.js';

const log = logger('fdpass');

/** Passes a connected socket's descriptor over stdout; resolves once the kernel has it. */
export type FdSender = (tunnel: Duplex) => Promise<void>;

const NEEDS_FDPASS = '-F needs ssh\'s ProxyUseFdpass yes';

/** Every refusal that can be known before connecting; returns the sender to use afterwards. */
export function prepareFdPass(config: CliConfig): FdSender {
  if (config.listen) throw new ConnectError('USAGE', '-F cannot be combined with -p or -P (the socket goes to ssh, not to a local port)');
  const tls = config.tunnel.hops.flatMap((h) => h.candidates).find((c): c is ProxyServer => c.kind === 'https');
  if (tls) throw new ConnectError('FDPASS', `-F cannot pass a connection through an https:// proxy (${tls.host}): its TLS session would stay in this process`);
  if (process.platform === 'win32') throw new ConnectError('FDPASS', '-F: this platform cannot pass descriptors between processes');
  if (!isUnixSocket(1)) throw new ConnectError('FDPASS', `${NEEDS_FDPASS} (stdout is not a unix socket)`);
  if (!userBufferSupported()) throw new ConnectError('FDPASS', `-F: this Node (${process.version}) cannot read the handshake exactly (node:net onread)`);
  const send = findSender();
  return async (tunnel) => {
    if ((tunnel as { encrypted?: boolean }).encrypted) throw new ConnectError('FDPASS', '-F: the route ends in a TLS session (an https:// proxy), which cannot leave this process');
    const handle = plainHandle(tunnel);
    if (!handle || handle.constructor?.name !== 'TCP') throw new ConnectError('FDPASS', '-F: the route did not end in a plain TCP socket');
    if (tunnel.readableLength > 0) throw new ConnectError('FDPASS', `-F: ${tunnel.readableLength} bytes past the proxy's reply were read and would be lost`);
    // As ssh's own socket would be: ssh turns TCP_NODELAY on itself for interactive sessions.
    (tunnel as Partial<Socket>).setNoDelay?.(false);
    await send(handle);
    log('socket passed to ssh');
  };
}

/** fd is a socket and, where /proc tells (Linux), an AF_UNIX one. */
function isUnixSocket(fd: number): boolean {
  let ino: number;
  try {
    const st = fstatSync(fd);
    if (!st.isSocket()) return false;
    ino = st.ino;
  } catch {
    return false;
  }
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'latin1');
  } catch {
    return true; // no /proc: a socket it is, and the send will tell
  }
  // Columns: Num RefCount Protocol Flags Type St Inode [Path]
  return table.split('\n').some((line) => line.split(/\s+/)[6] === String(ino));
}

type RawHandle = object;
type Send = (handle: RawHandle) => Promise<void>;

interface PipeBinding {
  Pipe: new (type: number) => { open(fd: number): void; writeUtf8String(req: object, data: string, handle: RawHandle): number; close(): void };
  constants: { IPC: number };
}
interface StreamBinding {
  WriteWrap: new () => { handle?: unknown; oncomplete?: (status: number) => void; async?: boolean };
}

function findSender(): Send {
  const viaPipe = pipeWrapSender();
  if (viaPipe) return viaPipe;
  const viaChannel = channelSender();
  if (viaChannel) return viaChannel;
  throw new ConnectError('FDPASS', `-F: this Node (${process.version}) offers no way to pass a descriptor (neither process.binding('pipe_wrap') nor child_process._forkChild)`);
}

/** Mechanism 1: a one-byte write with the handle over an IPC pipe on fd 1. */
function pipeWrapSender(): Send | undefined {
  let pipeWrap: PipeBinding;
  let streamWrap: StreamBinding;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true; // process.binding is deprecated (DEP0111); a warning would reach ssh's stderr
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof binding !== 'function') return undefined;
    pipeWrap = binding.call(process, 'pipe_wrap') as PipeBinding;
    streamWrap = binding.call(process, 'stream_wrap') as StreamBinding;
  } catch {
    return undefined; // refused (permission model) or gone
  } finally {
    process.noDeprecation = quiet;
  }
  const { Pipe, constants } = pipeWrap ?? {};
  const { WriteWrap } = streamWrap ?? {};
  if (typeof Pipe !== 'function' || typeof WriteWrap !== 'function' || typeof constants?.IPC !== 'number') return undefined;
  log('passing the socket over an IPC pipe (pipe_wrap)');
  return (handle) => new Promise((resolve, reject) => {
    const pipe = new Pipe(constants.IPC);
    const failed = (what: string) => new ConnectError('FDPASS', `-F: could not pass the socket to ssh (${what}); ${NEEDS_FDPASS}`);
    try {
      pipe.open(1);
    } catch (err) {
      return reject(failed((err as Error).message));
    }
    const req = new WriteWrap();
    req.handle = pipe;
    req.async = false;
    req.oncomplete = (status) => (status < 0 ? reject(failed(`write: ${status}`)) : resolve());
    const err = pipe.writeUtf8String(req, '\0', handle);
    if (err < 0) reject(failed(`write: ${err}`));
  });
}

/** Mechanism 2: fd 1 as Node's IPC channel, one message sent with the raw handle. */
function channelSender(): Send | undefined {
  const childProcess = process.getBuiltinModule?.('node:child_process') as unknown as { _forkChild?: (fd: number, mode: string) => void } | undefined;
  const forkChild = childProcess?._forkChild;
  if (typeof forkChild !== 'function') return undefined;
  log('passing the socket over the IPC channel (child_process._forkChild)');
  return (handle) => new Promise((resolve, reject) => {
    try {
      forkChild.call(childProcess, 1, 'json');
      const send = process.send as unknown as ((msg: unknown, handle: RawHandle, opts: object, cb: (err: Error | null) => void) => boolean) | undefined;
      if (typeof send !== 'function') throw new Error('no IPC channel');
      // The raw handle, not a net.Socket: for a socket Node would wait for an acknowledgement ssh never sends.
      send.call(process, 'fd', handle, {}, (err) => (err ? reject(err) : resolve()));
    } catch (err) {
      reject(new ConnectError('FDPASS', `-F: could not pass the socket to ssh (${(err as Error).message}); ${NEEDS_FDPASS}`));
    }
  });
}
