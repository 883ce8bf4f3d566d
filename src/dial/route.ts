/**
 * A TunnelConfig as one dialer, the same for the CLI and the library: each
 * hop a failover over its candidates, each candidate a proxy dialer whose
 * forward is the previous hop (or direct, for the first), `direct://` the
 * forward itself (this hop skipped); the direct list picks between the
 * chain and going straight to the target. With a PAC script, the script's
 * answer is the route (built per target), the direct list still first.
 */
import type { Candidate, TunnelConfig } from '../config/types.js';
import { bypassDialer } from './bypass.js';
import { directDialer } from './direct.js';
import { failoverDialer } from './failover.js';
import { proxyDialer } from './proxy.js';
import type { Dialer } from './types.js';

export function routeDialer(config: TunnelConfig): Dialer {
  const { keepAliveMs, dnsServer } = config;
  // Proxies' names go to the system resolver; -R's DNS server resolves targets.
  const toProxies = directDialer({ keepAliveMs });
  const toTarget = dnsServer ? directDialer({ keepAliveMs, dnsServer }) : toProxies;
  const options = { dnsServer, getPassword: config.getPassword };
  if (config.pac) return bypassDialer(config.direct, toTarget, lazyPacDialer(config));
  let route: Dialer | undefined;
  config.hops.forEach((hop, i) => {
    const last = i === config.hops.length - 1;
    const forward = route ?? (last ? toTarget : toProxies);
    const dialers = hop.candidates.map((c: Candidate) => (c.kind === 'direct' ? forward : proxyDialer(c, route ?? toProxies, options)));
    route = failoverDialer(dialers, { attemptMs: config.timeoutMs });
  });
  return route ? bypassDialer(config.direct, toTarget, route) : toTarget;
}

/** A PAC script builds the route per target (src/pac/dial.ts); the sandbox is loaded only then. */
function lazyPacDialer(config: TunnelConfig): Dialer {
  return {
    label: `PAC ${config.pac!.source}`,
    attempts: Infinity,
    async dial(target, signal) {
      return (await import('../pac/dial.js')).pacDialer(config).dial(target, signal);
    },
  };
}
