/**
 * NTLM and Negotiate (carrying NTLMSSP, as Windows sends it without a
 * Kerberos ticket) over HTTP CONNECT: MS-NLMP's three messages on ONE
 * connection (the challenge belongs to it), so the requests ask for
 * keep-alive and the 407 body is read away between rounds. A proxy that
 * closes the connection after its challenge gets one fresh start.
 * -d shows message types and flags, never a message's bytes.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { logger, shownUser } from '../log.js';
import * as ntlm from '../auth/ntlm.js';
import { proxyPassword, proxyUser } from './credentials.js';
import type { NegotiateContext } from './types.js';
import { challengesOf, connected, discardBody, exchange, isSuccess } from './http-exchange.js';
import * as wire from './http-wire.js';

const log = logger('http');
/** The first connection and one fresh start when the proxy closed it after its challenge. */
const STARTS = 2;

type NtlmScheme = 'ntlm' | 'negotiate';
const LABEL: Record<NtlmScheme, string> = { ntlm: 'NTLM', negotiate: 'Negotiate' };

export async function negotiateNtlm(ctx: NegotiateContext, scheme: NtlmScheme, target: string, peer: string): Promise<Duplex> {
  const name = proxyUser(ctx);
  const nt = await ntKey(ctx);
  for (let start = 1; start <= STARTS; start++) {
    log('reconnecting to %s for %s authentication', peer, LABEL[scheme]);
    // The dialer owns every stream: reconnect() destroys the one given up, a failure destroys the last.
    const tunnel = await threeMessages(await ctx.reconnect(), { scheme, target, peer, name, nt });
    if (tunnel) return tunnel;
    log('%s closed the connection after its %s challenge%s', peer, LABEL[scheme], start < STARTS ? '; starting over' : '');
  }
  throw new ConnectError('AUTH', `${peer} closed the connection after its ${LABEL[scheme]} challenge, twice: NTLM needs the connection kept open between its messages (squid: auth_param ntlm keep_alive on)`);
}

/** The NT hash: a stored one (HTTP_PROXY_NTHASH), else the password's, asked for only now. */
async function ntKey(ctx: NegotiateContext): Promise<Buffer> {
  if (ctx.proxy.ntHash !== undefined) return Buffer.from(ctx.proxy.ntHash, 'hex');
  return ntlm.ntHash(await proxyPassword(ctx, 'http'));
}

interface Round {
  scheme: NtlmScheme;
  target: string;
  peer: string;
  name: string;
  nt: Buffer;
}

/** Type 1 → Type 2 → Type 3 on `stream`: the tunnel, or undefined when the proxy closes after its challenge. */
async function threeMessages(stream: Duplex, r: Round): Promise<Duplex | undefined> {
  const label = LABEL[r.scheme];
  const negotiate = ntlm.negotiateMessage();
  if (log.enabled) log('%s: sending Type 1 (negotiate), flags %s', label, ntlm.describeFlags(negotiate.readUInt32LE(12)));
  const first = await exchange(stream, r.target, r.peer, { authorization: `${label} ${negotiate.toString('base64')}`, keepAlive: true });
  if (isSuccess(first.head)) return connected(first, r.target);
  const challenge = readChallenge(first.head, r);
  const open = await discardBody(first.reader, first.head, r.peer);
  if (!open || stream.destroyed || stream.readableEnded) {
    first.reader.detach();
    return undefined;
  }
  const auth = ntlm.authenticateMessage({ challenge, negotiate, identity: ntlm.splitIdentity(r.name), nt: r.nt, clientChallenge: await randomBytes(8) });
  if (log.enabled) log('%s: sending Type 3 (authenticate) for %s: NTLMv2%s, flags %s', label, JSON.stringify(shownUser(r.name)), auth.mic ? ' with MIC' : '', ntlm.describeFlags(auth.message.readUInt32LE(60)));
  const last = await exchange(stream, r.target, r.peer, { authorization: `${label} ${auth.message.toString('base64')}`, keepAlive: true }, first.reader);
  if (isSuccess(last.head)) return connected(last, r.target);
  last.reader.detach();
  challengesOf(last.head, r.peer, r.target); // a refusal other than 401/407 says so
  throw new ConnectError('AUTH', `${r.peer} rejected the ${label} credentials of ${JSON.stringify(shownUser(r.name))} for ${r.target} (authentication failed; connect sends NTLMv2 only, never LM or NTLMv1)`);
}

/** The proxy's Type 2 out of its 407 to our Type 1. */
function readChallenge(head: wire.ResponseHead, r: Round): ntlm.ChallengeMessage {
  const label = LABEL[r.scheme];
  const token = wire.challengeToken(challengesOf(head, r.peer, r.target), r.scheme);
  const message = token && ntlm.findNtlmssp(token);
  if (!message) throw new ConnectError('AUTH', `${r.peer} answered the ${label} negotiate message without a challenge (${head.status}): it does not accept ${label} from connect`);
  let challenge: ntlm.ChallengeMessage;
  try {
    challenge = ntlm.parseChallenge(message);
  } catch (err) {
    if (!(err instanceof ntlm.NtlmFormatError)) throw err;
    throw new ConnectError('PROXY_PROTOCOL', `${r.peer} sent a malformed ${label} challenge: ${err.message}`);
  }
  if (log.enabled) log('%s: received Type 2 (challenge), flags %s, %d target info bytes%s', label, ntlm.describeFlags(challenge.flags), challenge.targetInfo.length, challenge.timestamp ? ', with a timestamp' : '');
  if ((challenge.flags & ntlm.FLAGS.NTLM) === 0 && (challenge.flags & ntlm.FLAGS.LM_KEY) !== 0) {
    throw new ConnectError('AUTH', `${r.peer} offers only LM authentication under ${label}; connect sends NTLMv2 only, never LM or NTLMv1`);
  }
  return challenge;
}

/**
 * The client challenge: /dev/urandom where there is one, else node:crypto
 * (whose loading would cost more than the rest of the handshake; NOTES.md).
 */
async function randomBytes(n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, out, 0, n, null) === n) return out;
    } finally {
      closeSync(fd);
    }
  } catch { /* no /dev/urandom: below */ }
  return (await import('node:crypto')).randomBytes(n);
}
