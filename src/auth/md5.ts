/**
 * MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), pure. node:crypto has both, but
 * loading it is a large part of an NTLM session's start-up and nothing else
 * on that path needs it (README design notes, test/bench/NOTES.md). NTLMv2
 * hashes a few hundred bytes per handshake.
 */
import { mdDigest } from './md-common.js';

/** §3.4: per-round shift amounts, four per round. */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
/** §3.4: T[i] = floor(2^32 × |sin(i + 1)|). */
const T = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
/** §3.4: the message word each step reads. */
const WORD = Uint8Array.from({ length: 64 }, (_, i) => [i, 5 * i + 1, 3 * i + 5, 7 * i][i >> 4]! & 15);

// Plain locals and typed arrays, no destructuring: this runs a handful of
// times per session, in V8's interpreter, where every allocation counts.
export function md5(message: Uint8Array): Buffer {
  return mdDigest(message, compress);
}

function compress(x: Int32Array, state: Int32Array): void {
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  for (let i = 0; i < 64; i++) {
    const round = i >> 4;
    const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (b & d) | (c & ~d) : round === 2 ? b ^ c ^ d : c ^ (b | ~d);
    const sum = (a + f + x[WORD[i]!]! + T[i]!) | 0;
    const s = SHIFTS[(round << 2) | (i & 3)]!;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

/** RFC 2104 §2 with B = 64: H(K ^ opad, H(K ^ ipad, text)). */
export function hmacMd5(key: Uint8Array, data: Uint8Array): Buffer {
  const k = Buffer.alloc(64);
  k.set(key.length > 64 ? md5(key) : key);
  const inner = Buffer.alloc(64 + data.length);
  const outer = Buffer.alloc(64 + 16);
  for (let i = 0; i < 64; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  inner.set(data, 64);
  outer.set(md5(inner), 64);
  return md5(outer);
}
