/**
 * HTTP CONNECT negotiation over an already-connected stream, written by hand
 * over HandshakeReader rather than through undici (see README design notes:
 * undici cannot send connect.c's HTTP/1.0 request, adds `connection: close`,
 * and is slow to load).
 *
 * 401/407 with a usable challenge and no credentials sent yet: reconnect and
 * repeat with Proxy-Authorization (Basic, or Digest via src/auth/digest.ts).
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { logger, shownUser } from '../log.js';
import { HandshakeReader } from '../transport/reader.js';
import { proxyPassword, proxyUser } from './credentials.js';
import type { NegotiateContext } from './types.js';
import { describeProxy } from '../address.js';
import * as wire from './http-wire.js';

const log = logger('http');
/** A stale Digest nonce earns one more try (RFC 7616 §3.3). */
const MAX_ATTEMPTS = 3;

interface Attempt {
  stream: Duplex;
  /** Proxy-Authorization value to send, if any. */
  authorization?: string;
}

export async function negotiate(stream: Duplex, ctx: NegotiateContext): Promise<Duplex> {
  const peer = describeProxy(ctx.proxy);
  const target = wire.requestTarget(ctx.target); // BAD_INPUT before anything is sent
  // Every stream here belongs to the dialer (src/dial/proxy.ts): it destroys
  // them on failure, and ctx.reconnect() gives up the one in use at once.
  let attempt: Attempt = { stream };
  for (let n = 1; ; n++) {
    const { head, reader } = await exchange(attempt, target, peer);
    if (head.status >= 200 && head.status < 300) {
      log('connected to %s', target);
      return reader.release();
    }
    reader.detach(); // a body after a refusal is never read
    const authorization = await nextAuthorization(head, attempt, ctx, peer, target, n);
    log('reconnecting to %s to send credentials', peer);
    attempt = { stream: await ctx.reconnect(), authorization };
  }
}

async function exchange(attempt: Attempt, target: string, peer: string): Promise<{ head: wire.ResponseHead; reader: HandshakeReader }> {
  const reader = new HandshakeReader(attempt.stream, peer, wire.MAX_HEADER_BYTES);
  try {
    if (log.enabled) for (const line of lines(wire.connectRequestRedacted(target, attempt.authorization))) log('>>> %s', JSON.stringify(line));
    attempt.stream.write(wire.connectRequest(target, attempt.authorization), 'utf8');
    return { head: await readFinalHead(reader, peer), reader };
  } catch (err) {
    reader.detach();
    throw err;
  }
}

/** The final response head, interim (1xx) ones skipped; all of them together within MAX_HEADER_BYTES. */
async function readFinalHead(reader: HandshakeReader, peer: string): Promise<wire.ResponseHead> {
  for (let budget = wire.MAX_HEADER_BYTES; ;) {
    const raw = await reader.readUntil(wire.HEAD_END, budget, 'an HTTP response head');
    budget -= raw.length;
    if (log.enabled) for (const line of lines(raw.toString('latin1'))) log('<<< %s', JSON.stringify(line));
    const head = wire.parseResponseHead(raw, peer);
    if (!wire.isInterim(head.status)) return head;
    log('interim response %d skipped', head.status);
  }
}

/** Decides what a non-2xx answer means: the credentials to retry with, or a thrown error. */
async function nextAuthorization(
  head: wire.ResponseHead, attempt: Attempt, ctx: NegotiateContext, peer: string, target: string, n: number,
): Promise<string> {
  if (head.status !== 401 && head.status !== 407) {
    throw new ConnectError('PROXY_REFUSED', `${peer} refused CONNECT ${target}: ${JSON.stringify(head.statusLine)}`);
  }
  const challenges = wire.parseChallenges(wire.fieldValues(head, wire.challengeField(head.status)));
  const stale = attempt.authorization !== undefined && n < MAX_ATTEMPTS && (await isStaleDigest(challenges, n - 2));
  if (attempt.authorization !== undefined && !stale) {
    throw new ConnectError('AUTH', `${peer} rejected the credentials of ${JSON.stringify(shownUser(proxyUser(ctx)))} for ${target} (authentication failed)`);
  }
  const scheme = await chooseScheme(challenges);
  if (!scheme) {
    const offered = (await import('../auth/digest.js')).describeOffered(challenges);
    throw new ConnectError('AUTH', `${peer} requires authentication for ${target} (${head.status}); offered schemes: ${offered}; connect supports Basic and Digest (MD5, SHA-256, SHA-512-256, qop=auth)`);
  }
  return authorize(scheme, challenges, ctx, target);
}

async function chooseScheme(challenges: wire.Challenge[]): Promise<'basic' | 'digest' | undefined> {
  if (challenges.some((c) => c.scheme === 'digest')) return (await import('../auth/digest.js')).chooseAuth(challenges);
  return challenges.some((c) => c.scheme === 'basic') ? 'basic' : undefined;
}

async function isStaleDigest(challenges: wire.Challenge[], staleRetriesDone: number): Promise<boolean> {
  if (!challenges.some((c) => c.scheme === 'digest')) return false;
  return (await import('../auth/digest.js')).isStaleRetry(challenges, staleRetriesDone);
}

async function authorize(scheme: 'basic' | 'digest', challenges: wire.Challenge[], ctx: NegotiateContext, target: string): Promise<string> {
  const user = proxyUser(ctx);
  const password = await proxyPassword(ctx, 'http');
  if (scheme === 'basic') return wire.basicAuthorization(user, password);
  const digest = await import('../auth/digest.js');
  const challenge = digest.pickDigest(challenges)!;
  return digest.digestAuthorization(challenge, { method: 'CONNECT', uri: target, user, password });
}

function lines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((l) => l !== '');
}
