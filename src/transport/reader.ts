/**
 * Reads a proxy handshake off a connected stream, never past what the
 * current step needs.
 *
 * Chunks are read as they come; bytes past the current step go straight
 * back into the stream's own buffer (unshift), where the next step or,
 * after release(), the relay finds them. Held anywhere else they would be
 * lost to a peer that closes while a step's result is still being checked
 * (a Kerberos mutual-authentication token is verified asynchronously): a
 * paused stream whose buffer is empty still emits 'end', and nothing can be
 * unshifted after it. When the socket will leave this process
 * (-F: readHandshakesExactly, src/transport/exact-socket.ts), every read(2)
 * instead goes into a buffer sized to what the step may still take, so the
 * kernel keeps every byte after the proxy's final reply: an SSH server's
 * banner (which often shares a packet with that reply) stays for ssh. That
 * costs more read(2) calls, so it is done only then.
 *
 * Work is linear in the bytes received: each byte is copied once into the
 * step's buffer (which grows by doubling) and scanned once for a delimiter,
 * plus the delimiter's length at each chunk boundary.
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { type ExactSocket, exactSocket } from './exact-socket.js';
import { type Step, delimitedStep, fixedStep } from './steps.js';

interface Pending {
  step: Step;
  resolve: (bytes: Buffer) => void;
  reject: (err: Error) => void;
}

export class HandshakeReader {
  /** Bytes received but not yet taken by a step (exact mode, only before the first step). */
  private stash: Buffer[] = [];
  private stashed = 0;
  private pending: Pending | undefined;
  private failure: Error | undefined;
  private readonly exact: ExactSocket | undefined;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onEnd = () => this.fail(this.closedError());
  private readonly onError = (err: Error) => this.fail(this.socketError(err));

  /** `peer` names the other side in errors, e.g. "SOCKS5 proxy 10.0.0.1:1080". */
  constructor(private readonly stream: Duplex, private readonly peer: string, private readonly maxBuffered = 64 * 1024) {
    this.exact = exactSocket(stream);
    if (this.exact) {
      this.exact.attach({ room: () => this.room(), receive: this.onData });
    } else {
      stream.on('data', this.onData);
    }
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** Exactly `n` bytes. */
  read(n: number): Promise<Buffer> {
    return this.take(fixedStep(n));
  }

  /** Bytes up to and including the first of the `delimiters` found (the earliest-ending match); fails past `limit` bytes. */
  readUntil(delimiters: string | readonly string[], limit: number, what: string): Promise<Buffer> {
    const delims = (typeof delimiters === 'string' ? [delimiters] : delimiters).map((d) => Buffer.from(d, 'latin1'));
    const tooLong = () => new ConnectError('PROXY_PROTOCOL', `${this.peer} sent ${what} longer than ${limit} bytes`);
    return this.take(delimitedStep(delims, limit, tooLong));
  }

  /**
   * Stop reading; put unread bytes back. The stream is left as a fresh one
   * is: nothing flows until its consumer attaches ('data', pipe, read).
   * With exact reads there is nothing to put back, and a byte read past the
   * last step is an error: with -F the socket leaves this process and such a
   * byte would be lost.
   */
  release(): Duplex {
    if (this.exact && this.stashed > 0) {
      throw new ConnectError('PROXY_PROTOCOL', `${this.peer}: read ${this.stashed} bytes past the final reply (a bug: reads must be exact)`);
    }
    this.unhook();
    this.stream.pause();
    (this.stream as { readableFlowing: boolean | null }).readableFlowing = null;
    return this.stream;
  }

  /**
   * Let go of a stream being abandoned (a refusal, a failed step): what it
   * still sends is read and dropped, so that the peer's close ends it, and
   * its errors are ignored (its owner destroys it, possibly with an error).
   */
  detach(): void {
    this.unhook();
    this.stream.on('error', ignore);
    this.stream.resume();
  }

  private unhook(): void {
    if (this.exact) this.exact.detach();
    else this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
  }

  private take(step: Step): Promise<Buffer> {
    if (this.pending) throw new Error('HandshakeReader: overlapping reads');
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const ready = step.result();
      if (ready) return resolve(ready);
      this.pending = { step, resolve, reject };
      this.drainStash();
      if (this.pending) this.stream.resume();
    });
  }

  /** What the next read(2) may take: the current step's room, or one byte when no step waits. */
  private room(): number {
    return this.pending?.step.room() ?? 0;
  }

  /**
   * Bytes for the current step; what it leaves goes to the stash. An exact
   * read's chunk is a view of a reused buffer (copied when kept); chunks
   * from the stream or the stash are ours (kept as views).
   */
  private receive(chunk: Buffer, fromStash = false): void {
    if (this.failure) return;
    const owned = fromStash || !this.exact;
    const pending = this.pending;
    if (!pending) return this.keep(chunk, owned, fromStash);
    let used: number;
    try {
      used = pending.step.accept(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (used < chunk.length) this.keep(chunk.subarray(used), owned, fromStash);
    const bytes = pending.step.result();
    if (bytes === undefined) return;
    this.pending = undefined;
    this.stream.pause();
    pending.resolve(bytes);
  }

  /** Bytes no step asked for yet, in arrival order (a leftover goes back in front), bounded. */
  private keep(chunk: Buffer, owned: boolean, front: boolean): void {
    if (!this.exact) {
      this.stream.pause();
      this.stream.unshift(chunk);
      return;
    }
    const kept = owned ? chunk : Buffer.from(chunk);
    if (front) this.stash.unshift(kept);
    else this.stash.push(kept);
    this.stashed += chunk.length;
    this.stream.pause();
    if (this.stashed > this.maxBuffered) {
      this.fail(new ConnectError('PROXY_PROTOCOL', `${this.peer} sent more than ${this.maxBuffered} unexpected bytes`));
    }
  }

  /** A new step first takes what earlier chunks left over. */
  private drainStash(): void {
    while (this.pending && !this.failure && this.stash.length > 0) {
      const chunk = this.stash.shift()!;
      this.stashed -= chunk.length;
      this.receive(chunk, true);
    }
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

const ignore = () => {};

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
