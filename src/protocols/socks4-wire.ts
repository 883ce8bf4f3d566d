/**
 * SOCKS4 and SOCKS4a wire format, pure. References: "SOCKS: A protocol for
 * TCP proxy across firewalls" (SOCKS4, Ying-Da Lee) and "SOCKS 4A: A Simple
 * Extension to SOCKS 4 Protocol" (Ying-Da Lee), both at
 * https://www.openssh.com/txt/socks4.protocol and …/socks4a.protocol.
 */
import { isIPv4Literal, isIPv6Literal } from '../address.js';
import { ConnectError } from '../errors.js';

/** SOCKS4 "CD" reply codes. */
export const GRANTED = 90;
const REPLY_TEXT: Record<number, string> = {
  90: 'request granted',
  91: 'request rejected or failed',
  92: 'request rejected: the SOCKS server cannot connect to identd on the client',
  93: 'request rejected: the client program and identd report different user ids',
};

export function replyText(code: number): string {
  return REPLY_TEXT[code] ?? `unknown reply code ${code}`;
}

/** 4a: the DSTIP 0.0.0.x (x ≠ 0) tells the server a host name follows the user id. */
const SOCKS4A_MARKER = Buffer.from([0, 0, 0, 1]);
const MAX_FIELD = 255;

/** What goes in DSTIP: a local IPv4 address, or the 4a host name. */
export type Socks4Destination = { ipv4: string } | { name: string };

/**
 * Where the target goes: its IPv4 when resolved locally (connect.c also takes
 * an IPv4 literal as resolved), else its name (4a). IPv6 cannot be carried.
 */
export function destination(host: string, resolvedLocally?: string): Socks4Destination {
  if (isIPv6Literal(host)) {
    throw new ConnectError('BAD_INPUT', `SOCKS4 cannot carry the IPv6 address ${host}; use SOCKS5 (-5)`);
  }
  if (resolvedLocally !== undefined && isIPv4Literal(resolvedLocally)) return { ipv4: resolvedLocally };
  return { name: host };
}

/**
 * CONNECT request: VN=4 CD=1 DSTPORT(2) DSTIP(4) USERID NUL, then for 4a
 * the host name and NUL.
 */
export function connectRequest(dest: Socks4Destination, port: number, user: string): Buffer {
  const userId = field(user, 'SOCKS4 user id');
  const head = Buffer.from([4, 1, port >> 8, port & 0xff]);
  if ('ipv4' in dest) {
    return Buffer.concat([head, Buffer.from(dest.ipv4.split('.').map(Number)), userId]);
  }
  if (dest.name === '') throw new ConnectError('BAD_INPUT', 'empty target host name');
  return Buffer.concat([head, SOCKS4A_MARKER, userId, field(dest.name, 'target host name')]);
}

/** A NUL-terminated string; NUL inside would end it early on the server. */
function field(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.includes(0)) throw new ConnectError('BAD_INPUT', `${what} contains a NUL byte`);
  if (bytes.length > MAX_FIELD) throw new ConnectError('BAD_INPUT', `${what} is ${bytes.length} bytes; at most ${MAX_FIELD} allowed`);
  return Buffer.concat([bytes, Buffer.from([0])]);
}

/** The reply is VN CD DSTPORT(2) DSTIP(4). Like connect.c, only CD is checked. */
export const REPLY_LENGTH = 8;

export function replyCode(reply: Buffer): number {
  return reply[1]!;
}
