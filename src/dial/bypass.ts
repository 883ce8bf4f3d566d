/**
 * Bypass: targets matching a direct list (SOCKS5_DIRECT, ..., NO_PROXY)
 * take one dialer, the rest the other.
 */
import { formatEndpoint } from '../address.js';
import { matchDirect, type DirectRule } from '../config/direct.js';
import { logger } from '../log.js';
import type { Dialer } from './types.js';

const log = logger('bypass');

export function bypassDialer(rules: readonly DirectRule[], direct: Dialer, proxied: Dialer): Dialer {
  if (rules.length === 0) return proxied;
  return {
    label: `${proxied.label} (bypass: ${direct.label})`,
    attempts: Math.max(direct.attempts, proxied.attempts),
    dial(target, signal) {
      if (!matchDirect(rules, target.host)) return proxied.dial(target, signal);
      log('%s is in the direct list', formatEndpoint(target));
      return direct.dial(target, signal);
    },
  };
}
