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
  /** A fresh stream to this same proxy (HTTP retries with credentials). */
  reconnect(): Promise<Duplex>;
  /** Aborts the negotiation (-w, failover, the caller); undefined when nothing can. */
  signal?: AbortSignal | undefined;
}

/** Each protocol module exports one of these as `negotiate`. */
export type Negotiate = (stream: Duplex, ctx: NegotiateContext) => Promise<Duplex>;

export function describeProxy(proxy: ProxyServer): string {
  const name = { socks5: 'SOCKS5', socks4: 'SOCKS4', http: 'HTTP', https: 'HTTPS', telnet: 'telnet' }[proxy.kind];
  return `${name} proxy ${formatEndpoint(proxy)}`;
}

export function formatEndpoint({ host, port }: Endpoint): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Empty, or with a C0 control, space or DEL: each would break (or inject into) a request line. */
export function isUnsafeHost(host: string): boolean {
  return host === '' || /[\x00-\x20\x7f]/.test(host);
}
