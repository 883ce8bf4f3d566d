/**
 * Last check of a TunnelConfig before anything touches the network
 * (SECURITY.md, "What is validated, and where"): every host, port, user and password that will go
 * on a wire must fit its protocol and must not be able to inject into it
 * (CR/LF in an HTTP request line, NUL in a SOCKS4a name, a 600-byte SOCKS5
 * name). Throws ConnectError('BAD_INPUT') with one line; never echoes a
 * password.
 */
import { hostProblem, isIPv4Literal, isIPv6Literal, MAX_HOST_BYTES, zoneId } from '../address.js';
import { isControl, someChar } from '../chars.js';
import { ConnectError } from '../errors.js';
import type { Endpoint, Hop, ProxyServer, TunnelConfig } from './types.js';

/** RFC 1928: the name's length is one byte. */
const SOCKS5_MAX_NAME = 255;
/** RFC 1929: ULEN and PLEN are one byte each. */
const SOCKS5_MAX_CREDENTIAL = 255;
const KINDS = new Set(['socks5', 'socks4', 'http', 'https', 'telnet']);

export function validateTunnel(config: TunnelConfig): void {
  if (!config || typeof config !== 'object' || !Array.isArray(config.hops)) bad('invalid tunnel configuration');
  validateEndpoint(config.target, 'target');
  if (config.pac !== undefined && (typeof config.pac?.source !== 'string' || config.hops.length > 0)) bad('a PAC script decides the whole route: give it no proxy hops');
  config.hops.forEach((hop, i) => {
    if (!hop || !Array.isArray(hop.candidates) || hop.candidates.length === 0) bad(`proxy hop ${i + 1} has no proxy server`);
    for (const candidate of hop.candidates) if (candidate?.kind !== 'direct' && candidate?.kind !== 'wpad') validateProxy(candidate);
  });
  // What each hop is asked to connect to: the next hop's proxies, or the target.
  for (let i = 0; i < config.hops.length; i++) {
    for (const via of proxiesOf(config.hops[i]!)) for (const next of nextsOf(config, i)) checkNameFor(via, next.endpoint, next.what);
  }
}

function proxiesOf(hop: Hop): ProxyServer[] {
  return hop.candidates.filter((c): c is ProxyServer => c.kind !== 'direct' && c.kind !== 'wpad');
}

/** What hop `i` may be asked to connect to: a proxy of a later hop (past `direct://` candidates), or the target. */
function nextsOf(config: TunnelConfig, i: number): { endpoint: Endpoint; what: string }[] {
  const out: { endpoint: Endpoint; what: string }[] = [];
  for (let j = i + 1; j < config.hops.length; j++) {
    const hop = config.hops[j]!;
    out.push(...proxiesOf(hop).map((p) => ({ endpoint: p, what: 'proxy host' })));
    if (!hop.candidates.some((c) => c.kind === 'direct')) return out;
  }
  out.push({ endpoint: config.target, what: 'target host' });
  return out;
}

/** Host and port fit for any protocol (no injection possible). */
function validateEndpoint(endpoint: Endpoint, what: string): void {
  if (!endpoint || typeof endpoint !== 'object') bad(`missing ${what}`);
  validateHost(endpoint.host, `${what} host`);
  validatePort(endpoint.port, `${what} port`);
}

function validateHost(host: unknown, what: string): void {
  if (typeof host !== 'string') bad(`empty ${what}`);
  const problem = hostProblem(host);
  if (problem === 'is empty') bad(`empty ${what}`);
  if (problem) bad(`${what} ${show(host)} ${problem}`);
}

function validatePort(port: unknown, what: string): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    bad(`${what} ${show(String(port))} is not a port number 1-65535`);
  }
}

function validateProxy(proxy: ProxyServer): void {
  if (!proxy || !KINDS.has(proxy.kind)) bad(`unknown proxy type ${show(String(proxy?.kind))}`);
  validateEndpoint(proxy, `${proxy.kind} proxy`);
  const where = `${proxy.kind} proxy ${proxy.host}`;
  if (proxy.user !== undefined) validateUser(proxy, where);
  if (proxy.password !== undefined && proxy.kind === 'socks5') {
    if (typeof proxy.password !== 'string') bad(`password for ${where} is not a string`);
    const n = Buffer.byteLength(proxy.password, 'utf8');
    // Never echo the password itself, not even a part of it.
    if (n > SOCKS5_MAX_CREDENTIAL) bad(`password for ${where} is ${n} bytes long; SOCKS5 allows at most ${SOCKS5_MAX_CREDENTIAL}`);
  }
}

function validateUser(proxy: ProxyServer, where: string): void {
  const user = proxy.user;
  if (typeof user !== 'string') bad(`user for ${where} is not a string`);
  // SOCKS4 ends the user id with NUL; HTTP Digest quotes it in a header.
  if (someChar(user, isControl)) bad(`user for ${where} contains a control character`);
  const n = Buffer.byteLength(user, 'utf8');
  if ((proxy.kind === 'socks5' || proxy.kind === 'socks4') && n > SOCKS5_MAX_CREDENTIAL) {
    bad(`user for ${where} is ${n} bytes long; ${proxy.kind.toUpperCase()} allows at most ${SOCKS5_MAX_CREDENTIAL}`);
  }
  if (n > MAX_HOST_BYTES) bad(`user for ${where} is ${n} bytes long (at most ${MAX_HOST_BYTES})`);
}

/**
 * A SOCKS5 proxy gets a name (atyp 3) for anything but an IPv6 literal: one
 * length byte. SOCKS4a names get the same limit (src/protocols/socks4-wire.ts).
 */
function checkNameFor(via: ProxyServer, next: Endpoint, what: string): void {
  // A zone id names an interface of this host: no proxy can be given one (SOCKS5's 16 bytes have no room for it).
  if (typeof next?.host === 'string' && isIPv6Literal(next.host) && zoneId(next.host) !== undefined) {
    bad(`${what} ${show(next.host)} has a zone id, which only this host can use; it cannot be sent to a ${via.kind} proxy`);
  }
  if (via.kind !== 'socks5' && via.kind !== 'socks4') return;
  if (typeof next?.host !== 'string' || isIPv6Literal(next.host) || isIPv4Literal(next.host)) return;
  const n = Buffer.byteLength(next.host, 'utf8');
  const name = via.kind === 'socks5' ? 'SOCKS5' : 'SOCKS4a';
  if (n > SOCKS5_MAX_NAME) bad(`${what} is ${n} bytes long; ${name} allows at most ${SOCKS5_MAX_NAME}`);
}

/** A value as it may appear in an error: quoted, escaped, shortened. */
function show(value: string): string {
  const short = value.length > 64 ? `${value.slice(0, 64)}...` : value;
  return JSON.stringify(short).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function bad(message: string): never {
  throw new ConnectError('BAD_INPUT', message);
}
