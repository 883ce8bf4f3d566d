/** The direct dialer: a TCP connection to the target itself. */
import { describeProxy, formatEndpoint, type Endpoint } from '../address.js';
import { ConnectError } from '../errors.js';
import { logger } from '../log.js';
import { connectTcp } from '../transport/tcp.js';
import { readHandshakesExactly } from '../transport/exact-socket.js';
import { makeLocalResolver } from '../transport/resolve.js';
import type { Dialer } from './types.js';

const log = logger('direct');

export interface DirectOptions {
  /** TCP keepalive initial delay (ms), -k. */
  keepAliveMs?: number | undefined;
  /** -R <dns server>: resolve the target's name through it first. */
  dnsServer?: string | undefined;
  /** Handshakes over these sockets read exactly (TunnelConfig.readExactly). */
  readExactly?: boolean | undefined;
  /** TunnelConfig.onConnecting. */
  onConnecting?: (() => void) | undefined;
}

export function directDialer(options: DirectOptions = {}): Dialer {
  const { keepAliveMs, dnsServer, readExactly, onConnecting } = options;
  return {
    label: 'direct',
    attempts: 1,
    async dial(target, signal) {
      const what = 'kind' in target ? describeProxy(target as Endpoint & { kind: string }) : `target ${formatEndpoint(target)}`;
      log('connecting directly to %s', what);
      const host = dnsServer ? await resolveOrFail(dnsServer, target.host, signal) : target.host;
      const socket = await connectTcp({ host, port: target.port }, { signal, keepAliveMs, what, onConnecting });
      log('connected to %s', what);
      if (readExactly) readHandshakesExactly(socket);
      return socket;
    },
  };
}

async function resolveOrFail(dnsServer: string, host: string, signal: AbortSignal | undefined): Promise<string> {
  const address = await makeLocalResolver(dnsServer, signal)(host);
  if (address === undefined) throw new ConnectError('DNS', `cannot resolve ${host}`);
  return address;
}
