/**
 * Direct lists (SOCKS5_DIRECT, ..., NO_PROXY): which targets bypass the proxy.
 * Entries: `!` negation; IPv4 ranges `10.1.2.3/255.255.255.0`, `10.1.2.0/24`,
 * `10.1.2.` (also `10.1.2`: any digits-and-dots form, as connect.c); IPv6
 * ranges `fd00::/8`; anything else a name (leading `*.` / `.` ignored,
 * case-insensitive suffix match on a label boundary). First match decides.
 */
import { ipv6Bytes, isIPv4Literal, isIPv6Literal, stripBrackets } from '../address.js';
import { isDigits } from '../chars.js';

export type DirectRule =
  | { type: 'name'; name: string; negative: boolean }
  | { type: 'net'; family: 4 | 6; addr: number[]; mask: number[]; negative: boolean }
  /** NO_PROXY=`*`: every target. */
  | { type: 'all'; negative: boolean };

export function parseDirectList(text: string): DirectRule[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '!')
    .map(parseEntry);
}

function parseEntry(entry: string): DirectRule {
  const negative = entry.startsWith('!');
  const body = negative ? entry.slice(1) : entry;
  if (body === '*') return { type: 'all', negative };
  const net = parseIPv4Range(body) ?? parseIPv6Range(body);
  if (net) return { ...net, negative };
  return { type: 'name', name: body.replace(/^\*/, '').replace(/^\./, '').toLowerCase(), negative };
}

type Net = { type: 'net'; family: 4 | 6; addr: number[]; mask: number[] };

function makeNet(family: 4 | 6, addr: number[], mask: number[]): Net {
  return { type: 'net', family, addr: addr.map((b, i) => b & mask[i]!), mask };
}

/** connect.c's three IPv4 forms; partial addresses get an automatic mask. */
function parseIPv4Range(text: string): Net | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){0,3})\.?(?:\/(.*))?$/.exec(text);
  if (!m) return undefined;
  const parts = m[1]!.split('.').map(Number);
  if (parts.some((b) => b > 255)) return undefined;
  const addr = [0, 0, 0, 0].map((_, i) => parts[i] ?? 0);
  if (m[2] === undefined) return makeNet(4, addr, [0, 1, 2, 3].map((i) => (i < parts.length ? 255 : 0)));
  const mask = isDigits(m[2]) ? prefixMask(Number(m[2]), 4) : dottedMask(m[2]);
  return mask ? makeNet(4, addr, mask) : undefined;
}

function dottedMask(text: string): number[] | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){0,3}$/.test(text)) return undefined;
  const parts = text.split('.').map(Number);
  if (parts.some((b) => b > 255)) return undefined;
  return [0, 1, 2, 3].map((i) => parts[i] ?? 0);
}

/** `/n` as bytes; undefined when n is out of range. */
function prefixMask(bits: number, family: 4 | 6): number[] | undefined {
  const len = family === 4 ? 4 : 16;
  if (!Number.isInteger(bits) || bits < 0 || bits > len * 8) return undefined;
  return Array.from({ length: len }, (_, i) => {
    const n = Math.min(8, Math.max(0, bits - i * 8));
    return (0xff << (8 - n)) & 0xff;
  });
}

function parseIPv6Range(text: string): Net | undefined {
  const m = /^\[?([0-9a-fA-F:.]+)\]?(?:\/(\d+))?$/.exec(text);
  if (!m || !isIPv6Literal(m[1]!)) return undefined;
  const mask = prefixMask(m[2] === undefined ? 128 : Number(m[2]), 6);
  return mask ? makeNet(6, ipv6Bytes(m[1]!), mask) : undefined;
}

/** An address literal as [family, bytes]; IPv4-mapped IPv6 counts as IPv4. */
function addressBytes(text: string): [4 | 6, number[]] | undefined {
  const bare = stripBrackets(text).replace(/%.*$/, '');
  if (isIPv4Literal(bare)) return [4, bare.split('.').map(Number)];
  if (!isIPv6Literal(bare)) return undefined;
  const bytes = ipv6Bytes(bare);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? [4, bytes.slice(12)] : [6, bytes];
}

function netMatches(rule: Extract<DirectRule, { type: 'net' }>, addr: [4 | 6, number[]]): boolean {
  return addr[0] === rule.family && addr[1].every((b, i) => (b & rule.mask[i]!) === rule.addr[i]);
}

/** connect.c's domain_match: exact, or a suffix starting at a label boundary. */
export function domainMatch(name: string, suffix: string): boolean {
  if (suffix === '' || name.length < suffix.length) return false;
  if (!name.endsWith(suffix)) return false;
  return name.length === suffix.length || name[name.length - suffix.length - 1] === '.';
}

/**
 * Is `host` to be connected to directly? An address literal is checked
 * against ranges only, a name against names; `addresses` (the target
 * resolved locally, when it was) are checked against ranges too.
 * The first rule that matches decides; no match: not direct.
 */
export function matchDirect(rules: readonly DirectRule[], host: string, addresses: readonly string[] = []): boolean {
  const literal = addressBytes(host);
  const name = literal ? undefined : host.toLowerCase().replace(/\.$/, '');
  const addrs = [literal, ...addresses.map(addressBytes)].filter((a) => a !== undefined);
  for (const rule of rules) {
    if (ruleMatches(rule, name, addrs)) return !rule.negative;
  }
  return false;
}

function ruleMatches(rule: DirectRule, name: string | undefined, addrs: [4 | 6, number[]][]): boolean {
  if (rule.type === 'all') return true;
  if (rule.type === 'name') return name !== undefined && domainMatch(name, rule.name);
  return addrs.some((a) => netMatches(rule, a));
}

/** os.networkInterfaces()-shaped input (only the fields used here). */
export type NetworkInterfacesLike = Record<
  string,
  ReadonlyArray<{ address: string; netmask: string; family: string | number }> | undefined
>;

/** -D: every interface's network (address/mask), IPv4 and IPv6. */
export function localNetworkRules(ifaces: NetworkInterfacesLike): DirectRule[] {
  const rules: DirectRule[] = [];
  for (const list of Object.values(ifaces)) {
    for (const i of list ?? []) {
      const addr = addressBytes(i.address);
      const mask = addressBytes(i.netmask);
      if (!addr || !mask || addr[1].length !== mask[1].length) continue;
      rules.push({ ...makeNet(addr[0], addr[1], mask[1]), negative: false });
    }
  }
  return rules;
}

/** Every interface's address, with the interface's name (loopback included, as ssh's `Match localnetwork`). */
export function localAddresses(ifaces: NetworkInterfacesLike): { name: string; address: string }[] {
  return Object.entries(ifaces).flatMap(([name, list]) => (list ?? []).map((i) => ({ name, address: i.address })));
}

/** The entries of a direct list as written, index for index with parseDirectList's rules. */
export function directEntries(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== '!');
}

/** The index of the rule that decides for `host` (first match), or -1. */
export function decidingRule(rules: readonly DirectRule[], host: string): number {
  for (let i = 0; i < rules.length; i++) {
    if (matchDirect([rules[i]!], host) || (rules[i]!.negative && matchDirect([{ ...rules[i]!, negative: false }], host))) return i;
  }
  return -1;
}
