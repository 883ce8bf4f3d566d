/**
 * HTTP CONNECT negotiation over an already-connected stream, written by hand
 * over HandshakeReader rather than through undici (see README design notes:
 * undici cannot send connect.c's HTTP/1.0 request, adds `connection: close`,
 * and is slow to load).
 *
 * The first request is connect.c's, without credentials. A 401/407 names
 * the schemes the proxy takes; the strongest one we speak is chosen (README
 * "Proxy authentication"): Basic and Digest reconnect and repeat the request
 * with Proxy-Authorization; NTLM and Negotiate reconnect and run their
 * rounds on that one connection (./http-ntlm.ts).
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { logger, shownUser } from '../log.js';
import { proxyPassword, proxyUser } from './credentials.js';
import type { NegotiateContext } from './types.js';
import { describeProxy } from '../address.js';
import { challengesOf, connected, exchange, isSuccess } from './http-exchange.js';
import * as wire from './http-wire.js';

const log = logger('http');

/** What we can answer a challenge with, in the order we prefer them. */
export type Scheme = 'digest' | 'ntlm' | 'negotiate' | 'basic';

export async function negotiate(stream: Duplex, ctx: NegotiateContext): Promise<Duplex> {
  const peer = describeProxy(ctx.proxy);
  const target = wire.requestTarget(ctx.target); // BAD_INPUT before anything is sent
  // Every stream here belongs to the dialer (src/dial/proxy.ts): it destroys
  // them on failure, and ctx.reconnect() gives up the one in use at once.
  const { head, reader } = await exchange(stream, target, peer);
  if (isSuccess(head)) return connected({ head, reader }, target);
  reader.detach(); // a body after a refusal is never read
  const challenges = challengesOf(head, peer, target);
  const scheme = await chooseScheme(challenges);
  if (!scheme) {
    const offered = (await import('../auth/digest.js')).describeOffered(challenges);
    throw new ConnectError('AUTH', `${peer} requires authentication for ${target} (${head.status}); offered schemes: ${offered}; connect supports Negotiate (NTLM inside), NTLM (v2), Digest (MD5, SHA-256, SHA-512-256, qop=auth) and Basic`);
  }
  log('%s offers %s; using %s', peer, challenges.map((c) => c.scheme).join(', '), scheme);
  if (scheme === 'negotiate') return (await import('./http-negotiate.js')).negotiateNegotiate(ctx, target, peer);
  if (scheme === 'ntlm') return (await import('./http-ntlm.js')).negotiateNtlm(ctx, scheme, target, peer);
  return retryWithCredentials(ctx, scheme, challenges, target, peer);
}

/**
 * README "Proxy authentication": Digest (its strongest algorithm), NTLM,
 * Negotiate, Basic — curl's --anyauth order, except that Negotiate comes
 * after NTLM unless Kerberos can be tried (the optional `kerberos` package
 * loads, asked only when a proxy offers both): otherwise it carries the same NTLM.
 */
export async function chooseScheme(challenges: readonly wire.Challenge[], kerberosLoads = defaultKerberosLoads): Promise<Scheme | undefined> {
  const offered = (scheme: string) => challenges.some((c) => c.scheme === scheme);
  if (offered('digest') && (await import('../auth/digest.js')).pickDigest(challenges)) return 'digest';
  if (offered('negotiate') && offered('ntlm') && (await kerberosLoads())) return 'negotiate';
  for (const scheme of ['ntlm', 'negotiate', 'basic'] as const) if (offered(scheme)) return scheme;
  return undefined;
}

async function defaultKerberosLoads(): Promise<boolean> {
  return (await import('../auth/kerberos.js')).load().ok;
}

/** Basic or Digest: a fresh connection per try; one more after a stale Digest nonce (RFC 7616 §3.3). */
async function retryWithCredentials(ctx: NegotiateContext, scheme: 'basic' | 'digest', challenges: wire.Challenge[], target: string, peer: string): Promise<Duplex> {
  const user = proxyUser(ctx);
  const password = await proxyPassword(ctx, 'http');
  for (let staleRetries = 0; ; staleRetries++) {
    const authorization = await authorize(scheme, challenges, user, password, target);
    log('reconnecting to %s to send credentials', peer);
    const response = await exchange(await ctx.reconnect(), target, peer, { authorization });
    if (isSuccess(response.head)) return connected(response, target);
    response.reader.detach();
    challenges = challengesOf(response.head, peer, target);
    if (!(await isStaleDigest(scheme, challenges, staleRetries))) throw rejected(peer, user, target);
  }
}

function rejected(peer: string, user: string, target: string): ConnectError {
  return new ConnectError('AUTH', `${peer} rejected the credentials of ${JSON.stringify(shownUser(user))} for ${target} (authentication failed)`);
}

async function isStaleDigest(scheme: 'basic' | 'digest', challenges: wire.Challenge[], staleRetriesDone: number): Promise<boolean> {
  if (scheme !== 'digest') return false;
  return (await import('../auth/digest.js')).isStaleRetry(challenges, staleRetriesDone);
}

async function authorize(scheme: 'basic' | 'digest', challenges: wire.Challenge[], user: string, password: string, target: string): Promise<string> {
  if (scheme === 'basic') return wire.basicAuthorization(user, password);
  const digest = await import('../auth/digest.js');
  const challenge = digest.pickDigest(challenges)!;
  return digest.digestAuthorization(challenge, { method: 'CONNECT', uri: target, user, password });
}
