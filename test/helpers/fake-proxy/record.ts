/**
 * What each client of a fake peer sent, and how its connection ended: every
 * fake (protocol or script, proxy or target) records its clients the same way.
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

export interface Chunk { at: number; data: Buffer }

export class ConnectionRecord {
  readonly openedAt = performance.now();
  /** Everything received, as it arrived (performance.now() timestamps), up to maxRecord bytes. */
  readonly chunks: Chunk[] = [];
  /** Script mode: what each expect/until/line step consumed, in order. */
  readonly frames: Buffer[] = [];
  /** Total bytes received (also beyond maxRecord). */
  bytes = 0;
  /** The client sent its FIN (or the connection closed). */
  clientEnded = false;
  closedAt: number | undefined;
  /** Why the connection or its script stopped early (client closed mid-script, socket error). */
  error: string | undefined;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(readonly index: number) {
    this.closed = new Promise((r) => { this.resolveClosed = r; });
  }

  /** Every byte the client sent (up to maxRecord), concatenated. */
  get received(): Buffer { return Buffer.concat(this.chunks.map((c) => c.data)); }

  /** Starts recording `socket` (it becomes flowing: a data listener is added). */
  watch(socket: Duplex, maxRecord: number): void {
    socket.on('data', (d: Buffer) => this.add(d, maxRecord));
    socket.once('end', () => { this.clientEnded = true; });
    socket.on('error', (e: Error) => { this.error ??= e.message; });
    socket.once('close', () => {
      this.clientEnded = true;
      this.closedAt = performance.now();
      this.resolveClosed();
    });
  }

  private add(d: Buffer, max: number): void {
    const kept = this.bytes;
    this.bytes += d.length;
    if (kept < max) this.chunks.push({ at: performance.now(), data: d.subarray(0, max - kept) });
  }
}
