/**
 * A memory image of QuickJS set up for PAC runs (src/pac/setup.ts: runtime,
 * limits, context, the PAC functions), made once by the build
 * (scripts/build.mjs, into dist/quickjs.wasm) and restored into a fresh
 * instance at each run instead of doing that set-up again. It saves the
 * set-up's work and, more, V8's compiling of the WebAssembly functions
 * only the set-up runs (test/bench/NOTES.md).
 *
 * Why copying memory is a whole restore: the module's only mutable global
 * is the stack pointer, which is at its start value between calls (where a
 * new instance has it); its table is filled at instantiation and never
 * changed; the rest of its state is linear memory
 * (test/integration/pac-image.test.ts holds the module to that). The JavaScript
 * side's state is the runtime, context and exception pointers, kept in
 * the image's header; host functions are dispatched by index, as in a fresh
 * set-up.
 *
 * What must not come from the image, and does not:
 * - the limits: applied again after the copy (setup.ts applyLimits);
 * - Math.random's seed (QuickJS seeds it from the clock when a context is
 *   made): the maker finds where the context keeps it (two set-ups under
 *   two fixed clocks differ there and nowhere else) and every restore
 *   writes a fresh seed there;
 * - the time zone: the maker refuses a set-up that asked for it or for a
 *   local time, so the C library asks the host (the current TZ) on first use.
 *
 * The image travels inside dist/quickjs.wasm, as a custom section (which
 * V8 skips when compiling): tied to that very module by being part of its
 * file. It is used only when it belongs to this build (the build id, a hash
 * of the original .wasm and of this FFI's sources, which the build writes
 * into the image and defines in the bundle) and is intact (a checksum of
 * the rest); otherwise the run does the fresh set-up, silently.
 *
 * Layout (little-endian): magic "QJSIMG01"; checksum of all after it (u64);
 * build id (32 bytes, ASCII, NUL-padded); memory pages; rt, ctx, exception;
 * the seed's address (zeros there); the number of chunks; the label's
 * length; each chunk's address and length; the label (empty in the build's
 * image; a script's, src/pac/script-image.ts); then the chunks' bytes.
 */
import { QuickJs } from './quickjs.js';
import { applyLimits, MEMORY_PAGES, newMemory, setUpFresh, type SetUp } from './setup.js';

const MAGIC = 'QJSIMG01';
const HEAD = 76;
/** The custom section of dist/quickjs.wasm that holds the build's image. */
export const IMAGE_SECTION = 'connect.pac-image';
const BUILD_ID_BYTES = 32;
/** Memory is compared and copied in blocks of this size (all-zero blocks are left out). */
const BLOCK = 4096;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** A checked image, ready to restore. */
export interface QuickJsImage {
  /** A fresh instance of `module` holding the image, its seed renewed and its limits applied again. */
  restore(module: WebAssembly.Module): SetUp;
  /**
   * What an instance restored from this image holds now, as an image of its
   * own carrying `label` (src/pac/script-image.ts: after a script's
   * evaluation). `memory` is a copy of the instance's memory.
   */
  capture(memory: Uint8Array, label: Uint8Array): Uint8Array;
  /** The random seed an instance restored from this image holds now (a change: Math.random was used). */
  seedOf(qjs: QuickJs): bigint;
}

/**
 * The image at `bytes` when it is whole, belongs to `buildId` and carries
 * `label` (none for the build's image); otherwise why not.
 */
export function openImage(bytes: Uint8Array, buildId: string, label: Uint8Array = new Uint8Array(0)): QuickJsImage | string {
  if (bytes.length < HEAD || latin1(bytes, 0, 8) !== MAGIC) return 'not an image';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getBigUint64(8, true) !== checksum(bytes.subarray(16))) return 'a damaged image';
  if (latin1(bytes, 16, 16 + BUILD_ID_BYTES).replace(/\0+$/, '') !== buildId) return 'an image of another build';
  const [pages, rt, ctx, exception, seedAt, count, labelLength] = [48, 52, 56, 60, 64, 68, 72].map((at) => view.getUint32(at, true)) as [number, number, number, number, number, number, number];
  const size = pages * 65536;
  if (pages === 0 || pages > MEMORY_PAGES || seedAt + 8 > size) return 'an image out of bounds';
  const labelAt = HEAD + count * 8;
  if (labelAt + labelLength > bytes.length) return 'an image out of bounds';
  if (!Buffer.from(label).equals(bytes.subarray(labelAt, labelAt + labelLength))) return 'an image of another script';
  const chunks: [at: number, from: number, length: number][] = [];
  let from = labelAt + labelLength;
  for (let i = 0; i < count; i++) {
    const at = view.getUint32(HEAD + i * 8, true);
    const length = view.getUint32(HEAD + i * 8 + 4, true);
    if (at + length > size || from + length > bytes.length) return 'an image out of bounds';
    chunks.push([at, from, length]);
    from += length;
  }
  if (from !== bytes.length) return 'an image out of bounds';
  const set: Omit<SetUp, 'qjs'> = { rt, ctx, exception };
  return {
    restore(module) {
      const memory = newMemory(pages);
      const qjs = QuickJs.instantiate(module, memory, { constructors: false });
      const heap = qjs.heap();
      for (const [at, start, length] of chunks) heap.set(bytes.subarray(start, start + length), at);
      writeSeed(heap, seedAt);
      applyLimits(qjs, rt);
      return { qjs, ...set };
    },
    capture: (memory, label) => encode(memory, set, seedAt, buildId, label),
    seedOf: (qjs) => new DataView(qjs.heap().buffer).getBigUint64(seedAt, true),
  };
}

/** The image a module carries (scripts/build.mjs puts it there), if any. */
export function imageOf(module: WebAssembly.Module): Uint8Array | undefined {
  const [section] = WebAssembly.Module.customSections(module, IMAGE_SECTION);
  return section && new Uint8Array(section);
}

/** `wasm` with `image` appended as its custom section (WebAssembly core spec §5.5.3). */
export function withImage(wasm: Uint8Array, image: Uint8Array): Uint8Array<ArrayBuffer> {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>>= 7;
    } while (n > 0);
    return out;
  };
  const name = Buffer.from(IMAGE_SECTION, 'utf8');
  const body = [...leb(name.length), ...name];
  return Buffer.concat([wasm, Uint8Array.of(0, ...leb(body.length + image.length), ...body), image]) as Uint8Array<ArrayBuffer>;
}

/**
 * A fresh seed for QuickJS's Math.random (xorshift64*: never 0), from V8's
 * own Math.random, which V8 seeds from the operating system's entropy in
 * every process (node:crypto would cost more than the whole restore).
 */
function writeSeed(heap: Uint8Array, at: number): void {
  const view = new DataView(heap.buffer, heap.byteOffset, heap.byteLength);
  const high = (Math.random() * 2 ** 32) >>> 0;
  const low = (Math.random() * 2 ** 32) >>> 0;
  view.setUint32(at, low === 0 && high === 0 ? 1 : low, true);
  view.setUint32(at + 4, high, true);
}

/**
 * Makes the image (the build does this): two fresh set-ups under two fixed
 * clocks must differ in the 8 bytes of the random seed alone, at the same
 * pointers, and neither may have asked for the time zone or a local time.
 * Throws when that does not hold.
 */
export function makeImage(module: WebAssembly.Module, buildId: string): Uint8Array {
  if (buildId.length === 0 || buildId.length > BUILD_ID_BYTES || !/^[\x21-\x7e]+$/.test(buildId)) throw new Error(`bad build id ${JSON.stringify(buildId)}`);
  const clocks = [1_234_567_890_123, 1_987_654_321_987] as const;
  const setUpAt = (clock: number) => {
    const qjs = QuickJs.instantiate(module, newMemory(), { clock: () => clock });
    const s = setUpFresh(qjs);
    if (typeof s === 'string') throw new Error(`QuickJS set-up failed: ${s}`);
    if (qjs.localTimeReads !== 0) throw new Error('the QuickJS set-up read the time zone or a local time');
    return { s, memory: qjs.heap().slice() };
  };
  const a = setUpAt(clocks[0]);
  const b = setUpAt(clocks[1]);
  if (a.s.rt !== b.s.rt || a.s.ctx !== b.s.ctx || a.s.exception !== b.s.exception || a.memory.length !== b.memory.length) {
    throw new Error('two QuickJS set-ups differ in their pointers or size');
  }
  const seedAt = findSeed(a.memory, b.memory, [BigInt(clocks[0]) * 1000n, BigInt(clocks[1]) * 1000n]);
  return encode(a.memory, a.s, seedAt, buildId, new Uint8Array(0));
}

/** Where the two memories differ: exactly the aligned 8 bytes holding each clock's seed (µs since the epoch). */
function findSeed(a: Uint8Array, b: Uint8Array, seeds: [bigint, bigint]): number {
  let first = -1;
  let last = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (first < 0) first = i;
    last = i;
  }
  const at = first & ~7;
  if (first < 0 || last >= at + 8
    || new DataView(a.buffer).getBigUint64(at, true) !== seeds[0] || new DataView(b.buffer).getBigUint64(at, true) !== seeds[1]) {
    throw new Error('two QuickJS set-ups under two clocks differ elsewhere than in a random seed');
  }
  return at;
}

function encode(memory: Uint8Array, s: Omit<SetUp, 'qjs'>, seedAt: number, buildId: string, label: Uint8Array): Uint8Array {
  const chunks: [number, number][] = [];
  const bytes = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  for (let at = 0; at < memory.length; at += BLOCK) {
    // A native comparison per block: a loop over 16 MiB here would cost more than the image saves.
    if (bytes.subarray(at, at + BLOCK).equals(ZERO_BLOCK)) continue;
    const last = chunks[chunks.length - 1];
    if (last && last[0] + last[1] === at) last[1] += BLOCK;
    else chunks.push([at, BLOCK]);
  }
  const labelAt = HEAD + chunks.length * 8;
  const dataAt = labelAt + label.length;
  const out = new Uint8Array(dataAt + chunks.reduce((n, [, length]) => n + length, 0));
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  out.set(Buffer.from(buildId, 'latin1'), 16);
  [memory.length / 65536, s.rt, s.ctx, s.exception, seedAt, chunks.length, label.length].forEach((v, i) => view.setUint32(48 + i * 4, v, true));
  out.set(label, labelAt);
  let from = dataAt;
  chunks.forEach(([at, length], i) => {
    view.setUint32(HEAD + i * 8, at, true);
    view.setUint32(HEAD + i * 8 + 4, length, true);
    out.set(memory.subarray(at, at + length), from);
    from += length;
  });
  // The seed an image holds is never used (restore writes a fresh one): keep none.
  out.fill(0, ...seedRange(chunks, dataAt, seedAt));
  view.setBigUint64(8, checksum(out.subarray(16)), true);
  return out;
}

/** Where the seed's 8 bytes are in the encoded chunks (an empty range when in none). */
function seedRange(chunks: [number, number][], dataAt: number, seedAt: number): [number, number] {
  let from = dataAt;
  for (const [at, length] of chunks) {
    if (seedAt >= at && seedAt + 8 <= at + length) return [from + seedAt - at, from + seedAt - at + 8];
    from += length;
  }
  return [0, 0];
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/**
 * The launcher's payload checksum (bin/connect.cjs checksummer(), whose
 * comment has the module's text: a 64-bit FNV-1a over 8-byte words in four
 * interleaved lanes, starting from the length). It runs as WebAssembly:
 * node:crypto would cost more than the restore saves. The bytes are copied
 * into the module's memory with zeros after them (the loop reads whole
 * 32-byte rounds).
 */
function checksum(bytes: Uint8Array): bigint {
  const wasm = 'AGFzbQEAAAABBwFgAn9/AX4DAgEABQMBAAQHCQIBaAAAAW0CAArOAQHLAQEEfkKlxoihyJyn+UsgASAAa62FIQJCpMaIocicp/lLIQNCp8aIocicp/lLIQRCpsaIocicp/lLIQUCQCAAIAFPDQADQCACIAApAwCFQrODgICAIH4hAiADIAApAwiFQrODgICAIH4hAyAEIAApAxCFQrODgICAIH4hBCAFIAApAxiFQrODgICAIH4hBSAAQSBqIgAgAUkNAAsLIAIgA4VCs4OAgIAgfiECIAIgBIVCs4OAgIAgfiECIAIgBYVCs4OAgIAgfiECIAIL';
  const { h, m } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'base64'))).exports as { h: (at: number, end: number) => bigint; m: WebAssembly.Memory };
  const pages = Math.ceil((bytes.length + 32) / 65536) - m.buffer.byteLength / 65536;
  if (pages > 0) m.grow(pages);
  new Uint8Array(m.buffer).set(bytes);
  return BigInt.asUintN(64, h(0, bytes.length));
}
