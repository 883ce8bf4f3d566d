/**
 * Debug output (-d, README "Usage"; SECURITY.md "Secrets: never shown"), through the `debug` package so that
 * DEBUG=connect:* works too. Secrets never reach a logger: callers pass
 * redacted values (see `redactAuth`), and passwords are not in any object
 * that gets logged whole.
 *
 * Startup cost: `debug` (with tty, supports-color and ms) is loaded only
 * when debug output can happen, i.e. when DEBUG is set or -d enables it.
 * Until then every logger is a no-op whose `enabled` is false.
 */
import type { Debug, Debugger } from 'debug';
import { format } from 'node:util';
import { lazyPackage } from './lazy-package.js';

export interface Logger {
  (formatter: unknown, ...args: unknown[]): void;
  /** Whether a call would print; read it to skip costly formatting. */
  readonly enabled: boolean;
  readonly namespace: string;
}

let debugLoaded = false;
const loadDebugPackage = lazyPackage<Debug>(() => require('debug'), 'debug');

function loadDebug(): Debug {
  debugLoaded = true;
  return loadDebugPackage();
}

/** DEBUG set (to anything) means `debug` must decide; unset means silence. */
function active(): boolean {
  return debugLoaded || !!process.env['DEBUG'];
}

export function logger(namespace: string): Logger {
  const name = `connect:${namespace}`;
  let real: Debugger | undefined;
  const get = (): Debugger => {
    if (!real) {
      real = loadDebug()(name);
      real.log = writeStderr;
    }
    return real;
  };
  const log = (formatter: unknown, ...args: unknown[]): void => {
    if (active()) get()(formatter, ...args);
  };
  return Object.defineProperties(log, {
    enabled: { get: () => active() && get().enabled, enumerable: true },
    namespace: { value: name, enumerable: true },
  }) as Logger;
}

function writeStderr(...args: unknown[]): void {
  process.stderr.write(`${format(...args)}\n`);
}

/** -d enables every namespace but relayed data; -dd adds connect:data. */
export function enableDebug(level: number, inherited = process.env.DEBUG): void {
  if (level <= 0) return;
  const ours = level >= 2 ? 'connect:*' : 'connect:*,-connect:data';
  loadDebug().enable([inherited, ours].filter(Boolean).join(','));
}

export function hex(bytes: Uint8Array, max = 512): string {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max));
  const text = shown.toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > max ? `${text} ... (${bytes.length} bytes)` : text;
}

/**
 * A proxy user as it may be shown: connect.c sends `-S alice:secret@proxy`'s
 * whole `alice:secret` as the user name, but what follows a colon is a
 * password typed on the command line (see the warning in config/build.ts).
 */
export function shownUser(user: string): string {
  const colon = user.indexOf(':');
  return colon < 0 ? user : `${user.slice(0, colon)}:xxxx`;
}

/** A Proxy-Authorization header value as it may be shown: scheme only. */
export function redactAuth(value: string): string {
  const scheme = value.split(' ', 1)[0];
  return `${scheme} xxxx`;
}
