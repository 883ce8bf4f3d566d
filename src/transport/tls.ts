import type { Duplex } from 'node:stream';
import { ConnectError } from '../errors.js';
import type { ProxyServer } from '../config/types.js';

export async function startTls(_stream: Duplex, _proxy: ProxyServer, _signal: AbortSignal): Promise<Duplex> {
  throw new ConnectError('CONFIG', 'https proxies are not implemented yet');
}
