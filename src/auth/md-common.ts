/**
 * What MD4 (RFC 1320) and MD5 (RFC 1321) share: the padding (§3.1-3.2), the
 * initial state (§3.3) and the little-endian output (§3.5). Each hash gives
 * its own compression of one 16-word block into the state.
 */

export type Compress = (x: Int32Array, state: Int32Array) => void;

export function mdDigest(message: Uint8Array, compress: Compress): Buffer {
  const blocks = ((message.length + 8) >> 6) + 1;
  const padded = new Uint8Array(blocks << 6); // 0x80, zeros to 56 mod 64, bit length little-endian
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, (message.length * 8) >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(message.length / 2 ** 29), true);
  const state = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
  const x = new Int32Array(16);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getInt32(block + i * 4, true);
    compress(x, state);
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) out.writeInt32LE(state[i]!, i * 4);
  return out;
}
