/**
 * Failover: candidates in order, the first that gets through wins. Each
 * attempt has its own deadline (-w, else DEFAULT_ATTEMPT_MS) times the
 * attempts it may make itself, so a dead or silent candidate cannot use up
 * the time of the ones after it.
 */
import { ConnectError, describeError } from '../errors.js';
import { logger } from '../log.js';
import { startDeadline } from '../transport/deadline.js';
import { dialWithin } from './held.js';
import type { Dialer } from './types.js';

const log = logger('failover');

/** With failover and no -w, each candidate still gets this long. */
export const DEFAULT_ATTEMPT_MS = 10_000;

export interface FailoverOptions {
  /** The bound of one attempt (ms), -w; default DEFAULT_ATTEMPT_MS. */
  attemptMs?: number | undefined;
}

/** One candidate is that candidate itself: no deadline of its own, no AbortController. */
export function failoverDialer(candidates: readonly Dialer[], options: FailoverOptions = {}): Dialer {
  if (candidates.length === 0) throw new ConnectError('CONFIG', 'a failover list needs at least one candidate');
  if (candidates.length === 1) return candidates[0]!;
  const attemptMs = options.attemptMs ?? DEFAULT_ATTEMPT_MS;
  return {
    label: candidates.map((c) => c.label).join(', '),
    attempts: candidates.reduce((n, c) => n + c.attempts, 0),
    async dial(target, signal) {
      const failures: string[] = [];
      for (const candidate of candidates) {
        const bound = Number.isFinite(candidate.attempts) ? attemptMs * candidate.attempts : undefined;
        const attempt = startDeadline(bound, `waiting for ${candidate.label}`, signal);
        try {
          const stream = await dialWithin(candidate.dial(target, attempt.signal), attempt.signal);
          if (failures.length > 0) log('using %s (after: %s)', candidate.label, failures.join('; '));
          return stream;
        } catch (err) {
          if (signal?.aborted || (err instanceof ConnectError && err.final)) throw err;
          const why = describeError(err);
          failures.push(why);
          log('%s failed: %s', candidate.label, why);
        } finally {
          attempt.clear();
        }
      }
      throw new ConnectError('CONNECT', `every proxy failed: ${failures.join('; ')}`);
    },
  };
}
