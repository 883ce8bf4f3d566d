import { isIPv6 } from 'node:net';

/**
 * net.isIPv6 compiles a large regular expression on first use (2.7-3 ms of
 * startup, measured), so it is only asked about text with at least two
 * colons, as every IPv6 address has ('::' is the shortest): `host:port`
 * text such as a proxy's `127.0.0.1:1080` never reaches it.
 */
export function isIPv6Literal(text: string): boolean {
  const colon = text.indexOf(':');
  return colon >= 0 && text.indexOf(':', colon + 1) > 0 && isIPv6(text);
}
