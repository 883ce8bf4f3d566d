/** Address literal helpers shared by config, validation and the wire formats. */
import { isIPv6 } from 'node:net';

/**
 * net.isIPv6 compiles a large regular expression on first use (a measured
 * start-up cost, test/bench/NOTES.md), so it is only asked about text with at least two
 * colons, as every IPv6 address has ('::' is the shortest): `host:port`
 * text such as a proxy's `127.0.0.1:1080` never reaches it.
 */
export function isIPv6Literal(text: string): boolean {
  const colon = text.indexOf(':');
  return colon >= 0 && text.indexOf(':', colon + 1) > 0 && isIPv6(text);
}

/** `[::1]` → `::1`: a bracketed IPv6 literal as a plain address; anything else as given. */
export function stripBrackets(host: string): string {
  return /^\[[^\]]*\]$/.test(host) ? host.slice(1, -1) : host;
}

/** 16 bytes of a valid IPv6 literal (`::` and an IPv4 tail allowed). */
export function ipv6Bytes(text: string): number[] {
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
