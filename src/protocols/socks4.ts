import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import type { NegotiateContext } from './types.js';

export async function negotiate(_stream: Duplex, ctx: NegotiateContext): Promise<Duplex> {
  throw new ConnectError('CONFIG', `${ctx.proxy.kind} proxies are not implemented yet`);
}
