/**
 * What FindProxyForURL returns → the routes to try, in order. Pure.
 *
 * The format is Netscape's (1996), as Chromium and Firefox read it: entries
 * separated by `;`, each `DIRECT` or `KEYWORD host[:port]`, keywords in any
 * case, blanks around entries ignored. Keywords:
 *   PROXY, HTTP   an HTTP proxy (CONNECT), port 80 by default
 *   HTTPS         an HTTP proxy reached over TLS, port 443 by default
 *   SOCKS, SOCKS4 a SOCKS4 proxy: bare SOCKS is version 4, as in every browser
 *   SOCKS5        a SOCKS5 proxy
 * SOCKS ports default to 1080. Like the browsers, an entry that cannot be
 * read is skipped (and reported); unlike them, a result with no usable
 * entry at all (empty, or all garbage) is an error, never a silent DIRECT.
 */
import { isIPv4 } from 'node:net';
import { isIPv6Literal } from '../address.js';

export type PacProxyKind = 'http' | 'https' | 'socks4' | 'socks5';

export type PacRoute =
  | { type: 'direct' }
  | { type: 'proxy'; kind: PacProxyKind; host: string; port: number };

export interface PacResult {
  routes: PacRoute[];
  /** Entries that could not be read, as the script wrote them. */
  skipped: string[];
}

const KEYWORDS: Record<string, { kind: PacProxyKind; port: number }> = {
  proxy: { kind: 'http', port: 80 },
  http: { kind: 'http', port: 80 },
  https: { kind: 'https', port: 443 },
  socks: { kind: 'socks4', port: 1080 },
  socks4: { kind: 'socks4', port: 1080 },
  socks5: { kind: 'socks5', port: 1080 },
};

/** A DNS name (letters, digits, `-`, `_`, dots), an IPv4 or a bracketed IPv6 literal. */
const NAME = /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$/i;

export function parsePacResult(text: string): PacResult {
  const routes: PacRoute[] = [];
  const skipped: string[] = [];
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const route = parseEntry(entry);
    if (route) routes.push(route);
    else skipped.push(entry);
  }
  return { routes, skipped };
}

function parseEntry(entry: string): PacRoute | undefined {
  const words = entry.split(/[ \t\r\n]+/);
  const keyword = words[0]!.toLowerCase();
  if (keyword === 'direct') return words.length === 1 ? { type: 'direct' } : undefined;
  const known = Object.hasOwn(KEYWORDS, keyword) ? KEYWORDS[keyword] : undefined;
  if (!known || words.length !== 2) return undefined;
  const address = splitAddress(words[1]!, known.port);
  return address && { type: 'proxy', kind: known.kind, ...address };
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; undefined when unusable. */
function splitAddress(text: string, defaultPort: number): { host: string; port: number } | undefined {
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracket) {
    return isIPv6Literal(bracket[1]!) ? withPort(bracket[1]!, bracket[2], defaultPort) : undefined;
  }
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m || !(isIPv4(m[1]!) || (NAME.test(m[1]!) && m[1]!.length <= 253))) return undefined;
  return withPort(m[1]!, m[2], defaultPort);
}

function withPort(host: string, portText: string | undefined, defaultPort: number): { host: string; port: number } | undefined {
  const port = portText === undefined ? defaultPort : Number(portText);
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}

/** A route as PAC would write it, for --explain and -d. */
export function formatRoute(route: PacRoute): string {
  if (route.type === 'direct') return 'DIRECT';
  const host = route.host.includes(':') ? `[${route.host}]` : route.host;
  return `${{ http: 'PROXY', https: 'HTTPS', socks4: 'SOCKS4', socks5: 'SOCKS5' }[route.kind]} ${host}:${route.port}`;
}
