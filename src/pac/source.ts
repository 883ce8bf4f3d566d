/**
 * Where a PAC script comes from: `pac+file:///path`, `pac+http://…`,
 * `pac+https://…` (the `pac+` prefix tells a script's URL from a proxy's).
 * Pure; throws ConnectError with one line.
 */
import { ConnectError, type ErrorCode } from '../errors.js';

export interface PacLocation {
  scheme: 'file' | 'http' | 'https';
  /** The script's URL without `pac+`. */
  url: URL;
}

/** True for anything that should be read as a PAC location (then parsePacUrl decides). */
export function isPacUrl(text: string): boolean {
  return /^pac\+/i.test(text.trim());
}

export function parsePacUrl(text: string, source: string, code: ErrorCode): PacLocation {
  const fail = (why: string): never => {
    throw new ConnectError(code, `invalid PAC URL ${JSON.stringify(redact(text))} (${source}): ${why}`);
  };
  const m = /^pac\+(file|https?):(.*)$/is.exec(text.trim());
  if (!m) fail('expected pac+file:///path, pac+http://host/path or pac+https://host/path');
  const scheme = m![1]!.toLowerCase() as PacLocation['scheme'];
  let url: URL;
  try {
    url = new URL(`${scheme}:${m![2]}`);
  } catch {
    return fail('not a URL');
  }
  if (scheme === 'file') {
    if (url.hostname !== '' && url.hostname !== 'localhost') fail('a file URL names no other host (pac+file:///path)');
    if (url.pathname === '/' || url.pathname === '') fail('no file path');
  } else if (url.hostname === '') {
    fail('no host');
  }
  if (url.username || url.password) fail('credentials in a PAC URL are not supported');
  return { scheme, url };
}

/** A URL fit for messages and -d: never a password. */
export function redact(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//xxxx@');
}

/** The location as the user wrote it (with `pac+`), for messages. */
export function describePac(location: PacLocation): string {
  return `pac+${location.url.href}`;
}
