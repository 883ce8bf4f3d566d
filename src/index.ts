/**
 * Library API: open a tunnel through proxies, get a connected Duplex.
 *
 *   import { openTunnel } from 'connect-proxy-command';
 *   const sock = await openTunnel({ proxy: 'socks5h://user:pw@gw:1080', host: 'db', port: 22 });
 */
export { openTunnel, toTunnelConfig, type TunnelOptions } from './api.js';
export { ConnectError, type ErrorCode } from './errors.js';
export type { TunnelConfig, ProxyServer, Hop, Candidate, DirectCandidate, Endpoint, PasswordRequest, PasswordSource, Socks5AuthMethod } from './config/types.js';
export { TunnelAgent, HttpsTunnelAgent, tunnelConnector, type TunnelAgentOptions, type Connector, type ConnectorOptions } from './agent.js';
