/**
 * NTLMv2 messages (MS-NLMP), pure: bytes in, bytes out, no I/O, no
 * randomness (the caller brings the client challenge). Only NTLMv2 is
 * built: LM and NTLMv1 responses are never computed (§3.3.2, not §3.3.1).
 * No signing or sealing is negotiated: HTTP proxy authentication needs neither.
 */
import { md4 } from './md4.js';
import { hmacMd5 } from './md5.js';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** §2.2.2.5 NEGOTIATE flags (the ones we send or read). */
export const FLAGS = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  LM_KEY: 0x00000080,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  KEY_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  KEY_56: 0x80000000,
} as const;

const OUR_FLAGS = FLAGS.UNICODE | FLAGS.OEM | FLAGS.REQUEST_TARGET | FLAGS.NTLM | FLAGS.ALWAYS_SIGN
  | FLAGS.EXTENDED_SESSIONSECURITY | FLAGS.KEY_128 | FLAGS.KEY_56;

/** §2.2.2.1 AV_PAIR ids we read or write. */
const AV = { EOL: 0, FLAGS: 6, TIMESTAMP: 7 } as const;
/** §2.2.2.1 MsvAvFlags bit: the AUTHENTICATE_MESSAGE carries a MIC. */
const AV_FLAG_MIC = 0x2;

/** Type 3 header: fixed fields (64), Version (8), MIC (16); the payload follows. */
const TYPE3_HEADER = 88;
const MIC_OFFSET = 72;

export class NtlmFormatError extends Error {}

/** §2.2.1.1 NEGOTIATE_MESSAGE (Type 1): flags only, no domain or workstation supplied. */
export function negotiateMessage(): Buffer {
  const m = Buffer.alloc(32);
  SIGNATURE.copy(m, 0);
  m.writeUInt32LE(1, 8);
  m.writeUInt32LE(OUR_FLAGS >>> 0, 12);
  return m; // both security buffers empty, offset 32
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  /** Raw AV_PAIR list (may be empty, as squid's ntlm_fake_auth sends). */
  targetInfo: Buffer;
  /** MsvAvTimestamp (FILETIME, 8 bytes) when the server sent one. */
  timestamp?: Buffer;
  /** The message as received: the MIC covers it. */
  raw: Buffer;
}

/** §2.2.1.2 CHALLENGE_MESSAGE (Type 2). Throws NtlmFormatError on anything malformed. */
export function parseChallenge(raw: Buffer): ChallengeMessage {
  if (raw.length < 32 || !raw.subarray(0, 8).equals(SIGNATURE)) throw new NtlmFormatError('not an NTLM message');
  if (raw.readUInt32LE(8) !== 2) throw new NtlmFormatError(`NTLM message type ${raw.readUInt32LE(8)} where a challenge (2) was expected`);
  const flags = raw.readUInt32LE(20);
  // Without the TARGET_INFO flag, bytes 40-48 may be payload (squid's ntlm_fake_auth puts its target name there).
  const targetInfo = raw.length >= 48 && (flags & FLAGS.TARGET_INFO) !== 0 ? securityBuffer(raw, 40) : Buffer.alloc(0);
  const out: ChallengeMessage = { flags, serverChallenge: Buffer.from(raw.subarray(24, 32)), targetInfo, raw };
  const timestamp = avPairs(targetInfo).find((p) => p.id === AV.TIMESTAMP)?.value;
  if (timestamp?.length === 8) out.timestamp = timestamp;
  return out;
}

/** §2.2.2.1: the pairs before MsvAvEOL; an empty list is allowed (squid's ntlm_fake_auth sends one). */
export function avPairs(info: Buffer): Array<{ id: number; value: Buffer }> {
  const pairs: Array<{ id: number; value: Buffer }> = [];
  if (info.length === 0) return pairs;
  for (let at = 0; at + 4 <= info.length;) {
    const id = info.readUInt16LE(at);
    const len = info.readUInt16LE(at + 2);
    if (id === AV.EOL) return pairs;
    if (at + 4 + len > info.length) throw new NtlmFormatError('NTLM target info overruns its buffer');
    pairs.push({ id, value: info.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  throw new NtlmFormatError('NTLM target info lacks its end marker');
}

function securityBuffer(m: Buffer, at: number): Buffer {
  const len = m.readUInt16LE(at);
  if (len === 0) return Buffer.alloc(0); // the offset of an empty field is noise (squid's ntlm_fake_auth sends garbage there)
  const offset = m.readUInt32LE(at + 4);
  if (offset + len > m.length) throw new NtlmFormatError('NTLM security buffer points outside the message');
  return m.subarray(offset, offset + len);
}

/** §3.3.1 NTOWFv1 input: MD4 of the UTF-16LE password (also what a stored NT hash holds). */
export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** §3.3.2 NTOWFv2: HMAC-MD5 keyed with the NT hash over UPPER(user) + domain, UTF-16LE. */
export function ntowfv2(nt: Buffer, user: string, domain: string): Buffer {
  return hmac(nt, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

export interface Identity {
  user: string;
  /** Empty for a UPN (`alice@corp.example.com` goes whole in `user`). */
  domain: string;
}

/** `DOMAIN\user` → domain and user; anything else (a UPN, a bare name) is the user, domain empty. */
export function splitIdentity(name: string): Identity {
  const slash = name.indexOf('\\');
  return slash < 0 ? { user: name, domain: '' } : { user: name.slice(slash + 1), domain: name.slice(0, slash) };
}

export interface AuthenticateInput {
  challenge: ChallengeMessage;
  /** The Type 1 we sent: the MIC covers it. */
  negotiate: Buffer;
  identity: Identity;
  /** The NT hash (ntHash(password), or a stored one). */
  nt: Buffer;
  workstation?: string;
  /** 8 random bytes (tests pass §4.2's 0xaa…). */
  clientChallenge: Buffer;
  /** FILETIME when the server sent no MsvAvTimestamp; now when omitted. */
  time?: Buffer;
}

export interface Authenticate {
  message: Buffer;
  /** §3.3.2 pieces, exposed for the §4.2 vector tests. */
  ntProof: Buffer;
  sessionBaseKey: Buffer;
  mic: boolean;
}

/** §2.2.1.3 AUTHENTICATE_MESSAGE (Type 3) with the §3.3.2 NTLMv2 response; MIC when the server sent a timestamp (§3.1.5.1.2). */
export function authenticateMessage(input: AuthenticateInput): Authenticate {
  const { challenge, identity } = input;
  const key = ntowfv2(input.nt, identity.user, identity.domain);
  const client = input.clientChallenge;
  const withMic = challenge.timestamp !== undefined;
  const info = withMic ? addMicFlag(challenge.targetInfo) : challenge.targetInfo;
  const time = challenge.timestamp ?? input.time ?? filetime(Date.now());
  const temp = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), time, client, Buffer.alloc(4), info, Buffer.alloc(4)]);
  const ntProof = hmac(key, Buffer.concat([challenge.serverChallenge, temp]));
  const sessionBaseKey = hmac(key, ntProof);
  // §3.3.2: with a timestamp the LM response is Z(24); otherwise LMv2.
  const lm = withMic ? Buffer.alloc(24) : Buffer.concat([hmac(key, Buffer.concat([challenge.serverChallenge, client])), client]);
  const unicode = (challenge.flags & FLAGS.UNICODE) !== 0;
  const text = (s: string) => Buffer.from(s, unicode ? 'utf16le' : 'latin1');
  const flags = (challenge.flags & OUR_FLAGS & ~(FLAGS.UNICODE | FLAGS.OEM)) | (unicode ? FLAGS.UNICODE : FLAGS.OEM);
  const message = type3(flags, [lm, Buffer.concat([ntProof, temp]), text(identity.domain), text(identity.user), text(input.workstation ?? '')]);
  if (withMic) {
    // §3.1.5.1.2: ExportedSessionKey is the session base key (no KEY_EXCH); MIC over all three messages.
    hmac(sessionBaseKey, Buffer.concat([input.negotiate, challenge.raw, message])).copy(message, MIC_OFFSET);
  }
  return { message, ntProof, sessionBaseKey, mic: withMic };
}

/** Fields in §2.2.1.3 order: LM, NT, domain, user, workstation; then an empty session key. */
function type3(flags: number, fields: Buffer[]): Buffer {
  const header = Buffer.alloc(TYPE3_HEADER);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let offset = TYPE3_HEADER;
  fields.forEach((f, i) => {
    header.writeUInt16LE(f.length, 12 + i * 8);
    header.writeUInt16LE(f.length, 14 + i * 8);
    header.writeUInt32LE(offset, 16 + i * 8);
    offset += f.length;
  });
  header.writeUInt32LE(offset, 52); // EncryptedRandomSessionKey: empty
  header.writeUInt32LE(flags >>> 0, 60);
  return Buffer.concat([header, ...fields]);
}

/** The server's AV pairs with MsvAvFlags' MIC bit set (added when absent), EOL last. */
function addMicFlag(info: Buffer): Buffer {
  const pairs = avPairs(info);
  const flags = pairs.find((p) => p.id === AV.FLAGS);
  const value = Buffer.alloc(4);
  value.writeUInt32LE(((flags?.value.length === 4 ? flags.value.readUInt32LE(0) : 0) | AV_FLAG_MIC) >>> 0);
  const out = pairs.filter((p) => p.id !== AV.FLAGS).concat({ id: AV.FLAGS, value });
  return Buffer.concat([...out.map(avPair), avPair({ id: AV.EOL, value: Buffer.alloc(0) })]);
}

function avPair({ id, value }: { id: number; value: Buffer }): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

/** Windows FILETIME: 100 ns ticks since 1601-01-01, little-endian. */
export function filetime(ms: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Math.floor(ms)) + 11_644_473_600_000n) * 10_000n);
  return out;
}

/** Flag names for -d (the message's flags, never its secrets). */
export function describeFlags(flags: number): string {
  const names = Object.entries(FLAGS).filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
  return `0x${(flags >>> 0).toString(16).padStart(8, '0')} (${names.join(' ') || 'none'})`;
}

/** The message type of an NTLMSSP token, or undefined when it is none. */
export function messageType(token: Buffer): number | undefined {
  return token.length >= 12 && token.subarray(0, 8).equals(SIGNATURE) ? token.readUInt32LE(8) : undefined;
}

/**
 * The NTLMSSP message inside a Negotiate token: the token itself, or (a
 * SPNEGO NegTokenResp, RFC 4178 §4.2.2) the part from the NTLMSSP signature on.
 */
export function findNtlmssp(token: Buffer): Buffer | undefined {
  const at = token.indexOf(SIGNATURE);
  return at < 0 ? undefined : token.subarray(at);
}

const hmac = hmacMd5;
