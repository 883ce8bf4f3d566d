/**
 * HTTP Digest access authentication for proxies (RFC 7616), pure: parsed
 * challenges in, a `Proxy-Authorization` value out. Supports qop=auth and
 * the qop-less RFC 2069 form, MD5, SHA-256, SHA-512-256 and their -sess variants,
 * userhash (§3.4.4). The password is only ever hashed, never echoed.
 */
import { createHash, randomBytes } from 'node:crypto';

/** One challenge as src/protocols/http-wire.ts parseChallenges() gives it. */
export interface Challenge {
  scheme: string;
  /** Parameter names lower-case; quoted values unquoted. */
  params: Record<string, string>;
}

type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  /** Offered qop values (lower-case); empty: RFC 2069 form. */
  qop: string[];
  opaque?: string;
  stale: boolean;
  userhash: boolean;
}

export interface DigestRequest {
  /** "CONNECT" for proxies. */
  method: string;
  /** The request-target: "host:port" for CONNECT (RFC 9110 §9.3.6). */
  uri: string;
  user: string;
  password: string;
  /** Client nonce; random when omitted (injectable for tests). */
  cnonce?: string;
  /** Nonce count, 1 for a first use of a nonce. */
  nc?: number;
}

/** §3.3 / §6.1: hash algorithms we implement, weakest first. */
const HASHES: Record<string, { name: DigestAlgorithm; hash: 'md5' | 'sha256' | 'sha512-256'; rank: number }> = {
  'md5': { name: 'MD5', hash: 'md5', rank: 1 },
  'md5-sess': { name: 'MD5-sess', hash: 'md5', rank: 1 },
  'sha-256': { name: 'SHA-256', hash: 'sha256', rank: 2 },
  'sha-256-sess': { name: 'SHA-256-sess', hash: 'sha256', rank: 2 },
  'sha-512-256': { name: 'SHA-512-256', hash: 'sha512-256', rank: 3 },
  'sha-512-256-sess': { name: 'SHA-512-256-sess', hash: 'sha512-256', rank: 3 },
};

/** A Digest challenge's parameters, or undefined when unusable (no nonce, unknown algorithm, only auth-int). */
export function parseDigestChallenge(params: Record<string, string>): DigestChallenge | undefined {
  const algo = HASHES[(params.algorithm ?? 'MD5').toLowerCase()];
  if (!algo || params.nonce === undefined) return undefined;
  const qop = (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== '');
  if (qop.length > 0 && !qop.includes('auth')) return undefined; // auth-int needs a body; CONNECT has none worth it
  const out: DigestChallenge = {
    realm: params.realm ?? '',
    nonce: params.nonce,
    algorithm: algo.name,
    qop,
    stale: (params.stale ?? '').toLowerCase() === 'true',
    userhash: (params.userhash ?? '').toLowerCase() === 'true',
  };
  if (params.opaque !== undefined) out.opaque = params.opaque;
  return out;
}

/** §3.7: of several Digest challenges, the strongest usable one (SHA-512-256 over SHA-256 over MD5; first wins a tie). */
export function pickDigest(challenges: readonly Challenge[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const c of challenges) {
    if (c.scheme.toLowerCase() !== 'digest') continue;
    const d = parseDigestChallenge(c.params);
    if (d && (!best || rank(d) > rank(best))) best = d;
  }
  return best;
}

/**
 * The offered schemes for an error message, each unusable Digest challenge
 * with the reason (an unknown algorithm is not "no Digest").
 */
export function describeOffered(challenges: readonly Challenge[]): string {
  if (challenges.length === 0) return 'none';
  return challenges.map((c) => {
    const why = c.scheme.toLowerCase() === 'digest' ? digestProblem(c.params) : undefined;
    return why ? `${c.scheme} (${why})` : c.scheme;
  }).join(', ');
}

function digestProblem(params: Record<string, string>): string | undefined {
  const algorithm = params.algorithm ?? 'MD5';
  if (!HASHES[algorithm.toLowerCase()]) return `algorithm ${JSON.stringify(algorithm)} is not supported`;
  if (params.nonce === undefined) return 'no nonce';
  if (parseDigestChallenge(params) === undefined) return `qop ${JSON.stringify(params.qop ?? '')} without auth`;
  return undefined;
}

/** Digest when a usable Digest challenge is offered, else Basic when offered. */
export function chooseAuth(challenges: readonly Challenge[]): 'digest' | 'basic' | undefined {
  if (pickDigest(challenges)) return 'digest';
  return challenges.some((c) => c.scheme.toLowerCase() === 'basic') ? 'basic' : undefined;
}

/**
 * After a 407 to a request that carried Digest credentials: §3.3 stale=true
 * means the nonce expired but the credentials were fine, so retry once with
 * the new nonce (and without asking for the password again).
 */
export function isStaleRetry(challenges: readonly Challenge[], staleRetriesDone: number): boolean {
  return staleRetriesDone === 0 && pickDigest(challenges)?.stale === true;
}

/** §3.4: the `Proxy-Authorization` header value. */
export function digestAuthorization(ch: DigestChallenge, req: DigestRequest): string {
  const { hash } = HASHES[ch.algorithm.toLowerCase()]!;
  const H = (s: string) => createHash(hash).update(s, 'utf8').digest('hex');
  const cnonce = req.cnonce ?? randomBytes(16).toString('hex');
  const nc = (req.nc ?? 1).toString(16).padStart(8, '0');
  const qop = ch.qop.length > 0 ? 'auth' : undefined;
  let ha1 = H(`${req.user}:${ch.realm}:${req.password}`); // §3.4.2
  if (ch.algorithm.endsWith('-sess')) ha1 = H(`${ha1}:${ch.nonce}:${cnonce}`);
  const ha2 = H(`${req.method}:${req.uri}`); // §3.4.3, qop=auth
  const response = qop ? H(`${ha1}:${ch.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : H(`${ha1}:${ch.nonce}:${ha2}`); // §3.4.1; RFC 2069 §2.1.2
  const fields: string[] = [userField(ch, req.user, H)];
  fields.push(`realm=${quote(ch.realm)}`, `nonce=${quote(ch.nonce)}`, `uri=${quote(req.uri)}`, `algorithm=${ch.algorithm}`);
  if (qop) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  fields.push(`response=${quote(response)}`);
  if (ch.opaque !== undefined) fields.push(`opaque=${quote(ch.opaque)}`);
  if (ch.userhash) fields.push('userhash=true');
  return `Digest ${fields.join(', ')}`;
}

/** §3.4.4: hashed user name, or username* (RFC 8187) when it cannot be a quoted-string. */
function userField(ch: DigestChallenge, user: string, H: (s: string) => string): string {
  if (ch.userhash) return `username=${quote(H(`${user}:${ch.realm}`))}`;
  if (/^[\x20-\x7e]*$/.test(user)) return `username=${quote(user)}`;
  return `username*=UTF-8''${encodeURIComponent(user).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** RFC 9110 §5.6.4 quoted-string. */
function quote(value: string): string {
  // Control characters never reach a header line (no injection through realm/nonce/opaque).
  return `"${value.replace(/[\x00-\x1f\x7f]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function rank(d: DigestChallenge): number {
  return HASHES[d.algorithm.toLowerCase()]!.rank;
}
