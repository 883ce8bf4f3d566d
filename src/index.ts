/** Library API: open a tunnel through proxies, get a connected Duplex. */
export { openTunnel } from './open.js';
export { ConnectError, type ErrorCode } from './errors.js';
export type { TunnelConfig, ProxyServer, Hop, Endpoint, PasswordRequest, PasswordSource } from './config/types.js';
