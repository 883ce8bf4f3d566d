/** SOCKS5 negotiation over an already-connected stream (RFC 1928, RFC 1929). */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { hex, logger, shownUser } from '../log.js';
import { type HandshakeReader, withHandshakeReader } from '../transport/reader.js';
import { proxyPassword, proxyUser } from './credentials.js';
import type { NegotiateContext } from './types.js';
import { describeProxy, formatEndpoint } from '../address.js';
import * as wire from './socks5-wire.js';

const log = logger('socks5');
const DEFAULT_METHODS = ['none', 'userpass'] as const;

export async function negotiate(stream: Duplex, ctx: NegotiateContext): Promise<Duplex> {
  const peer = describeProxy(ctx.proxy);
  return withHandshakeReader(stream, peer, async (reader) => {
    await authenticate(stream, reader, ctx, peer);
    await requestConnect(stream, reader, ctx, peer);
  });
}

async function authenticate(stream: Duplex, reader: HandshakeReader, ctx: NegotiateContext, peer: string): Promise<void> {
  const methods = ctx.proxy.socks5Auth ?? DEFAULT_METHODS;
  send(stream, wire.greeting(methods));
  const choice = wire.parseMethodChoice(await recv(reader, 2), peer, methods);
  if (choice === wire.METHOD_CODES.none) return;
  if (choice === wire.METHOD_CODES.userpass) return userPass(stream, reader, ctx, peer);
  if (choice === wire.NO_ACCEPTABLE_METHOD) {
    throw new ConnectError('AUTH', `${peer} accepts none of the offered authentication methods (${methods.join(', ')})`);
  }
  throw new ConnectError('AUTH', `${peer} chose authentication method ${choice}, which connect does not support`);
}

/** RFC 1929. */
async function userPass(stream: Duplex, reader: HandshakeReader, ctx: NegotiateContext, peer: string): Promise<void> {
  const user = proxyUser(ctx);
  const password = await proxyPassword(ctx, 'socks5');
  log('>>> %s', wire.userPassRequestRedacted(user));
  stream.write(wire.userPassRequest(user, password));
  const status = await recv(reader, 2);
  if (status[1] !== 0) throw new ConnectError('AUTH', `${peer} rejected user ${JSON.stringify(shownUser(user))} (authentication failed)`);
}

async function requestConnect(stream: Duplex, reader: HandshakeReader, ctx: NegotiateContext, peer: string): Promise<void> {
  const { host, port } = ctx.target;
  const resolved = ctx.proxy.resolve === 'local' ? await ctx.resolveLocal(host) : undefined;
  log('requesting %s via %s (%s)', formatEndpoint(ctx.target), peer, resolved ? `resolved locally to ${resolved}` : 'name sent to proxy');
  send(stream, wire.connectRequest(wire.targetAddress(host, resolved), port));
  const { rep, atyp } = wire.parseReplyHead(await recv(reader, 4), peer);
  if (rep !== 0) {
    throw new ConnectError('PROXY_REFUSED', `${peer} could not connect to ${formatEndpoint(ctx.target)}: ${wire.replyText(rep)}`);
  }
  const domainLength = atyp === 3 ? (await recv(reader, 1))[0]! : 0;
  await recv(reader, wire.boundAddressLength(atyp, peer, domainLength));
  log('connected to %s', formatEndpoint(ctx.target));
}

function send(stream: Duplex, bytes: Buffer): void {
  if (log.enabled) log('>>> %s', hex(bytes));
  stream.write(bytes);
}

async function recv(reader: HandshakeReader, n: number): Promise<Buffer> {
  const bytes = await reader.read(n);
  if (log.enabled) log('<<< %s', hex(bytes));
  return bytes;
}
