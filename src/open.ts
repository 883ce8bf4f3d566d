/**
 * open(): from a TunnelConfig to a connected stream carrying the tunnel,
 * through the route's dialer (src/dial/route.ts). -w bounds each attempt,
 * so the whole gets -w once per attempt the route may make.
 */
import type { Duplex } from 'node:stream';
import { formatEndpoint } from './address.js';
import type { TunnelConfig } from './config/types.js';
import { validateTunnel } from './config/validate.js';
import { dialWithin } from './dial/held.js';
import { routeDialer } from './dial/route.js';
import type { Dialer } from './dial/types.js';
import { startDeadline } from './transport/deadline.js';

export interface OpenOptions {
  /** Cancels the attempt (library callers); -w has its own deadline in the config. */
  signal?: AbortSignal;
}

export function open(config: TunnelConfig, options: OpenOptions = {}): Promise<Duplex> {
  validateTunnel(config);
  return dialBounded(routeDialer(config), config, options.signal);
}

/** One dial of `dialer` to the config's target, within -w × its attempts and the caller's signal. */
export async function dialBounded(dialer: Dialer, config: TunnelConfig, signal?: AbortSignal): Promise<Duplex> {
  const { timeoutMs } = config;
  const overallMs = timeoutMs === undefined || !Number.isFinite(dialer.attempts) ? undefined : timeoutMs * dialer.attempts;
  const deadline = startDeadline(overallMs, `connecting to ${formatEndpoint(config.target)}`, signal);
  try {
    return await dialWithin(dialer.dial(config.target, deadline.signal), deadline.signal);
  } finally {
    deadline.clear();
  }
}
