/**
 * The stream a dialer holds while it negotiates over it. It is destroyed
 * when the signal aborts, destroyed at once when given up, and never without
 * an 'error' listener (an unhandled ECONNRESET on a stream nobody reads
 * would end the whole session), until it is handed over.
 */
import type { Duplex } from 'node:stream';
import { whenAborted } from '../transport/deadline.js';

const nothing = () => {};
/** Errors while held reach whoever reads the stream (HandshakeReader); unread, they only end it. */
const ignore = () => {};

export class Held {
  private stream: Duplex | undefined;
  private stopWatching: () => void = nothing;

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Holds `stream` (giving up the one held before) and returns it. */
  take(stream: Duplex): Duplex {
    this.giveUp();
    this.stream = stream;
    stream.on('error', ignore);
    this.stopWatching = whenAborted(this.signal, (reason) => stream.destroy(reason as Error));
    return stream;
  }

  /** Destroys the held stream, if any. */
  giveUp(): void {
    const stream = this.release();
    stream?.destroy();
  }

  /** The caller owns it now. */
  handOver(): Duplex | undefined {
    return this.release();
  }

  private release(): Duplex | undefined {
    const stream = this.stream;
    this.stopWatching();
    this.stopWatching = nothing;
    stream?.off('error', ignore);
    this.stream = undefined;
    return stream;
  }
}

/**
 * `dialing` raced against `signal`: rejects as soon as it aborts, and a
 * stream that arrives after that is destroyed, not lost.
 */
export function dialWithin(dialing: Promise<Duplex>, signal: AbortSignal | undefined): Promise<Duplex> {
  if (!signal) return dialing;
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false;
    const stop = whenAborted(signal, (reason) => {
      settled = true;
      reject(reason);
    });
    dialing.then(
      (stream) => {
        stop();
        if (settled) stream.destroy();
        else resolve(stream);
      },
      (err: unknown) => {
        stop();
        if (!settled) reject(err);
      },
    );
  });
}
