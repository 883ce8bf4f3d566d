/**
 * Proxy server specs: connect.c's `[user@]host[:port]` (with optional
 * `http://` prefix) and our `-x` proxy URLs (`socks5h://user:pw@host:port`).
 * Pure; throws ConnectError with one clear line.
 */
import { isIPv6Literal } from '../address.js';
import { isDigits, isLineTerminator, someChar } from '../chars.js';
import { ConnectError, type ErrorCode } from '../errors.js';
import type { ProxyKind, ResolveMode } from './types.js';
import { splitCondition, type LocalNetCondition } from './roaming.js';

export interface ServerSpec {
  /** Present when the spec had `user@` (possibly empty, as in connect.c). */
  user?: string;
  host: string;
  port: number;
  /** The spec began `https://` (beyond connect.c): TLS to the proxy. */
  tls?: true;
}

export interface SpecContext {
  /** Where the spec came from, for messages: `-S`, `SOCKS5_SERVER`, ... */
  source: string;
  /** USAGE for command-line values, CONFIG for environment / rc values. */
  code: ErrorCode;
}

function fail(ctx: SpecContext, spec: string, why: string): never {
  throw new ConnectError(ctx.code, `invalid proxy ${quoteSafely(spec)} (${ctx.source}): ${why}`);
}

/**
 * For error messages: control characters escaped, on one line, and any
 * password masked: what lies between the user's `:` and the last `@`
 * (`user:pass@host` in -S too, and a password holding `/` or `@`).
 */
function quoteSafely(text: string): string {
  const start = /^[a-z0-9+.-]+:\/\//i.exec(text)?.[0].length ?? 0;
  const at = text.lastIndexOf('@');
  const colon = text.indexOf(':', start);
  const masked = colon >= 0 && colon < at ? `${text.slice(0, colon)}:xxxx${text.slice(at)}` : text;
  return JSON.stringify(masked);
}

/**
 * `[user@]host[:port]`, `http://` prefix any case (the rest from the next
 * `/` dropped); beyond connect.c, `https://` the same way, default port 443.
 */
export function parseServerSpec(spec: string, defaultPort: number, ctx: SpecContext): ServerSpec {
  const scheme = httpScheme(spec);
  const rest = scheme ? spec.slice(scheme.length).split('/')[0]! : spec;
  if (scheme && spec.includes('@', scheme.length + rest.length)) {
    fail(ctx, spec, "'/' ends the host part, so a user or password holding it cannot be written here; give the password in HTTP_PROXY_PASSWORD instead");
  }
  const tls = scheme === 'https://';
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : undefined;
  const hostPort = (at >= 0 ? rest.slice(at + 1) : rest).split('/')[0]!;
  const { host, port } = splitHostPort(hostPort, tls ? 443 : defaultPort, (why) => fail(ctx, spec, why));
  return { ...(user === undefined ? {} : { user }), host, port, ...(tls ? { tls } : {}) };
}

/** `/^https?:\/\//i`: the scheme prefix, lower-cased, if `spec` has one. */
function httpScheme(spec: string): 'http://' | 'https://' | undefined {
  const head = spec.slice(0, 8).toLowerCase();
  return head.startsWith('http://') ? 'http://' : head === 'https://' ? 'https://' : undefined;
}

/** `/^\[([^\]]*)\](?::(.*))?$/`: `[host]` or `[host]:port` (no line break in the port). */
function bracketed(text: string): { host: string; portText: string | undefined } | undefined {
  const close = text.indexOf(']');
  if (!text.startsWith('[') || close < 0) return undefined;
  const host = text.slice(1, close);
  if (close === text.length - 1) return { host, portText: undefined };
  if (text[close + 1] !== ':') return undefined;
  const portText = text.slice(close + 2);
  return someChar(portText, isLineTerminator) ? undefined : { host, portText };
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`, bare `v6`. */
function splitHostPort(text: string, defaultPort: number, fail: (why: string) => never): Endpointish {
  let host: string;
  let portText: string | undefined;
  const bracket = bracketed(text);
  if (bracket) {
    host = bracket.host;
    portText = bracket.portText;
    if (!isIPv6Literal(host)) fail(`'${host}' is not an IPv6 address`);
  } else if (isIPv6Literal(text)) {
    host = text;
  } else {
    const colon = text.indexOf(':');
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  if (host === '') fail('empty host name');
  return { host, port: portText === undefined ? defaultPort : checkPort(portText, fail) };
}

interface Endpointish {
  host: string;
  port: number;
}

function checkPort(text: string, fail: (why: string) => never): number {
  if (!isDigits(text)) fail(`port '${text}' is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) fail(`port ${text} is outside 1-65535`);
  return port;
}

/** One `-x` URL, decoded. */
export interface ProxyUrl {
  kind: ProxyKind;
  user?: string;
  password?: string;
  host: string;
  port: number;
  /** socks5/socks4: local; socks5h/socks4a: remote (curl convention); http(s): remote. */
  resolve: ResolveMode;
}

const SCHEMES: Record<string, { kind: ProxyKind; port: number; resolve: ResolveMode }> = {
  socks5: { kind: 'socks5', port: 1080, resolve: 'local' },
  socks5h: { kind: 'socks5', port: 1080, resolve: 'remote' },
  socks4: { kind: 'socks4', port: 1080, resolve: 'local' },
  socks4a: { kind: 'socks4', port: 1080, resolve: 'remote' },
  http: { kind: 'http', port: 80, resolve: 'remote' },
  https: { kind: 'https', port: 443, resolve: 'remote' },
};

export function parseProxyUrl(url: string, ctx: SpecContext): ProxyUrl {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(url.trim());
  if (!m) fail(ctx, url, 'expected scheme://[user[:password]@]host[:port]');
  const scheme = SCHEMES[m[1]!.toLowerCase()];
  if (!scheme) fail(ctx, url, `unknown scheme '${m[1]}' (socks5, socks5h, socks4, socks4a, http, https)`);
  const authority = m[2]!.split(/[/?#]/)[0]!;
  // RFC 3986 §3.2: '/', '?' and '#' end the authority. An '@' after one is a
  // user or password holding it: what follows must not be taken as the host
  // (nor its port quoted in a message: it is part of the password).
  if (m[2]!.includes('@', authority.length)) {
    fail(ctx, url, "a '/', '?' or '#' in the user or password must be written %2F, %3F or %23");
  }
  const at = authority.lastIndexOf('@');
  const { host, port } = splitHostPort(authority.slice(at + 1), scheme.port, (why) => fail(ctx, url, why));
  const out: ProxyUrl = { kind: scheme.kind, host, port, resolve: scheme.resolve };
  if (at >= 0) Object.assign(out, userInfo(authority.slice(0, at), (why) => fail(ctx, url, why)));
  return out;
}

function userInfo(text: string, fail: (why: string) => never): { user: string; password?: string } {
  const colon = text.indexOf(':');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return fail('bad percent-encoding in credentials');
    }
  };
  if (colon < 0) return { user: decode(text) };
  return { user: decode(text.slice(0, colon)), password: decode(text.slice(colon + 1)) };
}

/** `url1,url2`: failover candidates, in order. */
export function parseProxyUrlList(text: string, ctx: SpecContext): ProxyUrl[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) fail(ctx, text, 'no proxy URL');
  return items.map((item) => parseProxyUrl(item, ctx));
}

/** `host1:1080,host2:1080`: failover candidates for a classic spec. */
export function parseServerSpecList(text: string, defaultPort: number, ctx: SpecContext): ServerSpec[] {
  return text.split(',').map((item) => parseServerSpec(item.trim(), defaultPort, ctx));
}

/**
 * One entry of a candidate list (-x, CONNECT_PROXY, openTunnel's `proxy`):
 * a proxy URL, `direct://` (no proxy at this hop), or `auto` (the
 * conventional environment, src/config/auto.ts); a proxy or direct entry
 * may end in `?localnet=...` (src/config/roaming.ts).
 */
export type CandidateUrl =
  | { kind: 'proxy'; url: ProxyUrl; when?: LocalNetCondition }
  | { kind: 'direct'; when?: LocalNetCondition }
  | { kind: 'auto' }
  /** Only from `auto`'s expansion: look for a PAC file by WPAD (src/pac/wpad.ts). */
  | { kind: 'wpad'; when?: undefined };

export function parseCandidateList(text: string, ctx: SpecContext): CandidateUrl[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) fail(ctx, text, 'no proxy URL');
  return items.map((item) => parseCandidate(item, ctx));
}

function parseCandidate(item: string, ctx: SpecContext): CandidateUrl {
  if (item.toLowerCase() === 'auto') return { kind: 'auto' };
  const { body, condition } = splitCondition(item, ctx.source, ctx.code);
  const when = condition ? { when: condition } : {};
  if (/^direct:\/\/\/?$/i.test(body)) return { kind: 'direct', ...when };
  return { kind: 'proxy', url: parseProxyUrl(body, ctx), ...when };
}

/** `host1:1080,direct,host2`: a classic spec list, where the word `direct` is a candidate too. */
export function parseServerCandidates(text: string, defaultPort: number, ctx: SpecContext): (ServerSpec | 'direct')[] {
  return text.split(',').map((item) => item.trim()).map((item) => (item.toLowerCase() === 'direct' ? 'direct' : parseServerSpec(item, defaultPort, ctx)));
}
