/**
 * Asking on the controlling terminal with echo off. /dev/tty is opened once
 * and wrapped in tty streams (fs streams on a terminal echo and hang); the
 * process's stdin is never touched: it is the ssh stream.
 */
import { openSync, closeSync } from 'node:fs';
import tty from 'node:tty';
import { read } from 'read';
import { ConnectError } from '../errors.js';
import { raceSignal } from '../transport/deadline.js';

const TTY_PATH = '/dev/tty';

/** Why the terminal cannot be used, or undefined when it was opened: fd. */
export function openTerminal(path = TTY_PATH): { fd: number } | { why: string } {
  try {
    return { fd: openSync(path, 'r+') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { why: code === 'ENXIO' || code === 'ENOENT' ? 'no terminal' : `cannot open ${path}: ${code}` };
  }
}

/** Prompts on the terminal `fd` (taking ownership of it) and reads one line without echo. */
export async function promptOnTerminal(fd: number, prompt: string, signal?: AbortSignal): Promise<string> {
  if (!tty.isatty(fd)) {
    closeSync(fd);
    throw new ConnectError('NO_PASSWORD', `${TTY_PATH} is not a terminal`);
  }
  const input = new tty.ReadStream(fd);
  const output = new tty.WriteStream(fd);
  const cancelled = new Promise<never>((_, reject) => {
    // read@5 never settles when the line editor closes without a line (^D): catch that.
    input.once('pause', () => setImmediate(() => reject(new ConnectError('NO_PASSWORD', 'password entry cancelled'))));
  });
  try {
    return await raceSignal(Promise.race([read({ input, output, prompt, silent: true, terminal: true }), cancelled]), signal);
  } catch (err) {
    throw err instanceof ConnectError || signal?.aborted ? err : new ConnectError('NO_PASSWORD', 'password entry cancelled');
  } finally {
    cancelled.catch(() => {});
    if (input.isRaw) input.setRawMode(false);
    output.write('\n');
    input.destroy();
    output.destroy();
  }
}
