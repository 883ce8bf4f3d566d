/**
 * The friendly library entry (README "Library", modelled on Go's socks.Dial):
 *
 *   const sock = await openTunnel({ proxy: 'socks5h://user:pw@gw:1080', host: 'db', port: 22 });
 *
 * `proxy` is a URL (socks5, socks5h, socks4, socks4a, http, https, or
 * direct:// for no proxy), a comma-separated failover list, or an array of those for a chain (first
 * hop first). It converts to the TunnelConfig that open.ts (and the CLI)
 * use; no environment or rc file is read here.
 */
import type { Duplex } from 'node:stream';
import { ConnectError } from './errors.js';
import { open } from './open.js';
import { networkInterfaces } from 'node:os';
import { parseCandidateList, type SpecContext } from './config/spec.js';
import { evaluateCondition } from './config/roaming.js';
import { makeProxyServer, type ServerSettings } from './config/server.js';
import { stripBrackets } from './address.js';
import { parseDirectList } from './config/direct.js';
import { parseResolve } from './config/build.js';
import type { Candidate, PasswordSource, Socks5AuthMethod, TunnelConfig } from './config/types.js';

export interface TunnelOptions {
  /** Proxy URL, `url1,url2` failover, or an array of those (a chain). Omitted or empty: direct. */
  proxy?: string | readonly string[];
  host: string;
  port: number;
  /** One deadline over resolving, connecting and negotiating (ms). */
  timeout?: number;
  /** Where SOCKS targets are resolved: overrides the URL scheme's default (socks5 local, socks5h remote); an IP address is a DNS server to resolve through. */
  resolve?: 'local' | 'remote' | 'both' | string;
  /** Asked when a proxy demands a password the URL does not give. */
  getPassword?: PasswordSource;
  /** Do not verify https:// proxies' certificates. */
  insecure?: boolean;
  /** TCP keepalive initial delay on the first connection (ms). */
  keepAlive?: number;
  /** Read proxy handshakes exactly, never past the final reply (for a socket handed to another process). */
  readExactly?: boolean;
  /** NO_PROXY-style list of targets reached directly. */
  noProxy?: string;
  /** SOCKS5 methods to offer (default none, userpass). */
  socks5Auth?: Socks5AuthMethod[];
  /** Cancels the attempt. */
  signal?: AbortSignal;
}

/**
 * Opens a tunnel; the Duplex carries bytes to and from host:port (ssh2's
 * `sock`, http.Agent's createConnection). Takes the friendly options above,
 * or a full TunnelConfig (what the CLI builds from argv, env and rc files).
 */
export function openTunnel(options: TunnelOptions | TunnelConfig, signal?: AbortSignal): Promise<Duplex> {
  if ('target' in options) return open(options, { signal });
  return open(toTunnelConfig(options), { signal: signal ?? options.signal });
}

/** Exported for tests and for callers that want to inspect or adjust the config. */
export function toTunnelConfig(o: TunnelOptions): TunnelConfig {
  const resolved = o.resolve === undefined ? undefined : parseResolve(o.resolve);
  if (o.resolve !== undefined && !resolved) throw new ConnectError('CONFIG', `invalid resolve option '${o.resolve}'`);
  const urls = o.proxy === undefined ? [] : typeof o.proxy === 'string' ? [o.proxy] : [...o.proxy];
  const ctx = { source: 'proxy option', code: 'CONFIG' as const };
  const settings: ServerSettings = { user: '', insecure: o.insecure === true };
  if (resolved) settings.resolve = resolved.mode;
  if (o.socks5Auth) settings.socks5Auth = o.socks5Auth;
  const hops = urls.filter((u) => u.trim() !== '').map((text) => ({ candidates: candidates(text, ctx, settings) }));
  const config: TunnelConfig = { target: { host: stripBrackets(o.host), port: o.port }, hops, direct: o.noProxy ? parseDirectList(o.noProxy) : [] };
  if (resolved?.dnsServer) config.dnsServer = resolved.dnsServer;
  if (o.timeout !== undefined) config.timeoutMs = o.timeout;
  if (o.keepAlive !== undefined) config.keepAliveMs = o.keepAlive;
  if (o.readExactly) config.readExactly = true;
  if (o.getPassword) config.getPassword = o.getPassword;
  return config;
}

/** One hop's list: proxy URLs and `direct://`, `?localnet=` rules decided on this machine's interfaces now. */
function candidates(text: string, ctx: SpecContext, settings: ServerSettings): Candidate[] {
  const out: Candidate[] = [];
  for (const entry of parseCandidateList(text, ctx)) {
    if (entry.kind === 'auto') throw new ConnectError('CONFIG', "'auto' reads the environment: the library does not (pass the proxy URL)");
    if (entry.when && !evaluateCondition(entry.when, networkInterfaces()).holds) continue;
    if (entry.kind === 'wpad') continue; // only from 'auto', refused above
    out.push(entry.kind === 'direct' ? { kind: 'direct' } : makeProxyServer(entry.url, settings));
  }
  if (out.length === 0) throw new ConnectError('CONFIG', `no candidate of the proxy option applies on this network; add direct://`);
  return out;
}
