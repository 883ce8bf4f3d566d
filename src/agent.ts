/**
 * Node's HTTP clients through a tunnel, in the conventions of
 * TooTallNate's proxy-agents: every new connection a pool needs is one
 * openTunnel() to the request's host and port, the pool itself (keep-alive,
 * maxSockets) is node:http's, and an `https:` request gets TLS to the
 * origin over the tunnel, with the origin's name as SNI and for
 * verification (RFC 6066 §3: never an IP literal as server_name).
 *
 *   const agent = new TunnelAgent({ proxy: 'socks5h://gw:1080' }, { keepAlive: true });
 *   http.get('http://intranet.example/', { agent });
 *   https.get('https://intranet.example/', { agent: new HttpsTunnelAgent({ proxy }) });
 *
 * `tunnelConnector()` is the same for undici: a `connect` function for an
 * undici Agent (`new Agent({ connect: tunnelConnector({ proxy }) })`), so
 * undici's `fetch` goes through the tunnel too. undici is the caller's
 * package, never loaded here.
 */
import { Agent as HttpAgent, type AgentOptions as HttpAgentOptions } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { openTunnel, type TunnelOptions } from './api.js';

/** Everything openTunnel takes except the target, which each request gives. */
export type TunnelAgentOptions = Omit<TunnelOptions, 'host' | 'port'>;

type Callback = (err: Error | null, socket?: Duplex) => void;

interface ConnectionArgs {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
  servername?: string;
}

function target(o: ConnectionArgs): { host: string; port: number } {
  return { host: o.hostname ?? o.host ?? 'localhost', port: Number(o.port) };
}

/** SNI for the origin: its name, never an IP literal. */
function serverName(host: string, given?: string): string | undefined {
  const name = given ?? host;
  return name && isIP(name) === 0 ? name : undefined;
}

/** TLS to the origin over an open tunnel; resolves once the handshake (and verification) is done. */
function upgrade(tunnel: Duplex, options: ConnectionOptions, host: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const { servername, ...rest } = options;
    const name = serverName(host, servername);
    const socket = tlsConnect({ ...rest, host, socket: tunnel as Socket, ...(name !== undefined && { servername: name }) });
    const fail = (err: Error) => { socket.destroy(); tunnel.destroy(); reject(err); };
    socket.once('error', fail);
    socket.once('secureConnect', () => { socket.off('error', fail); resolve(socket); });
  });
}

/** An http.Agent whose connections are tunnels (plain HTTP to the origin). */
export class TunnelAgent extends HttpAgent {
  readonly tunnel: TunnelAgentOptions;

  constructor(tunnel: TunnelAgentOptions, options?: HttpAgentOptions) {
    super(options);
    this.tunnel = tunnel;
  }

  /** Called by node:http for each new pooled connection; answers through the callback. */
  override createConnection(options: ConnectionArgs, callback: Callback): undefined {
    openTunnel({ ...this.tunnel, ...target(options) }).then((s) => callback(null, s), (err: Error) => callback(err));
    return undefined;
  }
}

/** An https.Agent whose connections are tunnels with TLS to the origin inside. */
export class HttpsTunnelAgent extends HttpsAgent {
  readonly tunnel: TunnelAgentOptions;

  constructor(tunnel: TunnelAgentOptions, options?: HttpsAgentOptions) {
    super(options);
    this.tunnel = tunnel;
  }

  override createConnection(options: ConnectionArgs & ConnectionOptions, callback: Callback): undefined {
    const to = target(options);
    openTunnel({ ...this.tunnel, ...to })
      .then((tunnel) => upgrade(tunnel, options, to.host))
      .then((s) => callback(null, s), (err: Error) => callback(err));
    return undefined;
  }
}

/** What undici passes to a custom `connect` (undici's buildConnector.Options, the fields used here). */
export interface ConnectorOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string;
}

export type Connector = (options: ConnectorOptions, callback: (...args: [null, Socket | TLSSocket] | [Error, null]) => void) => void;

/**
 * An undici `connect` function: a tunnel per connection, TLS to the origin
 * inside it for `https:` (ALPN http/1.1, undici's default), verified
 * against `tls` options (e.g. `ca`) when given.
 */
export function tunnelConnector(tunnel: TunnelAgentOptions, tls: ConnectionOptions = {}): Connector {
  return (options, callback) => {
    const to = { host: options.hostname, port: Number(options.port) || (options.protocol === 'https:' ? 443 : 80) };
    const secure = (s: Duplex): Promise<Socket | TLSSocket> => (options.protocol === 'https:'
      ? upgrade(s, { ALPNProtocols: ['http/1.1'], ...tls, ...(options.servername && { servername: options.servername }) }, to.host)
      : Promise.resolve(s as Socket));
    openTunnel({ ...tunnel, ...to })
      .then(secure)
      .then((s) => callback(null, s), (err: Error) => callback(err, null));
  };
}
