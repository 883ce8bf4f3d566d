/** SOCKS4 / SOCKS4a negotiation over an already-connected stream. */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { hex, logger, shownUser } from '../log.js';
import { withHandshakeReader } from '../transport/reader.js';
import { proxyUser } from './credentials.js';
import type { NegotiateContext } from './types.js';
import { describeProxy, formatEndpoint } from '../address.js';
import * as wire from './socks4-wire.js';

const log = logger('socks4');

export async function negotiate(stream: Duplex, ctx: NegotiateContext): Promise<Duplex> {
  const peer = describeProxy(ctx.proxy);
  const request = await buildRequest(ctx); // BAD_INPUT before anything is sent
  return withHandshakeReader(stream, peer, async (reader) => {
    if (log.enabled) log('>>> %s', hex(redacted(request, proxyUser(ctx))));
    stream.write(request);
    const reply = await reader.read(wire.REPLY_LENGTH);
    if (log.enabled) log('<<< %s', hex(reply));
    const code = wire.replyCode(reply);
    if (code !== wire.GRANTED) {
      throw new ConnectError('PROXY_REFUSED', `${peer} could not connect to ${formatEndpoint(ctx.target)}: ${wire.replyText(code)} (${code})`);
    }
    log('connected to %s', formatEndpoint(ctx.target));
  });
}

/**
 * connect.c resolves here only for `-R local`; when that fails it sends the
 * name (4a). `remote` and `both` always send the name.
 */
async function buildRequest(ctx: NegotiateContext): Promise<Buffer> {
  const { host, port } = ctx.target;
  const resolved = ctx.proxy.resolve === 'local' ? await ctx.resolveLocal(host) : undefined;
  const dest = wire.destination(host, resolved);
  if ('ipv4' in dest) log('requesting %s (resolved locally to %s)', formatEndpoint(ctx.target), dest.ipv4);
  else log('requesting %s (name sent to proxy: SOCKS4a)%s', formatEndpoint(ctx.target), resolved === undefined && ctx.proxy.resolve === 'local' ? ', local resolution failed' : '');
  return wire.connectRequest(dest, port, proxyUser(ctx));
}

/** The request as it may be logged: a `user:secret` user id shown as `user:xxxx` (it follows the 8-byte head). */
function redacted(request: Buffer, user: string): Buffer {
  const shown = shownUser(user);
  if (shown === user) return request;
  return Buffer.concat([request.subarray(0, 8), Buffer.from(shown), request.subarray(8 + Buffer.byteLength(user))]);
}
