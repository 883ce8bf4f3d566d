/** SOCKS5 wire format, pure (RFC 1928, RFC 1929). */
import { ipv6Bytes, isIPv4Literal, isIPv6Literal } from '../address.js';
import { ConnectError } from '../errors.js';
import { shownUser } from '../log.js';
import type { Socks5AuthMethod } from '../config/types.js';

export const METHOD_CODES: Record<Socks5AuthMethod, number> = { none: 0x00, gssapi: 0x01, userpass: 0x02, chap: 0x03 };
export const NO_ACCEPTABLE_METHOD = 0xff;

/** RFC 1928 §6 reply codes. */
const REPLY_TEXT: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

export function replyText(code: number): string {
  return REPLY_TEXT[code] ?? `unknown reply code ${code}`;
}

/** RFC 1928 §3: VER NMETHODS METHODS... */
export function greeting(methods: readonly Socks5AuthMethod[]): Buffer {
  return Buffer.from([5, methods.length, ...methods.map((m) => METHOD_CODES[m])]);
}

/**
 * RFC 1928 §3: VER METHOD. Returns the chosen method code: one of `offered`,
 * or NO_ACCEPTABLE_METHOD. The server "selects from among the methods
 * given"; one that picks another (user/password after `-a none`) is refused
 * here, before any credential is sent.
 */
export function parseMethodChoice(reply: Buffer, peer: string, offered: readonly Socks5AuthMethod[]): number {
  if (reply[0] !== 5) throw new ConnectError('PROXY_PROTOCOL', `${peer} is not a SOCKS5 server (version byte ${reply[0]})`);
  const choice = reply[1]!;
  if (choice !== NO_ACCEPTABLE_METHOD && !offered.some((m) => METHOD_CODES[m] === choice)) {
    throw new ConnectError('AUTH', `${peer} chose authentication method ${choice}, which was not offered (${offered.join(', ')}); nothing was sent`);
  }
  return choice;
}

/** RFC 1929 §2: VER(1) ULEN UNAME PLEN PASSWD. */
export function userPassRequest(user: string, password: string): Buffer {
  const u = Buffer.from(user, 'utf8');
  const p = Buffer.from(password, 'utf8');
  if (u.length > 255) throw new ConnectError('BAD_INPUT', 'SOCKS5 user name is longer than 255 bytes');
  if (p.length > 255) throw new ConnectError('BAD_INPUT', 'SOCKS5 password is longer than 255 bytes');
  return Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]);
}

/** The same request as it may be logged: the password (and any `:password` in the user) replaced. */
export function userPassRequestRedacted(user: string): string {
  return `01 ${Buffer.from(user).length.toString(16).padStart(2, '0')} ${JSON.stringify(shownUser(user))} xx xxxx`;
}

export type Socks5Address = { type: 'domain'; name: string } | { type: 'ipv4'; address: string } | { type: 'ipv6'; address: string };

/** How a target goes on the wire: a literal address by its type only when resolved locally. */
export function targetAddress(host: string, resolvedLocally?: string): Socks5Address {
  if (resolvedLocally !== undefined) return { type: isIPv4Literal(resolvedLocally) ? 'ipv4' : 'ipv6', address: resolvedLocally };
  if (isIPv6Literal(host)) return { type: 'ipv6', address: host };
  return { type: 'domain', name: host };
}

/** RFC 1928 §4: VER CMD(1=CONNECT) RSV ATYP DST.ADDR DST.PORT */
export function connectRequest(addr: Socks5Address, port: number): Buffer {
  const head = Buffer.from([5, 1, 0]);
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  return Buffer.concat([head, encodeAddress(addr), portBytes]);
}

function encodeAddress(addr: Socks5Address): Buffer {
  if (addr.type === 'ipv4') return Buffer.from([1, ...addr.address.split('.').map(Number)]);
  if (addr.type === 'ipv6') return Buffer.from([4, ...ipv6Bytes(addr.address)]);
  return encodeDomain(addr.name);
}

function encodeDomain(host: string): Buffer {
  const name = Buffer.from(host, 'utf8');
  if (name.length === 0) throw new ConnectError('BAD_INPUT', 'empty target host name');
  if (name.length > 255) throw new ConnectError('BAD_INPUT', `target host name is ${name.length} bytes; SOCKS5 allows at most 255`);
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

/** RFC 1928 §6: the reply starts VER REP RSV ATYP. Returns REP and ATYP. */
export function parseReplyHead(head: Buffer, peer: string): { rep: number; atyp: number } {
  if (head[0] !== 5) throw new ConnectError('PROXY_PROTOCOL', `${peer} sent a reply with version ${head[0]}, not 5`);
  return { rep: head[1]!, atyp: head[3]! };
}

/**
 * Bytes of BND.ADDR + BND.PORT that follow the head for this ATYP; for a
 * domain (3) the caller reads the length byte first and passes it.
 */
export function boundAddressLength(atyp: number, peer: string, domainLength = 0): number {
  switch (atyp) {
    case 1: return 4 + 2;
    case 3: return domainLength + 2;
    case 4: return 16 + 2;
    default: throw new ConnectError('PROXY_PROTOCOL', `${peer} sent a reply with unknown address type ${atyp}`);
  }
}
