/**
 * The fake HTTP proxy's authentication: Basic (RFC 7617) and Digest
 * (RFC 7616) challenges and their verification. This Digest verifier is
 * written independently of src/auth/digest.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ProxyRequest } from './types.js';

export type DigestAlgo = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface ProxyAuth {
  user: string;
  password: string;
  /** Challenges offered, in order, e.g. ['Basic'] (the default) or ['Digest-MD5', 'Digest-SHA-256', 'Basic']. */
  offer?: ('Basic' | `Digest-${DigestAlgo}`)[];
  realm?: string;
  /** Digest without qop (RFC 2069 form). */
  noQop?: boolean;
  /** The first correct Digest answer gets 407 stale=true and a fresh nonce. */
  staleOnce?: boolean;
}

type Verdict = NonNullable<ProxyRequest['auth']>;

/** One proxy's credentials and the nonces it has handed out. */
export class Authority {
  private readonly offer: NonNullable<ProxyAuth['offer']>;
  private readonly realm: string;
  private nonces = new Set<string>();
  private staleSent = false;

  constructor(private readonly auth: ProxyAuth) {
    this.offer = auth.offer ?? ['Basic'];
    this.realm = auth.realm ?? 'test proxy';
  }

  check(req: IncomingMessage): Verdict {
    const value = req.headers['proxy-authorization'];
    if (!value) return 'none';
    const [scheme = '', rest = ''] = splitOnce(value, ' ');
    if (scheme.toLowerCase() === 'basic' && this.offer.includes('Basic')) {
      return Buffer.from(rest, 'base64').toString() === `${this.auth.user}:${this.auth.password}` ? 'ok' : 'bad';
    }
    return scheme.toLowerCase() === 'digest' ? this.checkDigest(parseParams(rest), req) : 'bad';
  }

  private checkDigest(p: Record<string, string>, req: IncomingMessage): Verdict {
    const algo = (p.algorithm ?? 'MD5') as DigestAlgo;
    if (!this.offer.includes(`Digest-${algo}`) || !p.nonce || !this.nonces.has(p.nonce)) return 'bad';
    if (p.uri !== req.url || p.username !== this.auth.user || p.realm !== this.realm) return 'bad';
    if (p.response !== this.expectedResponse(algo, p, req.method ?? '')) return 'bad';
    if (this.auth.staleOnce && !this.staleSent) {
      this.staleSent = true;
      this.nonces.delete(p.nonce);
      return 'stale';
    }
    return 'ok';
  }

  /** The 407 with one challenge per offered scheme, fresh nonces. */
  challenge(stale: boolean): string {
    const lines = this.offer.map((o) => {
      if (o === 'Basic') return `Proxy-Authenticate: Basic realm="${this.realm}"`;
      const nonce = randomBytes(12).toString('base64');
      this.nonces.add(nonce);
      const qop = this.auth.noQop ? '' : ', qop="auth"';
      return `Proxy-Authenticate: Digest realm="${this.realm}", nonce="${nonce}", algorithm=${o.slice(7)}${qop}, opaque="op-${o.slice(7)}"${stale ? ', stale=true' : ''}`;
    });
    return `HTTP/1.1 407 Proxy Authentication Required\r\n${lines.join('\r\n')}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
  }

  /** RFC 7616 §3.4.1, computed here from scratch. */
  private expectedResponse(algo: DigestAlgo, p: Record<string, string>, method: string): string {
    const H = (s: string) => createHash(algo.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');
    let a1 = H([this.auth.user, this.realm, this.auth.password].join(':'));
    if (algo.endsWith('-sess')) a1 = H([a1, p.nonce, p.cnonce].join(':'));
    const a2 = H([method, p.uri].join(':'));
    if (this.auth.noQop) return p.qop === undefined ? H([a1, p.nonce, a2].join(':')) : 'qop-not-offered';
    if (p.qop !== 'auth' || !/^[0-9a-f]{8}$/.test(p.nc ?? '')) return 'bad-qop-or-nc';
    return H([a1, p.nonce, p.nc, p.cnonce, p.qop, a2].join(':'));
  }
}

/** `a="x", b=y` → {a: 'x', b: 'y'} (quoted-pair unescaped). */
export function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return out;
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + sep.length).trim()];
}
