/** -w: one deadline over resolving, connecting and negotiating. */
import { ConnectError } from '../errors.js';

export interface Deadline {
  signal: AbortSignal;
  /** Stop the clock (the tunnel is up). */
  clear(): void;
}

/** A signal that aborts after `timeoutMs` (if set) or when `outer` aborts. */
export function startDeadline(timeoutMs: number | undefined, what: string, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer!.reason);
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = timeoutMs !== undefined && timeoutMs > 0
    ? setTimeout(() => controller.abort(new ConnectError('TIMEOUT', `timed out after ${timeoutMs / 1000} s ${what}`)), timeoutMs)
    : undefined;
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

/** Reject with the signal's reason as soon as it aborts. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
