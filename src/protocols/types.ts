import type { Duplex } from 'node:stream';
import type { Endpoint, PasswordSource, ProxyServer } from '../config/types.js';

/** What a protocol's `negotiate` gets besides the stream it talks over. */
export interface NegotiateContext {
  proxy: ProxyServer;
  /** Where the proxy should connect to: the final target or the next hop. */
  target: Endpoint;
  /** Resolve a name here (honours -R <dns server>); undefined when it fails. */
  resolveLocal(host: string): Promise<string | undefined>;
  /** Asked only when a password is needed and not already known. */
  getPassword?: PasswordSource;
  /**
   * A fresh stream to this same proxy (HTTP retries with credentials). The
   * stream in use is given up: the dialer destroys it at once. Streams are
   * the dialer's: negotiate never destroys one.
   */
  reconnect(): Promise<Duplex>;
  /** Aborts the negotiation (-w, failover, the caller); undefined when nothing can. */
  signal?: AbortSignal | undefined;
}

/** Each protocol module exports one of these as `negotiate`. */
export type Negotiate = (stream: Duplex, ctx: NegotiateContext) => Promise<Duplex>;
