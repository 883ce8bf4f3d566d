/** -w: one deadline over resolving, connecting and negotiating. */
import { ConnectError } from '../errors.js';

export interface Deadline {
  signal: AbortSignal;
  /** Stop the clock (the tunnel is up). */
  clear(): void;
}

export function startDeadline(timeoutMs: number | undefined, what: string): Deadline {
  const controller = new AbortController();
  if (timeoutMs === undefined || timeoutMs <= 0) return { signal: controller.signal, clear: () => {} };
  const timer = setTimeout(() => {
    controller.abort(new ConnectError('TIMEOUT', `timed out after ${timeoutMs / 1000} s ${what}`));
  }, timeoutMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
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
