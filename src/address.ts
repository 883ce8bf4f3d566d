/**
 * Hosts, addresses and endpoints: what a valid host is, and how an endpoint
 * or a proxy is written in messages. Neutral: config, transport, protocols
 * and the CLI all use it, and it uses none of them.
 */
import { isIPv6 } from 'node:net';
import { isControlOrSpace, isDigits, someChar } from './chars.js';

export interface Endpoint {
  /** Host name or address literal; IPv6 without brackets. */
  host: string;
  port: number;
}

/**
 * net.isIPv6 compiles a large regular expression on first use (a measured
 * start-up cost, test/bench/NOTES.md), so it is only asked about text with
 * at least two colons, as every IPv6 address has ('::' is the shortest): `host:port`
 * text such as a proxy's `127.0.0.1:1080` never reaches it.
 */
export function isIPv6Literal(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon < 0 || text.indexOf(':', colon + 1) < 0) return false;
  const zone = zoneId(text);
  return (zone === undefined || ZONE_ID.test(zone)) && isIPv6(text);
}

/**
 * net.isIPv4 as a loop over the four parts: dotted-decimal 0-255 each, no
 * leading zeros. Node's own check is a regular expression that V8 compiles
 * to machine code at its second use, which net.connect makes at every
 * start (test/bench/NOTES.md); this one leaves net.connect the only use.
 */
export function isIPv4Literal(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every(isOctet);
}

function isOctet(part: string): boolean {
  return part.length <= 3 && isDigits(part) && (part.length === 1 || part[0] !== '0') && Number(part) <= 255;
}

/**
 * RFC 6874 §2: a zone id (`fe80::1%eth0`) is unreserved characters: an
 * interface name or number. net.isIPv6 takes anything after the `%`,
 * `:` included, which would then be read as more address groups.
 */
const ZONE_ID = /^[A-Za-z0-9._~-]+$/;

/** The zone id of an IPv6 literal (`eth0` of `fe80::1%eth0`), if it has one. */
export function zoneId(text: string): string | undefined {
  const percent = text.indexOf('%');
  return percent < 0 ? undefined : text.slice(percent + 1);
}

/** `[::1]` → `::1`: a bracketed IPv6 literal as a plain address; anything else as given. */
export function stripBrackets(host: string): string {
  const bracketed = host.startsWith('[') && host.indexOf(']') === host.length - 1; // /^\[[^\]]*\]$/
  return bracketed ? host.slice(1, -1) : host;
}

/** 16 bytes of a valid IPv6 literal (`::` and an IPv4 tail allowed; a zone id ignored). */
export function ipv6Bytes(literal: string): number[] {
  const text = literal.split('%')[0]!; // a zone id is not part of the address
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): number[] => {
    if (!s) return [];
    return s.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const b = g.split('.').map(Number);
      return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    });
  };
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Other protocols have no length byte; DNS names are at most 253 bytes anyway. */
export const MAX_HOST_BYTES = 1024;

/** Never part of a host: URL/userinfo separators and brackets (IPv6 is stored bare). */
const isForbidden = (code: number): boolean =>
  code === 0x2f || code === 0x40 || code === 0x5b || code === 0x5d || code === 0x5c || code === 0x3f || code === 0x23; // / @ [ ] \ ? #

/**
 * The one definition of a valid host (target or proxy, every protocol):
 * undefined when `host` is one, else why not. Nothing it accepts can inject
 * into a request line (HTTP, telnet) or a NUL-terminated field (SOCKS4a).
 */
export function hostProblem(host: string): string | undefined {
  if (host === '') return 'is empty';
  const bytes = Buffer.byteLength(host, 'utf8');
  if (bytes > MAX_HOST_BYTES) return `is ${bytes} bytes long (at most ${MAX_HOST_BYTES})`;
  if (someChar(host, isControlOrSpace)) return 'contains a control character or a space';
  if (someChar(host, isForbidden)) return 'contains a character not allowed in a host name';
  // ':' and '%' (zone id) belong to IPv6 literals only.
  if ((host.includes(':') || host.includes('%')) && !isIPv6Literal(host)) return "contains ':' or '%' but is not an IPv6 address";
  return undefined;
}

/** `host:port`, `[v6]:port`. */
export function formatEndpoint({ host, port }: Endpoint): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const KIND_NAMES: Record<string, string> = { socks5: 'SOCKS5', socks4: 'SOCKS4', http: 'HTTP', https: 'HTTPS', telnet: 'telnet' };

/** `SOCKS5 proxy gw:1080`. */
export function describeProxy(proxy: Endpoint & { kind: string }): string {
  return `${KIND_NAMES[proxy.kind] ?? proxy.kind} proxy ${formatEndpoint(proxy)}`;
}
