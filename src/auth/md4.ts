/**
 * MD4 (RFC 1320), pure: the NT hash needs it and Node 20's OpenSSL 3 no
 * longer provides it (`createHash('md4')` throws ERR_OSSL_EVP_UNSUPPORTED).
 * Used only to hash a password once per NTLM handshake, so it favours
 * brevity over speed. See the README's design notes for why it is ours.
 */

const S = [[3, 7, 11, 19], [3, 5, 9, 13], [3, 9, 11, 15]] as const;
/** §3.4 round 3 word order. */
const ROUND3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

export function md4(message: Uint8Array): Buffer {
  const bitLength = message.length * 8;
  // §3.1-3.2: pad with 0x80 then zeros to 56 mod 64, then the 64-bit length, little-endian.
  const padded = Buffer.alloc((((message.length + 8) >> 6) + 1) << 6);
  padded.set(message);
  padded[message.length] = 0x80;
  padded.writeUInt32LE(bitLength >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bitLength / 2 ** 32), padded.length - 4);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const x = new Array<number>(16);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(block + i * 4);
    let [a, b, c, d] = h as [number, number, number, number];
    for (let i = 0; i < 48; i++) {
      const round = i >> 4;
      const k = round === 0 ? i : round === 1 ? ((i & 3) << 2) | ((i >> 2) & 3) : ROUND3[i & 15]!;
      const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const add = round === 0 ? 0 : round === 1 ? 0x5a827999 : 0x6ed9eba1;
      const t = rotl((a + f + x[k]! + add) | 0, S[round]![i & 3]!);
      [a, b, c, d] = [d, t, b, c];
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
  }
  const out = Buffer.alloc(16);
  h.forEach((v, i) => out.writeInt32LE(v, i * 4));
  return out;
}
