/**
 * Address arithmetic for the PAC functions isInNet, isInNetEx and
 * sortIpAddressList. Pure.
 */
import { isIPv4 } from 'node:net';
import { ipv6Bytes, isIPv6Literal } from '../address.js';

/**
 * Netscape's dotted quad, as isInNet wants its pattern and mask: exactly
 * four decimal parts, each at most 255 (no shorthand like `10.1`).
 */
export function dottedQuad(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const parts = m?.slice(1).map(Number);
  return parts && parts.every((n) => n <= 255) ? parts : undefined;
}

/** isInNet(address, pattern, mask) once the host is an address: every masked bit equal. */
export function inNet(address: string, pattern: string, mask: string): boolean {
  const a = dottedQuad(address);
  const p = dottedQuad(pattern);
  const m = dottedQuad(mask);
  if (!a || !p || !m) return false;
  return a.every((byte, i) => (byte & m[i]!) === (p[i]! & m[i]!));
}

/** Bytes of an IPv4 (4) or IPv6 (16) literal; undefined for anything else. */
export function addressBytes(text: string): number[] | undefined {
  if (isIPv4(text)) return text.split('.').map(Number);
  return isIPv6Literal(text) && !text.includes('%') ? ipv6Bytes(text) : undefined;
}

/**
 * isInNetEx(address, "prefix/bits"): the address and the prefix of the same
 * family, the first `bits` bits equal (Microsoft's IPv6 extension).
 */
export function inNetEx(address: string, prefix: string): boolean {
  const slash = prefix.lastIndexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(prefix.slice(slash + 1))) return false;
  const bits = Number(prefix.slice(slash + 1));
  const a = addressBytes(address);
  const p = addressBytes(prefix.slice(0, slash));
  if (!a || !p || a.length !== p.length || bits > a.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const bit = 0x80 >> (i % 8);
    if ((a[i >> 3]! & bit) !== (p[i >> 3]! & bit)) return false;
  }
  return true;
}

/**
 * sortIpAddressList("a;b;..."): blanks dropped, every item an address
 * literal, IPv6 before IPv4, each family in ascending numeric order (as
 * Chromium and Internet Explorer). False when the list is empty or holds anything else.
 */
export function sortAddressList(list: string): string | false {
  const items = list.replace(/[ \t]/g, '').split(';').filter((s) => s !== '');
  const parsed = items.map((text) => ({ text, bytes: addressBytes(text) }));
  if (parsed.length === 0 || parsed.some((p) => !p.bytes)) return false;
  return parsed
    .sort((x, y) => compareBytes(x.bytes!, y.bytes!))
    .map((p) => p.text)
    .join(';');
}

function compareBytes(a: number[], b: number[]): number {
  if (a.length !== b.length) return b.length - a.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
