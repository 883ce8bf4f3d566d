/**
 * Reads a proxy handshake off a connected stream, exactly as many bytes as
 * each step needs. When the handshake is done, `release()` puts back every
 * byte that came after the final reply (an SSH server speaks first, so its
 * banner often shares a packet with the proxy's reply), leaving the stream
 * paused for the relay.
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';

interface Pending {
  want: (buffered: Buffer) => number; // bytes to take, or -1 for "not yet"
  resolve: (bytes: Buffer) => void;
  reject: (err: Error) => void;
}

export class HandshakeReader {
  private buffered: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => this.push(chunk);
  private readonly onEnd = () => this.fail(this.closedError());
  private readonly onError = (err: Error) => this.fail(this.socketError(err));

  /** `peer` names the other side in errors, e.g. "SOCKS5 proxy 10.0.0.1:1080". */
  constructor(private readonly stream: Duplex, private readonly peer: string, private readonly maxBuffered = 64 * 1024) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** Exactly `n` bytes. */
  read(n: number): Promise<Buffer> {
    return this.take((b) => (b.length >= n ? n : -1));
  }

  /** Bytes up to and including the first of the `delimiters` found; fails past `limit` bytes. */
  readUntil(delimiters: string | readonly string[], limit: number, what: string): Promise<Buffer> {
    const delims = (typeof delimiters === 'string' ? [delimiters] : delimiters).map((d) => Buffer.from(d, 'latin1'));
    return this.take((b) => {
      const end = firstEnd(b, delims);
      if (end >= 0 && end <= limit) return end;
      if (b.length >= limit) throw new ConnectError('PROXY_PROTOCOL', `${this.peer} sent ${what} longer than ${limit} bytes`);
      return -1;
    });
  }

  /**
   * Stop reading; put unread bytes back. The stream is left as a fresh one
   * is: nothing flows until its consumer attaches ('data', pipe, read).
   */
  release(): Duplex {
    this.detach();
    this.stream.pause();
    if (this.buffered.length > 0) this.stream.unshift(this.buffered);
    this.buffered = Buffer.alloc(0);
    (this.stream as { readableFlowing: boolean | null }).readableFlowing = null;
    return this.stream;
  }

  /** Stop reading without putting buffered bytes back (the stream is being abandoned). */
  detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
  }

  private take(want: Pending['want']): Promise<Buffer> {
    if (this.pending) throw new Error('HandshakeReader: overlapping reads');
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { want, resolve, reject };
      this.stream.resume();
      this.settle();
    });
  }

  private push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.pending && this.buffered.length > this.maxBuffered) {
      this.fail(new ConnectError('PROXY_PROTOCOL', `${this.peer} sent more than ${this.maxBuffered} unexpected bytes`));
      return;
    }
    this.settle();
  }

  private settle(): void {
    const pending = this.pending;
    if (!pending) {
      this.stream.pause();
      return;
    }
    let n: number;
    try {
      n = pending.want(this.buffered);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (n < 0) return;
    const bytes = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    this.pending = undefined;
    this.stream.pause();
    pending.resolve(bytes);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failure);
  }

  /** A socket error as a ConnectError naming the peer (an abort's own ConnectError passes through). */
  private socketError(err: Error): ConnectError {
    if (err instanceof ConnectError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ECONNRESET' ? 'reset the connection' : code === 'EPIPE' ? 'closed the connection' : `failed (${err.message})`;
    return new ConnectError('PROXY_PROTOCOL', `${this.peer} ${what} during the handshake`, { cause: err });
  }

  private closedError(): ConnectError {
    return new ConnectError('PROXY_PROTOCOL', `${this.peer} closed the connection during the handshake`);
  }
}

/** Where the earliest-ending delimiter match ends in `b`, or -1. */
function firstEnd(b: Buffer, delims: readonly Buffer[]): number {
  let best = -1;
  for (const d of delims) {
    const at = b.indexOf(d);
    if (at >= 0 && (best < 0 || at + d.length < best)) best = at + d.length;
  }
  return best;
}

/**
 * Runs one handshake over `stream`: the stream as release() leaves it when
 * `exchange` succeeds; when it fails, the reader lets go and the error passes.
 */
export async function withHandshakeReader(
  stream: Duplex, peer: string, exchange: (reader: HandshakeReader) => Promise<void>, maxBuffered?: number,
): Promise<Duplex> {
  const reader = new HandshakeReader(stream, peer, maxBuffered);
  try {
    await exchange(reader);
    return reader.release();
  } catch (err) {
    reader.detach();
    throw err;
  }
}
