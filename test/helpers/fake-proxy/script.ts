/**
 * Byte scripts: a conversation written step by step, for the tests that must
 * see or send exact bytes (connect.c side by side, malformed replies, drips,
 * split frames). A script runs on a raw TCP connection; the connection's
 * record (record.ts) keeps every byte received, `frames` what each read step
 * consumed.
 */
import type { Socket } from 'node:net';
import type { ConnectionRecord } from './record.js';

/** Bytes a step consumes: a fixed count, or a function of what is buffered (undefined = need more). */
export type Frame = number | ((buffered: Buffer) => number | undefined);

export type Step =
  | { expect: Frame } // read a frame (kept in record.frames)
  | { until: Buffer | string } // read through this delimiter, inclusive
  | { line: true } // read through '\n'
  | { send: Buffer | string } // ONE write (reply + banner together: Buffer.concat)
  | { drip: Buffer | string; intervalMs: number } // one byte per write
  | { delay: number } // ms
  | { close: true } // FIN after pending writes
  | { reset: true } // RST
  | { hang: true } // stop: never answer, never close (not even on the client's FIN) until the fake is closed
  | { echo: true }; // echo everything from now on; mirror the client's FIN

/** Steps for every connection, or per connection index (0, 1, ...). */
export type Script = Step[] | ((connIndex: number) => Step[]);

/** Connection i runs scripts[i]; later connections run the last one. */
export function perConnection(...scripts: Step[][]): Script {
  return (i) => scripts[Math.min(i, scripts.length - 1)]!;
}

/** Runs connection `rec.index`'s steps; when they run out, keeps recording and mirrors the client's FIN. */
export function runScript(socket: Socket, rec: ConnectionRecord, script: Script): void {
  const steps = typeof script === 'function' ? script(rec.index) : script;
  void new Session(socket, rec).run(steps);
}

class Session {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  private echoing = false;

  constructor(private readonly s: Socket, private readonly rec: ConnectionRecord) {
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('end', () => this.onEnd());
    s.on('close', () => this.onEnd());
  }

  private onData(d: Buffer): void {
    if (this.echoing) return this.echo(d);
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    this.wake?.();
  }

  private onEnd(): void {
    this.ended = true;
    this.wake?.();
  }

  private echo(d: Buffer): void {
    if (!this.s.write(d)) { this.s.pause(); this.s.once('drain', () => this.s.resume()); }
  }

  async run(steps: Step[]): Promise<void> {
    try {
      for (const step of steps) { if (await this.step(step)) return; }
      this.buf = Buffer.alloc(0);
      await this.waitEnd();
      this.s.end();
    } catch (err) {
      this.rec.error ??= (err as Error).message;
      if (!this.s.destroyed) this.s.end();
    }
  }

  /** Runs one step; true when the script is over for good. */
  private async step(st: Step): Promise<boolean> {
    if ('expect' in st) this.rec.frames.push(await this.take(toFrame(st.expect)));
    else if ('until' in st) this.rec.frames.push(await this.take(delimited(Buffer.from(st.until))));
    else if ('line' in st) this.rec.frames.push(await this.take(delimited(Buffer.from('\n'))));
    else if ('send' in st) this.s.write(st.send);
    else if ('drip' in st) await this.drip(Buffer.from(st.drip), st.intervalMs);
    else if ('delay' in st) await sleep(st.delay);
    else if ('close' in st) { this.s.end(); return true; }
    else if ('reset' in st) { this.s.resetAndDestroy(); return true; }
    else if ('hang' in st) { await this.waitEnd(); return true; }
    else if ('echo' in st) return this.startEcho();
    return false;
  }

  private async startEcho(): Promise<boolean> {
    this.echoing = true;
    if (this.buf.length) this.echo(this.buf);
    this.buf = Buffer.alloc(0);
    await this.waitEnd();
    this.s.end();
    return true;
  }

  private async take(frame: (b: Buffer) => number | undefined): Promise<Buffer> {
    for (;;) {
      const n = frame(this.buf);
      if (n !== undefined && n <= this.buf.length) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.ended) throw new Error(`client closed mid-script (${this.buf.length} bytes pending)`);
      await new Promise<void>((r) => { this.wake = r; });
    }
  }

  private async waitEnd(): Promise<void> {
    while (!this.ended) await new Promise<void>((r) => { this.wake = r; });
  }

  private async drip(data: Buffer, intervalMs: number): Promise<void> {
    for (let i = 0; i < data.length && !this.s.destroyed; i++) {
      this.s.write(data.subarray(i, i + 1));
      if (i < data.length - 1) await sleep(intervalMs);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const toFrame = (f: Frame) => (typeof f === 'number' ? () => f : f);
const delimited = (d: Buffer) => (b: Buffer) => { const i = b.indexOf(d); return i < 0 ? undefined : i + d.length; };
