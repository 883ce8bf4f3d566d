/**
 * -w: one deadline over resolving, connecting and negotiating.
 *
 * A signal is optional all along the open path: with no -w, no failover and
 * no caller's signal nothing can abort, and then there is none: making an
 * AbortController and listening on it has V8 compile Node's EventTarget on
 * first use, a cost every start would pay (test/bench/NOTES.md).
 */
import { ConnectError } from '../errors.js';

export interface Deadline {
  /** Undefined when nothing can abort (no timeout, no outer signal). */
  signal: AbortSignal | undefined;
  /** Stop the clock (the tunnel is up). */
  clear(): void;
}

const nothing = () => {};

/** A signal that aborts after `timeoutMs` (if set) or when `outer` aborts. */
export function startDeadline(timeoutMs: number | undefined, what: string, outer?: AbortSignal): Deadline {
  if (timeoutMs === undefined || !(timeoutMs > 0)) return { signal: outer, clear: nothing };
  const controller = new AbortController();
  const stopOuter = whenAborted(outer, (reason) => controller.abort(reason));
  const stopTimer = after(timeoutMs, () => controller.abort(new ConnectError('TIMEOUT', `timed out after ${timeoutMs / 1000} s ${what}`)));
  return {
    signal: controller.signal,
    clear: () => {
      stopTimer();
      stopOuter();
    },
  };
}

/** setTimeout's longest delay; a longer one fires at once (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 0x7fffffff;

/** Calls `fn` after `ms` (any length: a long wait is several timers in turn); returns what cancels it. */
function after(ms: number, fn: () => void): () => void {
  let remaining = ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMER_MS);
    remaining -= step;
    timer = setTimeout(() => (remaining > 0 ? arm() : fn()), step);
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * Calls `onAbort` once when `signal` aborts, at once if it already has.
 * Returns what stops listening.
 */
export function whenAborted(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (!signal) return nothing;
  if (signal.aborted) {
    onAbort(signal.reason);
    return nothing;
  }
  const listener = () => onAbort(signal.reason);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Reject with the signal's reason as soon as it aborts. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const stop = whenAborted(signal, reject);
    promise.then(
      (v) => { stop(); resolve(v); },
      (e) => { stop(); reject(e); },
    );
  });
}
