/**
 * Telnet proxy: send the -c command, then read lines until one says
 * "connected to" (tunnel starts after that line) or reports a failure.
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import { logger } from '../log.js';
import { type HandshakeReader, withHandshakeReader } from '../transport/reader.js';
import type { NegotiateContext } from './types.js';
import { describeProxy, formatEndpoint } from '../address.js';
import * as wire from './telnet-wire.js';

const log = logger('telnet');

export async function negotiate(stream: Duplex, ctx: NegotiateContext): Promise<Duplex> {
  const peer = describeProxy(ctx.proxy);
  const request = wire.request(ctx.proxy.telnetCommand, ctx.target.host, ctx.target.port);
  return withHandshakeReader(stream, peer, async (reader) => {
    if (log.enabled) log('>>> %s', JSON.stringify(request));
    stream.write(request, 'utf8');
    await awaitConnected(reader, peer, formatEndpoint(ctx.target));
  }, wire.MAX_TOTAL_BYTES);
}

async function awaitConnected(reader: HandshakeReader, peer: string, target: string): Promise<void> {
  for (let total = 0; ;) {
    if (total >= wire.MAX_TOTAL_BYTES) {
      throw new ConnectError('PROXY_PROTOCOL', `${peer} sent ${total} bytes without saying "connected to" ${target}`);
    }
    const raw = await reader.readUntil('\n', wire.MAX_LINE_BYTES, 'a line');
    total += raw.length;
    const line = raw.toString('utf8');
    if (log.enabled) log('<<< %s', JSON.stringify(line));
    const verdict = wire.classifyLine(line);
    if (verdict === 'connected') {
      log('connected to %s', target);
      return;
    }
    if (verdict === 'failed') {
      throw new ConnectError('PROXY_REFUSED', `${peer} could not connect to ${target}: ${JSON.stringify(line.trim())}`);
    }
  }
}
