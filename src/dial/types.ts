/**
 * Everything on the way to a target is a dialer (as in Go's
 * golang.org/x/net/proxy): direct, a proxy protocol over a forward dialer,
 * TLS over a forward dialer, failover over a list, a bypass choosing between
 * two. A chain is proxy dialers whose forward is the previous hop.
 */
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../address.js';

export interface Dialer {
  /**
   * A connected stream to `target`; from then on the caller owns it. A dialer
   * destroys, at once, every stream it opened and does not hand over (a
   * failure, an abort, a connection given up for an HTTP 407 retry). `target`
   * may be a proxy (its `kind` set): then errors name it as a proxy.
   * `signal` is optional all along: with no -w, no failover and no caller's
   * signal nothing can abort, and no AbortController is made.
   */
  dial(target: Endpoint, signal?: AbortSignal): Promise<Duplex>;
  /**
   * How many attempts one dial may make, each bounded by -w: 1, or for a
   * failover the sum over its candidates. The whole dial gets -w × attempts.
   * Infinity: bounded inside (e.g. a dialer that builds its failover per target).
   */
  readonly attempts: number;
  /** Names it in debug output: `SOCKS5 proxy gw:1080`, `direct`. */
  readonly label: string;
}
