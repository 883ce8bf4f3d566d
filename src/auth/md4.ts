/**
 * MD4 (RFC 1320), pure: the NT hash needs it and Node 20's OpenSSL 3 no
 * longer provides it (`createHash('md4')` throws ERR_OSSL_EVP_UNSUPPORTED).
 * Used to hash a password once per NTLM handshake. See the README's design
 * notes for why it is ours.
 */

/** §3.4: per-round shift amounts, four per round. */
const SHIFTS = [3, 7, 11, 19, 3, 5, 9, 13, 3, 9, 11, 15];
/** §3.4: the message word each step reads (round 3's order is its own). */
const ROUND3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const WORD = Uint8Array.from({ length: 48 }, (_, i) => (i < 16 ? i : i < 32 ? ((i & 3) << 2) | ((i >> 2) & 3) : ROUND3[i & 15]!));
const ADD = [0, 0x5a827999, 0x6ed9eba1];

// Plain locals and typed arrays, no destructuring: this runs once per
// session, in V8's interpreter, where every allocation counts.
export function md4(message: Uint8Array): Buffer {
  const blocks = ((message.length + 8) >> 6) + 1;
  const padded = new Uint8Array(blocks << 6); // §3.1-3.2: 0x80, zeros to 56 mod 64, bit length little-endian
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, (message.length * 8) >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(message.length / 2 ** 29), true);
  let h0 = 0x67452301, h1 = 0xefcdab89 | 0, h2 = 0x98badcfe | 0, h3 = 0x10325476;
  const x = new Int32Array(16);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getInt32(block + i * 4, true);
    let a = h0, b = h1, c = h2, d = h3;
    for (let i = 0; i < 48; i++) {
      const round = i >> 4;
      const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const sum = (a + f + x[WORD[i]!]! + ADD[round]!) | 0;
      const s = SHIFTS[(round << 2) | (i & 3)]!;
      a = d;
      d = c;
      c = b;
      b = (sum << s) | (sum >>> (32 - s));
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
  }
  const out = Buffer.alloc(16);
  out.writeInt32LE(h0, 0);
  out.writeInt32LE(h1, 4);
  out.writeInt32LE(h2, 8);
  out.writeInt32LE(h3, 12);
  return out;
}
