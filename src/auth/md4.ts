/**
 * MD4 (RFC 1320), pure: the NT hash needs it and Node 20's OpenSSL 3 no
 * longer provides it (`createHash('md4')` throws ERR_OSSL_EVP_UNSUPPORTED).
 * Used to hash a password once per NTLM handshake. See the README's design
 * notes for why it is ours.
 */
import { mdDigest } from './md-common.js';

/** §3.4: per-round shift amounts, four per round. */
const SHIFTS = [3, 7, 11, 19, 3, 5, 9, 13, 3, 9, 11, 15];
/** §3.4: the message word each step reads (round 3's order is its own). */
const ROUND3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const WORD = Uint8Array.from({ length: 48 }, (_, i) => (i < 16 ? i : i < 32 ? ((i & 3) << 2) | ((i >> 2) & 3) : ROUND3[i & 15]!));
const ADD = [0, 0x5a827999, 0x6ed9eba1];

// Plain locals and typed arrays, no destructuring: this runs once per
// session, in V8's interpreter, where every allocation counts.
export function md4(message: Uint8Array): Buffer {
  return mdDigest(message, compress);
}

function compress(x: Int32Array, state: Int32Array): void {
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
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
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}
