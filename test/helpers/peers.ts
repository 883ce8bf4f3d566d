// Scripted fake peers: plain node:net servers on 127.0.0.1:0 that record every
// byte each client sends and answer by a script of steps. Used as fake proxies
// (with failure switches: close, reset, hang, drip) and as fake targets.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Teardown } from './process.js';

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
  | { hang: true } // stop: never answer, never close (not even on the client's FIN) until peer.close()
  | { echo: true }; // echo everything from now on; mirror the client's FIN

/** Steps for every connection, or per connection index (0, 1, ...). */
export type Script = Step[] | ((connIndex: number) => Step[]);

export interface Chunk { at: number; data: Buffer }

export class ConnectionRecord {
  readonly openedAt = performance.now();
  /** Everything received, as it arrived (performance.now() timestamps). */
  readonly chunks: Chunk[] = [];
  /** What each expect/until/line step consumed, in order. */
  readonly frames: Buffer[] = [];
  /** Total bytes received (also beyond maxRecord). */
  bytes = 0;
  clientEnded = false;
  closedAt: number | undefined;
  /** Why the script stopped early (client closed mid-script, socket error). */
  error: string | undefined;
  readonly closed: Promise<void>;
  resolveClosed!: () => void;
  constructor(readonly index: number) {
    this.closed = new Promise((r) => { this.resolveClosed = r; });
  }
  /** Every byte the client sent (up to maxRecord), concatenated. */
  get received(): Buffer { return Buffer.concat(this.chunks.map((c) => c.data)); }
}

export interface RecordingPeer {
  host: string;
  port: number;
  connections: ConnectionRecord[];
  /** Resolves with connection i once it has been accepted. */
  connection(i: number, timeoutMs?: number): Promise<ConnectionRecord>;
  close(): Promise<void>;
}

export interface PeerOptions {
  host?: string;
  /** Bytes kept per connection in chunks (default 8 MiB); `bytes` counts all. */
  maxRecord?: number;
  t?: Teardown;
}

export async function startRecordingPeer(script: Script, opts: PeerOptions = {}): Promise<RecordingPeer> {
  const connections: ConnectionRecord[] = [];
  const sockets = new Set<net.Socket>();
  const waiters: Array<() => void> = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const rec = new ConnectionRecord(connections.length);
    connections.push(rec);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    waiters.splice(0).forEach((w) => w());
    const steps = typeof script === 'function' ? script(rec.index) : script;
    void new Session(socket, rec, steps, opts.maxRecord ?? 8 << 20).run();
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  opts.t?.after(close);
  const connection = async (i: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!connections[i]) {
      if (Date.now() > deadline) throw new Error(`peer :${port}: no connection #${i} after ${timeoutMs} ms`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100); });
    }
    return connections[i]!;
  };
  return { host, port, connections, connection, close };
}

class Session {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  private echoing = false;

  constructor(private s: net.Socket, private rec: ConnectionRecord, private steps: Step[], private max: number) {
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('end', () => this.onEnd());
    s.on('error', (e) => { rec.error ??= e.message; });
    s.on('close', () => { rec.closedAt = performance.now(); rec.resolveClosed(); this.onEnd(); });
  }

  private onData(d: Buffer): void {
    this.rec.bytes += d.length;
    const kept = this.rec.bytes - d.length;
    if (kept < this.max) this.rec.chunks.push({ at: performance.now(), data: d.subarray(0, this.max - kept) });
    if (this.echoing) return this.echo(d);
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    this.wake?.();
  }

  private onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.rec.clientEnded = true;
    this.wake?.();
  }

  private echo(d: Buffer): void {
    if (!this.s.write(d)) { this.s.pause(); this.s.once('drain', () => this.s.resume()); }
  }

  async run(): Promise<void> {
    try {
      for (const step of this.steps) { if (await this.step(step)) return; }
      this.buf = Buffer.alloc(0); // script done: keep recording, mirror FIN
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

/** Connection i runs scripts[i]; later connections run the last one. */
export function perConnection(...scripts: Step[][]): Script {
  return (i) => scripts[Math.min(i, scripts.length - 1)]!;
}

// ------------------------------------------------------------ ready-made

export interface Tail { banner?: Buffer | string; echo?: boolean; hang?: boolean }

/** Reply + banner in ONE write, then echo / hang / (default) mirror the client's FIN. */
function replyThen(reply: Buffer, t: Tail, fail: boolean): Step[] {
  const send: Step = { send: t.banner === undefined ? reply : Buffer.concat([reply, Buffer.from(t.banner)]) };
  if (fail) return [send, { close: true }];
  return [send, ...(t.echo ? [{ echo: true } as Step] : []), ...(t.hang ? [{ hang: true } as Step] : [])];
}

/** SOCKS5 frames, exported for custom scripts. */
export const socks5Frames = {
  greeting: (b: Buffer) => (b.length < 2 ? undefined : 2 + b[1]!),
  auth: (b: Buffer) => (b.length < 2 || b.length < 3 + b[1]! ? undefined : 3 + b[1]! + b[2 + b[1]!]!),
  request: (b: Buffer) => {
    if (b.length < 5) return undefined;
    const atyp = b[3];
    return 4 + (atyp === 3 ? 1 + b[4]! : atyp === 4 ? 16 : 4) + 2;
  },
};

export interface Socks5ScriptOptions extends Tail {
  method: number; // 0 none, 2 userpass, 0xff no acceptable
  authStatus?: number; // reply to RFC 1929 auth (default 0 = ok)
  rep?: number; // reply code (default 0 = succeeded)
  atyp?: 1 | 3 | 4; // bound address type in the reply (default 1)
}

export function socks5Script(o: Socks5ScriptOptions): Step[] {
  const steps: Step[] = [{ expect: socks5Frames.greeting }, { send: Buffer.from([5, o.method]) }];
  if (o.method !== 0 && o.method !== 2) return [...steps, { close: true }];
  if (o.method === 2) {
    const status = o.authStatus ?? 0;
    steps.push({ expect: socks5Frames.auth }, { send: Buffer.from([1, status]) });
    if (status !== 0) return [...steps, { close: true }];
  }
  const rep = o.rep ?? 0;
  const reply = Buffer.concat([Buffer.from([5, rep, 0, o.atyp ?? 1]), boundAddr(o.atyp ?? 1), Buffer.from([0x12, 0x34])]);
  return [...steps, { expect: socks5Frames.request }, ...replyThen(reply, o, rep !== 0)];
}

function boundAddr(atyp: number): Buffer {
  if (atyp === 3) return Buffer.concat([Buffer.from([9]), Buffer.from('localhost')]);
  if (atyp === 4) return Buffer.from([...Array(15).fill(0), 1]);
  return Buffer.from([127, 0, 0, 1]);
}

/** SOCKS4 request, or 4a when the address is 0.0.0.x (x != 0): userid NUL [host NUL]. */
function socks4Frame(b: Buffer): number | undefined {
  const nul = b.length > 8 ? b.indexOf(0, 8) : -1;
  if (nul < 0) return undefined;
  const is4a = b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0;
  if (!is4a) return nul + 1;
  const nul2 = b.indexOf(0, nul + 1);
  return nul2 < 0 ? undefined : nul2 + 1;
}

export function socks4Script(o: Tail & { code?: number }): Step[] {
  const code = o.code ?? 90;
  const reply = Buffer.from([0, code, 0x12, 0x34, 127, 0, 0, 1]);
  return [{ expect: socks4Frame }, ...replyThen(reply, o, code !== 90)];
}

export interface HttpScriptOptions extends Tail {
  status: number;
  reason?: string;
  /** Default for 407: Proxy-Authenticate: Basic realm="fake". */
  headers?: Record<string, string> | Array<[string, string]>;
  body?: string;
  version?: string; // default HTTP/1.0
}

export function httpScript(o: HttpScriptOptions): Step[] {
  const hdrs = o.headers ?? (o.status === 407 ? { 'Proxy-Authenticate': 'Basic realm="fake"' } : {});
  const lines = (Array.isArray(hdrs) ? hdrs : Object.entries(hdrs)).map(([k, v]) => `${k}: ${v}\r\n`);
  const head = `${o.version ?? 'HTTP/1.0'} ${o.status} ${o.reason ?? reasonOf(o.status)}\r\n${lines.join('')}\r\n`;
  const ok = o.status >= 200 && o.status < 300;
  return [{ until: '\r\n\r\n' }, ...replyThen(Buffer.from(head + (o.body ?? '')), o, !ok)];
}

function reasonOf(status: number): string {
  const r: Record<number, string> = { 200: 'Connection established', 401: 'Unauthorized', 403: 'Forbidden', 407: 'Proxy Authentication Required', 502: 'Bad Gateway' };
  return r[status] ?? 'Status';
}

/** 407 Basic on the first connection, then `ok` (default 200) on the reconnect. */
export function httpAuthScript(o: Tail & { realm?: string; okStatus?: number } = {}): Script {
  const challenge = { 'Proxy-Authenticate': `Basic realm="${o.realm ?? 'fake'}"` };
  return perConnection(httpScript({ status: 407, headers: challenge }), httpScript({ ...o, status: o.okStatus ?? 200 }));
}

/** Telnet proxy: optional prompt, read the command line, answer `line` (+CRLF) and the banner in one write. */
export function telnetScript(o: Tail & { line: string; prompt?: string }): Step[] {
  const fail = /( failed| refused| rejected| closed)/i.test(o.line) && !/connected to/i.test(o.line);
  const pre: Step[] = o.prompt === undefined ? [] : [{ send: o.prompt }];
  return [...pre, { line: true }, ...replyThen(Buffer.from(`${o.line}\r\n`), o, fail)];
}

/** Target that speaks first (like sshd), then echoes (`then: 'echo'`), closes, or just records until the client's FIN. */
export function bannerServer(
  banner: Buffer | string = 'SSH-2.0-fake\r\n',
  opts: PeerOptions & { then?: 'echo' | 'close' | 'record' } = {},
): Promise<RecordingPeer> {
  const then: Step[] = opts.then === 'echo' ? [{ echo: true }] : opts.then === 'close' ? [{ close: true }] : [];
  return startRecordingPeer([{ send: banner }, ...then], opts);
}
