/**
 * Negotiate (RFC 4559) over HTTP CONNECT: Kerberos first, through SPNEGO,
 * when the optional `kerberos` package loads and the user holds a ticket
 * for `HTTP@` the proxy's canonical name; otherwise, or when the proxy
 * turns the ticket down, NTLMSSP inside Negotiate (./http-ntlm.ts), as
 * Windows clients do. -d says which and why, never a token.
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { logger } from '../log.js';
import * as kerberos from '../auth/kerberos.js';
import type { NegotiateContext } from './types.js';
import { challengesOf, connected, exchange, isSuccess } from './http-exchange.js';
import { negotiateNtlm } from './http-ntlm.js';
import * as wire from './http-wire.js';

const log = logger('http');

export async function negotiateNegotiate(ctx: NegotiateContext, target: string, peer: string): Promise<Duplex> {
  const tunnel = await tryKerberos(ctx, target, peer);
  if (tunnel) return tunnel;
  log('Negotiate: using NTLM inside Negotiate');
  return negotiateNtlm(ctx, 'negotiate', target, peer);
}

/** The tunnel by Kerberos, or undefined (logged why) when NTLM should be tried instead. */
async function tryKerberos(ctx: NegotiateContext, target: string, peer: string): Promise<Duplex | undefined> {
  const loaded = kerberos.load();
  if (!loaded.ok) return notTried(loaded.reason);
  const { promises: dns } = await import('node:dns');
  const host = await kerberos.canonicalName(ctx.proxy.host, (name) => dns.resolveCname(name));
  if (!host) return notTried(`${ctx.proxy.host} is an address, and a Kerberos service principal needs a host name`);
  const service = `HTTP@${host}`;
  let context: kerberos.Context;
  try {
    context = await kerberos.start(loaded.kerberos, service);
  } catch (err) {
    return notTried(`no Kerberos ticket for ${service}: ${kerberos.firstLine(err)}`);
  }
  log('Negotiate: Kerberos (SPNEGO) for %s, sending a %d-byte token', service, Buffer.from(context.first, 'base64').length);
  log('reconnecting to %s for Negotiate authentication', peer);
  const response = await exchange(await ctx.reconnect(), target, peer, { authorization: `Negotiate ${context.first}`, keepAlive: true });
  if (!isSuccess(response.head)) {
    response.reader.detach();
    challengesOf(response.head, peer, target); // a refusal other than 401/407 says so
    log('Negotiate: %s refused the Kerberos ticket for %s (%d)', peer, service, response.head.status);
    return undefined;
  }
  await mutualAuth(response, context, peer);
  return connected(response, target);
}

/** RFC 4559 §5: the token in the success reply proves the proxy holds the service key. */
async function mutualAuth(response: { head: wire.ResponseHead; reader: { detach(): void } }, context: kerberos.Context, peer: string): Promise<void> {
  const reply = wire.challengeToken(wire.parseChallenges(wire.fieldValues(response.head, 'proxy-authenticate')), 'negotiate');
  if (!reply) {
    log('Negotiate: %s sent no mutual-authentication token; tunnel accepted on its 2xx', peer);
    return;
  }
  try {
    await context.finish(reply.toString('base64'));
  } catch (err) {
    response.reader.detach();
    throw new ConnectError('AUTH', `${peer} answered Negotiate (Kerberos, ${context.service}) with a mutual-authentication token that does not verify: ${kerberos.firstLine(err)}`);
  }
  log('Negotiate: mutual authentication verified (%d-byte token, context %s)', reply.length, context.complete ? 'complete' : 'incomplete');
}

function notTried(reason: string): undefined {
  log('Negotiate: Kerberos not used: %s', reason);
  return undefined;
}
