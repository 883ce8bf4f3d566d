/** The dialer building blocks (see types.ts), for routes built elsewhere (PAC, library callers). */
export type { Dialer } from './types.js';
export { directDialer, type DirectOptions } from './direct.js';
export { proxyDialer, type ProxyOptions } from './proxy.js';
export { tlsDialer } from './tls.js';
export { failoverDialer, DEFAULT_ATTEMPT_MS, type FailoverOptions } from './failover.js';
export { bypassDialer } from './bypass.js';
export { routeDialer, candidateDialer, type HopForward } from './route.js';
export { Held, dialWithin } from './held.js';
