/**
 * A TunnelConfig as one dialer, the same for the CLI and the library: each
 * hop a failover over its candidates, each candidate a dialer over the hop's
 * forward (the previous hop, or direct for the first); `direct://` is the
 * forward itself (this hop skipped). The direct list picks between the
 * chain and going straight to the target. With a PAC script, the script's
 * answer is the route (built per target), the direct list still first.
 */
import type { Candidate, TunnelConfig } from '../config/types.js';
import { bypassDialer } from './bypass.js';
import { directDialer } from './direct.js';
import { failoverDialer } from './failover.js';
import { proxyDialer, type ProxyOptions } from './proxy.js';
import type { Dialer } from './types.js';

/** What the candidates of one hop are built over. */
export interface HopForward {
  /** Reaches this hop's proxies: the previous hop, or a direct connection. */
  proxies: Dialer;
  /** A DIRECT candidate: the previous hop, or straight to the target (with -R's DNS server). */
  direct: Dialer;
  /** For proxy dialers: -R's DNS server, the password source. */
  proxyOptions: ProxyOptions;
  /** -w: the bound of each failover attempt. */
  attemptMs?: number | undefined;
  /** The whole route's config: a WPAD candidate builds a route of its own from it. */
  config?: TunnelConfig;
}

/** One candidate as a dialer. A new kind of candidate (e.g. PAC) is one more case here. */
export function candidateDialer(candidate: Candidate, forward: HopForward): Dialer {
  if (candidate.kind === 'direct') return forward.direct;
  // WPAD (-x auto, one-hop routes only): found when dialing; its script's answer is the route.
  if (candidate.kind === 'wpad') return lazyPacDialer({ ...forward.config!, hops: [], pac: candidate.pac });
  return proxyDialer(candidate, forward.proxies, forward.proxyOptions);
}

export function routeDialer(config: TunnelConfig): Dialer {
  const { keepAliveMs, dnsServer, readExactly, onConnecting } = config;
  // Proxies' names go to the system resolver; -R's DNS server resolves targets.
  const toProxies = directDialer({ keepAliveMs, readExactly, onConnecting });
  const toTarget = dnsServer ? directDialer({ keepAliveMs, dnsServer, readExactly, onConnecting }) : toProxies;
  const proxyOptions: ProxyOptions = { dnsServer, getPassword: config.getPassword };
  if (config.pac) return bypassDialer(config.direct, toTarget, lazyPacDialer(config));
  let route: Dialer | undefined;
  config.hops.forEach((hop, i) => {
    const last = i === config.hops.length - 1;
    const forward: HopForward = {
      proxies: route ?? toProxies,
      direct: route ?? (last ? toTarget : toProxies),
      proxyOptions,
      attemptMs: config.timeoutMs,
      config,
    };
    route = failoverDialer(hop.candidates.map((c) => candidateDialer(c, forward)), { attemptMs: config.timeoutMs });
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
