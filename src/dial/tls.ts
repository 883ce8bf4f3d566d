/** TLS over a forward dialer: what an `https://` proxy is reached through. */
import type { ProxyServer } from '../config/types.js';
import type { Dialer } from './types.js';

/** TLS to `proxy` (its name for SNI and verification) over whatever `forward` gives. */
export function tlsDialer(proxy: ProxyServer, forward: Dialer): Dialer {
  return {
    label: `TLS over ${forward.label}`,
    attempts: forward.attempts,
    async dial(target, signal) {
      const stream = await forward.dial(target, signal);
      try {
        const { startTls } = await import('../transport/tls.js');
        return await startTls(stream, proxy, signal); // destroys `stream` when the handshake fails
      } catch (err) {
        stream.destroy();
        throw err;
      }
    },
  };
}
