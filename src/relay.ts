/**
 * The relay (SECURITY.md "The relay"): input → tunnel and tunnel → output, with
 * backpressure both ways. Input EOF half-closes the tunnel; the tunnel's
 * EOF (or reset) ends the output once every received byte is written.
 *
 * Hot path: a plain TCP or pipe socket is read into one reused buffer per
 * direction (the `onread` mechanism of node:net), so a 1 GiB transfer
 * allocates nothing per chunk. Each chunk is written from the read
 * callback straight to the sink's handle when the sink is such a socket
 * too (see directWriter); reading pauses while the kernel has not taken all
 * of it, and resumes once libuv (or the stream) has written the rest. Any other
 * stream (TLS, files, TTYs) is relayed chunk by chunk with pause/resume.
 * Bytes already buffered in a stream (put back by the handshake reader)
 * are written first, in order.
 */
import { writeSync } from 'node:fs';
import type { Duplex, Readable, Writable } from 'node:stream';
import { ConnectError, describeError } from './errors.js';
import { hex, logger } from './log.js';
import { handleWriter, HELD, type HandleWrite } from './transport/handle-write.js';
import { canUseUserBuffer, plainHandle, useUserBuffer, type OnRead } from './transport/user-buffer.js';
import { setV8Flags } from './v8-flags.js';

const log = logger('relay');
const dataLog = logger('data');

/**
 * Read buffer per direction: half a pipe's capacity (64 KiB), so that a
 * chunk fits in a pipe its reader has half drained, and the reader works on
 * one half while the next is read (test/bench/NOTES.md, round 11).
 */
const READ_BUFFER_SIZE = 32 * 1024;

/** After this many chunks (either way) a session is more than a short exchange (see quietJit). */
const QUIET_JIT_AFTER_CHUNKS = 32;

export interface RelayResult {
  /** Which side ended the session. */
  closedBy: 'remote' | 'output';
}

type Trace = ((chunk: Buffer) => void) | undefined;

/**
 * Errors that mean the reader of the output has gone (ssh exited, the local
 * client closed): the session is over, not failed. Anything else (ENOSPC,
 * EIO, a write to a closed stdout) loses data and fails the relay.
 */
const READER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

/**
 * Relays until the session is over. Rejects with ConnectError('RELAY')
 * naming `outputName` when the output fails other than by its reader going.
 * Streams that ended (or failed) before the relay started count as such.
 */
export function relay(tunnel: Duplex, input: Readable, output: Writable, outputName = 'stdout'): Promise<RelayResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const stopPumps = () => {
      up.stop();
      down.stop();
    };
    const finish = (closedBy: RelayResult['closedBy']) => {
      if (settled) return;
      settled = true;
      stopPumps();
      log('session closed by %s', closedBy);
      resolve({ closedBy });
    };
    const outputFailed = (err: NodeJS.ErrnoException) => {
      log('output error: %s', err.message);
      if (err.code !== undefined && READER_GONE.has(err.code)) return finish('output');
      if (settled) return;
      settled = true;
      stopPumps();
      reject(new ConnectError('RELAY', `output (${outputName}) failed: ${describeError(err)}`, { cause: err }));
    };
    log('relaying');
    const tracing = dataLog.enabled;
    const up = pump(input, tunnel, tracing ? (c) => dataLog('>>> %s', hex(c)) : undefined);
    const down = pump(tunnel, output, tracing ? (c) => dataLog('<<< %s', hex(c)) : undefined);

    let inputEnded = false;
    const inputDone = () => {
      if (inputEnded) return;
      inputEnded = true;
      log('input closed; half-closing the tunnel');
      tunnel.end();
    };
    input.once('end', inputDone);
    input.once('error', (err) => { log('input error: %s', err.message); inputDone(); });

    let remoteEnded = false;
    const remoteDone = () => {
      if (remoteEnded) return;
      remoteEnded = true;
      if (output.destroyed) return finish('output');
      output.end(() => finish('remote'));
    };
    tunnel.once('end', () => { log('remote closed'); remoteDone(); });
    tunnel.once('error', (err) => { log('remote error: %s', err.message); remoteDone(); });
    tunnel.once('close', remoteDone);

    output.once('error', outputFailed);
    // What happened before the relay was listening (a -p client's EOF or
    // reset during the proxy handshake) is not repeated as an event.
    if (output.errored) outputFailed(output.errored);
    else if (output.destroyed) finish('output');
    if (input.readableEnded || input.destroyed) inputDone();
  });
}

interface Pump {
  stop(): void;
}

/** Copies `source` into `sink` (without ending it) until stopped or the source ends. */
function pump(source: Readable, sink: Writable, trace: Trace): Pump {
  flushBuffered(source, sink, trace);
  return adoptUserBuffer(source, sink, trace) ?? streamPump(source, sink, trace);
}

/** Bytes already in the source's read buffer (unshifted by a handshake) go first. */
function flushBuffered(source: Readable, sink: Writable, trace: Trace): void {
  if (source.readableLength === 0) return;
  let chunk: Buffer | null;
  while ((chunk = source.read() as Buffer | null) !== null) {
    trace?.(chunk);
    sink.write(chunk);
  }
}

/** Chunk by chunk: 'data' events, pausing while the sink is over its mark. */
function streamPump(source: Readable, sink: Writable, trace: Trace): Pump {
  const onDrain = () => source.resume();
  const onData = (chunk: Buffer) => {
    if (!jitQuiet && ++chunks >= QUIET_JIT_AFTER_CHUNKS) quietJit();
    trace?.(chunk);
    if (!sink.write(chunk)) {
      source.pause();
      sink.once('drain', onDrain);
    }
  };
  source.on('data', onData);
  source.resume();
  return {
    stop: () => {
      source.off('data', onData);
      sink.off('drain', onDrain);
    },
  };
}

let jitQuiet = false;
let chunks = 0;

/**
 * Once a session is more than a short exchange, stop V8 from optimising
 * more code. The relay's JavaScript is a few calls per chunk, so optimised
 * code buys nothing measurable, while TurboFan costs twice: in bulk
 * transfers its compile memory stays in the process (peak RSS), and in
 * interactive ones its background compiles compete for the CPU with the
 * relay's own wake-ups (the latency tail); figures in test/bench/NOTES.md.
 * Not done for short sessions (fewer chunks than QUIET_JIT_AFTER_CHUNKS),
 * where loading node:v8 would only add start-up time.
 */
function quietJit(): void {
  if (jitQuiet) return;
  jitQuiet = true;
  try {
    setV8Flags('--no-opt');
  } catch {
    /* only a memory saving */
  }
}

// --- one reused read buffer (node:net `onread`, see src/transport/user-buffer.ts) ---

/**
 * Reads an open TCP or pipe socket into one reused buffer. Returns
 * undefined when the stream is not such a socket or this Node lays sockets
 * out differently.
 */
function adoptUserBuffer(source: Readable, sink: Writable, trace: Trace): Pump | undefined {
  if (!canUseUserBuffer(source)) return undefined;
  const buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  let stopped = false;
  let waiting = false;
  // Whether the stream holds none of our bytes (bytes flushBuffered gave it
  // may still be there): only then may a chunk pass it. Tracked here, as
  // reading the stream's state per chunk costs more than the write itself.
  let streamClear = sink.writableLength === 0;
  const afterWrite = () => {
    if (!waiting || stopped || sink.writableLength > 0) return;
    streamClear = true;
    waiting = false;
    if (!source.isPaused()) source.resume(); // paused meanwhile (a signal): it stays so
  };
  const afterHeld = (err: NodeJS.ErrnoException | undefined) => {
    if (stopped) return;
    if (err) sink.destroy(err); // as node:net does for a failed write: the sink reports it
    else afterWrite();
  };
  const direct = directWriter(sink, afterHeld);
  const onRead: OnRead = (nread, buf) => {
    if (stopped) return false;
    if (!jitQuiet && ++chunks >= QUIET_JIT_AFTER_CHUNKS) quietJit();
    if (trace !== undefined) trace(buf.subarray(0, nread));
    let written = 0;
    if (direct !== undefined && (streamClear || (streamClear = sink.writableLength === 0))) {
      written = direct(buf, nread);
      if (written === nread) return true; // the kernel has it all: the buffer is free
      if (written === HELD) return hold();
    }
    // The rest (or all of it: EAGAIN, an error, a sink without a plain fd) goes through the stream.
    sink.write(buf.subarray(written, nread), afterWrite);
    if (sink.writableLength === 0) return true;
    streamClear = false;
    return hold();
  };
  /** The sink still holds `buffer`: read again once it lets go. */
  const hold = () => {
    waiting = true;
    return false;
  };
  useUserBuffer(source, buffer, onRead);
  source.resume();
  return { stop: () => { stopped = true; } };
}

/**
 * A write through the stream costs a write request, async-hooks bookkeeping
 * and a nextTick per chunk, per 32 KiB in bulk and per keystroke in an
 * interactive session. When the sink is a plain TCP or pipe socket with
 * nothing queued, writing to its handle (or, without that binding, write(2)
 * on its fd) puts the bytes in the same order into the same kernel buffer
 * without that machinery. The writer returns what a HandleWrite does (the
 * fd fallback never holds: 0 when write(2) took nothing, the stream then
 * writes the chunk). Undefined when the sink is anything else (TLS, a TTY,
 * a file, a platform without fds).
 */
function directWriter(sink: Writable, afterHeld: (err: NodeJS.ErrnoException | undefined) => void): HandleWrite | undefined {
  const write = handleWriter(sink, afterHeld);
  if (write !== undefined) return write;
  const fd = plainHandle(sink)?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  // A closed sink's fd number may already belong to another file.
  return (buf, length) => (sink.writable ? tryWrite(fd, buf, length) : 0);
}

/** Bytes of buf[0, length) write(2) took; 0 when it took none (EAGAIN: the socket is full) or failed (the stream reports it). */
function tryWrite(fd: number, buf: Buffer, length: number): number {
  try {
    return writeSync(fd, buf, 0, length);
  } catch {
    return 0;
  }
}
