/**
 * Debug output (SPEC §6), through the `debug` package so that
 * DEBUG=connect:* works too. Secrets never reach a logger: callers pass
 * redacted values (see `redactAuth`), and passwords are not in any object
 * that gets logged whole.
 */
import createDebug from 'debug';
import { format } from 'node:util';

export type Logger = createDebug.Debugger;

export function logger(namespace: string): Logger {
  const log = createDebug(`connect:${namespace}`);
  log.log = writeStderr;
  return log;
}

function writeStderr(...args: unknown[]): void {
  process.stderr.write(`${format(...args)}\n`);
}

/** -d enables every namespace but relayed data; -dd adds connect:data. */
export function enableDebug(level: number, inherited = process.env.DEBUG): void {
  if (level <= 0) return;
  const ours = level >= 2 ? 'connect:*' : 'connect:*,-connect:data';
  createDebug.enable([inherited, ours].filter(Boolean).join(','));
}

export function hex(bytes: Uint8Array, max = 512): string {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max));
  const text = shown.toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > max ? `${text} ... (${bytes.length} bytes)` : text;
}

/** A Proxy-Authorization header value as it may be shown: scheme only. */
export function redactAuth(value: string): string {
  const scheme = value.split(' ', 1)[0];
  return `${scheme} xxxx`;
}
