/**
 * A proxy protocol negotiated over a forward dialer. The forward reaches the
 * proxy (direct for a first hop, the previous hop in a chain, TLS over
 * either for https://); an HTTP retry after 407 is "dial the forward again",
 * and the stream it replaces is destroyed at once.
 */
import { describeProxy, formatEndpoint } from '../address.js';
import type { PasswordSource, ProxyServer } from '../config/types.js';
import { logger } from '../log.js';
import { loadNegotiator } from '../protocols/index.js';
import { makeLocalResolver } from '../transport/resolve.js';
import { Held } from './held.js';
import { tlsDialer } from './tls.js';
import type { Dialer } from './types.js';

const log = logger('proxy');

export interface ProxyOptions {
  /** -R <dns server>: where SOCKS targets resolved locally are looked up. */
  dnsServer?: string | undefined;
  /** Asked only when the proxy demands a password that is not known. */
  getPassword?: PasswordSource | undefined;
}

export function proxyDialer(proxy: ProxyServer, forward: Dialer, options: ProxyOptions = {}): Dialer {
  const toProxy = proxy.kind === 'https' ? tlsDialer(proxy, forward) : forward;
  const label = describeProxy(proxy);
  return {
    label,
    attempts: forward.attempts,
    async dial(target, signal) {
      const held = new Held(signal);
      try {
        // The protocol module is loaded once the proxy answers: a dead candidate costs no module load.
        const first = held.take(await toProxy.dial(proxy, signal));
        const negotiator = await loadNegotiator(proxy.kind);
        log('negotiating with %s for %s', label, formatEndpoint(target));
        const stream = await negotiator(first, {
          proxy,
          target: { host: target.host, port: target.port },
          resolveLocal: makeLocalResolver(options.dnsServer, signal),
          getPassword: options.getPassword,
          // The stream negotiate was using is given up: destroyed now, not at the end of the session.
          reconnect: async () => {
            held.giveUp();
            return held.take(await toProxy.dial(proxy, signal));
          },
          signal,
        });
        held.handOver();
        return stream;
      } catch (err) {
        held.giveUp();
        throw err;
      }
    },
  };
}
