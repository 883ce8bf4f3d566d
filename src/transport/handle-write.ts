/**
 * Writes to a plain TCP or pipe socket's libuv handle directly: the same
 * binding node:net writes through (stream_wrap's WriteWrap request and the
 * handle's writeBuffer), without node:stream's Writable around it. The
 * relay's hot path (src/relay.ts): per chunk no write request queued in JS,
 * no nextTick, and no exception when the kernel buffer is full (fs.writeSync
 * throws EAGAIN, which costs ~30 µs a time; test/bench/NOTES.md). What the
 * kernel does not take at once libuv keeps, in order, writes when the socket
 * can take it and then calls back; a shutdown (the stream's end()) waits
 * for it. Those bytes are not in the stream's writableLength: queuedBytes()
 * counts them.
 *
 * This module is the only one that reaches this binding. It is there on
 * Node 20, 22 and 24; where it is not (process.binding refused under Node's
 * permission model, or gone), handleWriter() returns undefined and the
 * relay writes with fs.writeSync and the stream, as node:net would.
 */
import type { Writable } from 'node:stream';
import { plainHandle } from './user-buffer.js';

/** What a write returns when libuv holds the bytes the kernel did not take; onDone follows. */
export const HELD = -1;

/**
 * Writes buf[0, length): returns `length` when the kernel took all of it,
 * HELD when libuv holds the rest (buf must then stay unchanged until
 * onDone), or 0 when nothing was written (the write failed, or the stream
 * has been destroyed: the caller's stream write then reports why).
 */
export type HandleWrite = (buf: Buffer, length: number) => number;

interface WriteRequest {
  oncomplete?: (status: number) => void;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

type StreamHandle = { writeBuffer?: (req: WriteRequest, data: Uint8Array) => number; writeQueueSize?: number };

let binding: StreamWrapBinding | null | undefined;

function streamWrap(): StreamWrapBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true; // process.binding is deprecated (DEP0111); a warning would reach ssh's stderr
    const get = (process as unknown as { binding?: (name: string) => unknown }).binding;
    const b = typeof get === 'function' ? (get.call(process, 'stream_wrap') as Partial<StreamWrapBinding>) : undefined;
    if (typeof b?.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number') {
      binding = b as StreamWrapBinding;
    }
  } catch {
    /* refused (permission model) */
  } finally {
    process.noDeprecation = quiet;
  }
  return binding;
}

/**
 * A writer for `stream`'s handle, or undefined when it is not a plain TCP
 * or pipe socket or this Node lacks the binding. `onDone` follows each
 * HELD write, with the error when it failed (as node:net reports one:
 * code EPIPE, ECONNRESET, ECANCELED when the stream was destroyed first…).
 */
export function handleWriter(stream: Writable, onDone: (err: NodeJS.ErrnoException | undefined) => void): HandleWrite | undefined {
  const handle = plainHandle(stream) as StreamHandle | undefined;
  const b = handle && typeof handle.writeBuffer === 'function' ? streamWrap() : null;
  if (!handle || !b) return undefined;
  const socket = stream as unknown as { _handle?: unknown };
  const { WriteWrap, streamBaseState, kLastWriteWasAsync } = b;
  const writeBuffer = handle.writeBuffer!;
  const oncomplete = (status: number) => onDone(status < 0 ? writeError(status) : undefined);
  let req: WriteRequest | null = null;
  // The last short chunk's view of `of`, reused while chunks keep their size
  // (keystrokes do); lengths kept as numbers: a typed array's are getters.
  let of: Buffer | undefined;
  let ofLength = 0;
  let view: Buffer = Buffer.alloc(0);
  let viewLength = 0;
  return (buf, length) => {
    if (socket._handle !== handle) return 0; // destroyed: its handle is closed
    // A request is reusable until libuv keeps one (it is then tied to that write).
    if (req === null) {
      req = new WriteWrap();
      req.oncomplete = oncomplete;
    }
    if (buf !== of) {
      of = buf;
      ofLength = buf.length;
      viewLength = 0;
    }
    let data = buf;
    if (length !== ofLength) {
      if (length !== viewLength) {
        view = buf.subarray(0, length);
        viewLength = length;
      }
      data = view;
    }
    if (writeBuffer.call(handle, req, data) < 0) return 0;
    if (streamBaseState[kLastWriteWasAsync] === 0) return length;
    req = null;
    return HELD;
  };
}

function writeError(status: number): NodeJS.ErrnoException {
  let code = `E${-status}`;
  try {
    code = process.getBuiltinModule('node:util').getSystemErrorName(status);
  } catch {
    /* an unknown errno keeps its number */
  }
  return Object.assign(new Error(`write ${code}`), { errno: status, code, syscall: 'write' });
}

/** Bytes libuv still holds for `stream` (written through its handle, not yet taken by the kernel). */
export function queuedBytes(stream: Writable): number {
  const size = (plainHandle(stream) as StreamHandle | undefined)?.writeQueueSize;
  return typeof size === 'number' ? size : 0;
}
