/**
 * A plain socket read exactly: each read(2) goes into a buffer no larger
 * than what the consumer may still take, so nothing past it leaves the
 * kernel. When no consumer is attached (or it wants nothing) the socket
 * stops reading and a 1-byte buffer is left in place, because the first
 * read after a resume goes into the last buffer given (src/transport/user-buffer.ts).
 */
import type { Duplex } from 'node:stream';
import { canUseUserBuffer, useUserBuffer } from './user-buffer.js';

export interface ExactConsumer {
  /** Bytes the consumer may take next; 0 when it wants none now. */
  room(): number;
  receive(chunk: Buffer): void;
}

/** The largest single read during a handshake; bigger steps take several. */
const SCRATCH_BYTES = 4096;
/** Once released, the socket reads as an ordinary stream again, in chunks up to this size. */
const STREAM_BYTES = 64 * 1024;

export interface ExactSocket {
  attach(consumer: ExactConsumer): void;
  /** Back to an ordinary stream: reads pushed as 'data', as before attach(). */
  detach(): void;
}

/** Sockets whose handshakes must be read exactly (they will leave this process: -F). */
const exactly = new WeakSet<Duplex>();

export function readHandshakesExactly(socket: Duplex): void {
  exactly.add(socket);
}

/**
 * An exact reader over `stream`, or undefined when it was not asked for
 * (readHandshakesExactly) or the stream is not a plain socket (TLS, a test stream).
 */
export function exactSocket(stream: Duplex): ExactSocket | undefined {
  if (!exactly.has(stream) || !canUseUserBuffer(stream)) return undefined;
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  const oneByte = scratch.subarray(0, 1);
  let consumer: ExactConsumer | undefined;
  const onRead = (nread: number, buffer: Buffer): boolean => {
    // A view of the scratch buffer: the consumer copies what it keeps.
    consumer?.receive(buffer.subarray(0, nread));
    return (consumer?.room() ?? 0) > 0;
  };
  const next = (): Buffer => scratch.subarray(0, Math.max(1, Math.min(consumer?.room() ?? 0, SCRATCH_BYTES)));
  return {
    attach(c) {
      consumer = c;
      useUserBuffer(stream, oneByte, onRead, next);
      stream.pause(); // a read started at connect stops until a step asks
    },
    detach() {
      consumer = undefined;
      if (stream.destroyed) return;
      const buffer = Buffer.allocUnsafe(STREAM_BYTES);
      useUserBuffer(stream, buffer, (nread) => stream.push(Buffer.from(buffer.subarray(0, nread))));
    },
  };
}
