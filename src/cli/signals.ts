/**
 * SIGTERM / SIGINT / SIGHUP for the CLI (SECURITY.md, "Faults"). ssh sends
 * SIGHUP or SIGTERM to its ProxyCommand when the session ends; a user's ^C
 * is SIGINT. On the first signal we stop taking in new data (`onSignal`,
 * e.g. destroy the tunnel), give stdout a short grace period to write out
 * what already arrived, and exit with 128 + signal number — what a shell
 * reports for a process the signal killed (connect.c installs no handlers
 * and dies by the signal), so `$?` reads the same: 129 HUP, 130 INT, 143 TERM.
 * A second signal exits at once.
 */
import type { Writable } from 'node:stream';
import { logger } from '../log.js';
import { queuedBytes } from '../transport/handle-write.js';

const log = logger('signal');

const HANDLED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
export type HandledSignal = (typeof HANDLED_SIGNALS)[number];

/** At most this long for the flush: the whole exit stays under 1 s. */
const GRACE_MS = 500;

export interface SignalOptions {
  /**
   * Where relayed data goes, flushed before exit; called at signal time
   * because the output may be opened later (src/cli/stdio.ts opens its own
   * socket on fd 1 once the tunnel is up). Undefined: nothing to flush.
   */
  output: () => Writable | undefined;
  /** Ends the process: the entry point passes process.exit (tests pass a spy). */
  exit: (code: number) => void;
}

/** Their numbers, the same on every POSIX system (the XSI list of `kill -s`); not node:os, which would load at every start. */
const SIGNAL_NUMBERS: Record<HandledSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** 128 + signal number, as a shell reports a process killed by that signal. */
function exitCodeFor(signal: HandledSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

/**
 * Installs the handlers. `onSignal` runs first (synchronously; errors in it
 * are ignored) and should stop new input, e.g.
 * `() => { tunnel?.unpipe(); tunnel?.pause(); }`.
 */
export function installSignalHandlers(onSignal: (signal: HandledSignal) => void, opts: SignalOptions): void {
  const { exit } = opts;
  let exiting = false;
  const handler = (signal: HandledSignal) => {
    const code = exitCodeFor(signal);
    if (exiting) return exit(code);
    exiting = true;
    log('%s received; exiting with %d', signal, code);
    try { onSignal(signal); } catch { /* exiting anyway */ }
    const output = opts.output();
    void (output ? flush(output, GRACE_MS) : Promise.resolve()).then(() => exit(code));
  };
  for (const sig of HANDLED_SIGNALS) process.on(sig, handler);
}

/** Resolves when `output` has written everything queued (in the stream and, for the relay's direct writes, in libuv), is gone, or after `graceMs`. */
function flush(output: Writable, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  return new Promise((resolve) => {
    const check = () => {
      const done = output.destroyed || (output.writableLength === 0 && queuedBytes(output) === 0) || Date.now() >= deadline;
      if (!done) return;
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(check, 10);
    check();
  });
}
