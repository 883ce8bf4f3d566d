// Mutations of a valid flow into what a hostile or broken proxy sends: a
// Plan per connection (chunks to write, each maybe after client data, and
// how the connection ends), plus what the client must make of it.
import { BANNER, handshakeLength, type Flow } from './corpus.js';
import type { Prng } from './prng.js';

export interface Chunk { bytes: Buffer; wait: boolean; delayMs: number }
export type Ending = 'close' | 'reset' | 'hang';
export interface Plan { chunks: Chunk[]; end: Ending }

export interface Case {
  id: string;
  flow: Flow;
  plans: Plan[];
  /** When set, negotiation must succeed and the tunnel's first bytes must equal this. */
  expectEarly?: Buffer;
  /** Negotiation must fail (with a ConnectError). */
  mustFail: boolean;
  /** Abort (like -w) after this long. */
  deadlineMs: number;
}

export const MUTATIONS = ['flip', 'insert', 'delete', 'truncate', 'reset', 'hang', 'huge', 'split', 'drip', 'dripSlow', 'lengths'] as const;
export type Mutation = (typeof MUTATIONS)[number] | 'none';

interface Stream { bytes: Buffer; waits: Array<{ at: number; wait: boolean }> }

function flatten(flow: Flow, conn: number): Stream {
  let at = 0;
  const waits = flow.connections[conn]!.map((s) => { const w = { at, wait: s.wait }; at += s.bytes.length; return w; });
  return { bytes: Buffer.concat(flow.connections[conn]!.map((s) => s.bytes)), waits };
}

/** Cut a stream back into chunks at its segment boundaries (and every byte when dripping). */
function toChunks(s: Stream, dripMs = 0, splitAt: number[] = []): Chunk[] {
  const cuts = new Set([...s.waits.map((w) => w.at), ...splitAt]);
  if (dripMs > 0) for (let i = 0; i < s.bytes.length; i++) cuts.add(i);
  const points = [...cuts].filter((c) => c < s.bytes.length).sort((a, b) => a - b);
  return points.map((p, i) => ({
    bytes: s.bytes.subarray(p, points[i + 1] ?? s.bytes.length),
    wait: s.waits.some((w) => w.at === p && w.wait),
    delayMs: dripMs > 0 ? dripMs : splitAt.includes(p) ? 2 : 0,
  }));
}

function shift(s: Stream, from: number, by: number): Stream['waits'] {
  return s.waits.map((w) => (w.at > from ? { ...w, at: Math.max(from, w.at + by) } : w));
}

/** The unmutated flow: must succeed with the whole banner. */
export function baseline(flow: Flow): Case {
  const last = flow.connections.length - 1;
  const plans = flow.connections.map((_, i) => ({ chunks: toChunks(flatten(flow, i)), end: 'close' as Ending }));
  const s = flatten(flow, last);
  return { id: `${flow.name} / none`, flow, plans, expectEarly: s.bytes.subarray(handshakeLength(flow, last)), mustFail: false, deadlineMs: 3000 };
}

/** Close (or reset) after exactly `k` bytes of connection `conn`. */
export function cutAt(flow: Flow, conn: number, k: number, end: Ending): Case {
  const c = baseline(flow);
  const s = flatten(flow, conn);
  const cut: Stream = { bytes: s.bytes.subarray(0, k), waits: s.waits };
  c.plans[conn] = { chunks: toChunks(cut), end };
  c.id = `${flow.name} / ${end} at ${conn}:${k}`;
  const hl = handshakeLength(flow, conn);
  const last = conn === flow.connections.length - 1;
  c.mustFail = k < hl || !last;
  c.expectEarly = !c.mustFail && end === 'close' ? s.bytes.subarray(hl, k) : undefined;
  c.deadlineMs = end === 'hang' ? 300 : 3000;
  return c;
}

export function mutate(flow: Flow, rng: Prng, mutation: Mutation): Case {
  const conn = rng.int(0, flow.connections.length - 1);
  const s = flatten(flow, conn);
  const n = s.bytes.length;
  const hl = handshakeLength(flow, conn);
  const last = conn === flow.connections.length - 1;
  const at = rng.int(0, n - 1);
  const c = baseline(flow);
  c.id = `${flow.name} / ${mutation} conn ${conn} at ${at}`;
  c.expectEarly = undefined;
  let out: Stream = s;
  let dripMs = 0;
  let split: number[] = [];
  let keepsHandshake = at >= hl; // the change lies in the tunnel bytes only
  switch (mutation) {
    case 'none': return baseline(flow);
    case 'flip': {
      const bytes = Buffer.from(s.bytes);
      bytes[at] = bytes[at]! ^ rng.int(1, 255);
      out = { bytes, waits: s.waits };
      break;
    }
    case 'insert': {
      const junk = rng.bytes(rng.int(1, 64));
      out = { bytes: Buffer.concat([s.bytes.subarray(0, at), junk, s.bytes.subarray(at)]), waits: shift(s, at, junk.length) };
      break;
    }
    case 'delete':
      out = { bytes: Buffer.concat([s.bytes.subarray(0, at), s.bytes.subarray(at + 1)]), waits: shift(s, at, -1) };
      break;
    case 'truncate': return cutAt(flow, conn, at, 'close');
    case 'reset': return cutAt(flow, conn, at, 'reset');
    case 'hang': return cutAt(flow, conn, Math.min(at, hl - 1), 'hang');
    case 'huge': {
      // A flood: 100 KiB of header-like lines, or of one endless line, or raw bytes.
      const style = rng.int(0, 2);
      const flood = style === 0 ? Buffer.from('X-Flood: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n'.repeat(2500))
        : style === 1 ? Buffer.alloc(100 * 1024, 0x61) : rng.bytes(100 * 1024);
      const where = rng.int(0, Math.max(0, hl - 1));
      out = { bytes: Buffer.concat([s.bytes.subarray(0, where), flood, s.bytes.subarray(where)]), waits: shift(s, where, flood.length) };
      keepsHandshake = false;
      break;
    }
    case 'lengths': {
      // Length / count fields pushed to extremes (SOCKS5 atyp 3 length, nmethods...).
      const bytes = Buffer.from(s.bytes);
      bytes[at] = rng.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff]);
      out = { bytes, waits: s.waits };
      break;
    }
    case 'split':
      split = Array.from({ length: 4 }, () => rng.int(1, n - 1));
      keepsHandshake = true;
      break;
    case 'drip':
      dripMs = 1;
      keepsHandshake = true;
      break;
    case 'dripSlow':
      dripMs = 40; // the deadline passes long before the reply is complete
      c.deadlineMs = 250;
      c.mustFail = true;
      break;
  }
  c.plans[conn] = { chunks: toChunks(out, dripMs, split), end: 'close' };
  if (keepsHandshake && mutation !== 'dripSlow') {
    c.expectEarly = last ? out.bytes.subarray(hl) : baseline(flow).expectEarly;
  }
  if (mutation === 'dripSlow') c.mustFail = hl * dripMs > 2 * c.deadlineMs;
  return c;
}

export { BANNER };
