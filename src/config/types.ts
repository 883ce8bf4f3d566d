/**
 * The typed, validated configuration every other layer works from.
 * Built by src/config/build.ts (pure: argv, env and rc texts in, this out).
 */
import type { Endpoint } from '../address.js';
import type { DirectRule } from './direct.js';
import type { ServerSettings } from './server.js';
import type { Explanation } from './explain.js';
import type { PacCacheConfig } from '../pac/cache.js';

export type { Endpoint };

export type ResolveMode = 'local' | 'remote' | 'both';
export type ProxyKind = 'socks5' | 'socks4' | 'http' | 'https' | 'telnet';
export type Socks5AuthMethod = 'none' | 'gssapi' | 'userpass' | 'chap';

/** One proxy server, with everything needed to negotiate through it. */
export interface ProxyServer extends Endpoint {
  kind: ProxyKind;
  /** User for SOCKS5/HTTP auth, SOCKS4 user id. Always set for socks/http by the config layer. */
  user?: string;
  /** Password known up front (env, rc, URL). Otherwise asked lazily, when the proxy demands it. */
  password?: string;
  /** HTTP NTLM/Negotiate: the NT hash (32 hex digits, HTTP_PROXY_NTHASH) used instead of a password. */
  ntHash?: string;
  /** Where the *target* name is resolved (SOCKS). */
  resolve: ResolveMode;
  /** SOCKS5 methods to offer, in order (-a / SOCKS5_AUTH). */
  socks5Auth?: Socks5AuthMethod[];
  /** Telnet proxy request template (-c), `%h`/`%p` not yet expanded. */
  telnetCommand?: string;
  /** https proxies: verify the proxy certificate (default true). */
  tlsVerify?: boolean;
}

/**
 * `direct://` in a candidate list (the word `direct` in -S/-H lists): no
 * proxy at this hop, straight on to the next hop or the target.
 */
export interface DirectCandidate {
  kind: 'direct';
}

/** WPAD as a candidate (`-x auto`): a PAC file looked for when connecting; its answer is the route. */
export interface WpadCandidate {
  kind: 'wpad';
  pac: PacConfig;
}

export type Candidate = ProxyServer | DirectCandidate | WpadCandidate;

/** One hop of a route: alternatives tried in order (failover). */
export interface Hop {
  candidates: Candidate[];
}

/** What a password source is asked for; it never sees other secrets. */
export interface PasswordRequest {
  kind: 'socks5' | 'http';
  proxy: Endpoint;
  user: string;
  /** Ready-made prompt, e.g. "Enter SOCKS5 password for alice@proxy: " */
  prompt: string;
  /** Aborts when the -w deadline passes: a prompt must give up then. */
  signal?: AbortSignal;
}

export type PasswordSource = (req: PasswordRequest) => Promise<string>;

/**
 * Ask a proxy auto-config script for the route: `pac+file:///…`,
 * `pac+http(s)://…`, or `wpad` (find one by WPAD). Its answer becomes the
 * failover list; `servers` fills in what a PAC entry cannot say (user,
 * password, SOCKS5 methods, TLS verification) per kind.
 */
export interface PacConfig {
  source: string;
  /** Where the setting came from, for messages: `-x` or `CONNECT_PROXY`. */
  from: string;
  servers: Partial<Record<'socks5' | 'socks4' | 'http', ServerSettings>>;
  /** pac+https: skip certificate verification (--insecure). */
  insecure?: boolean;
  /** Keep fetched scripts (pac+http(s), WPAD) on disk this long (--pac-cache); unset: fetch every time. */
  cache?: PacCacheConfig;
  /** Keep images of evaluated scripts in this directory (src/pac/script-image.ts; the PAC cache's, also for pac+file); unset: none. */
  images?: string;
}

/** Everything needed to open one tunnel: the library API's option shape. */
export interface TunnelConfig {
  target: Endpoint;
  /** When set, a PAC script decides the route (hops must be empty). */
  pac?: PacConfig;
  /** Proxy hops, first to last. Empty: direct connection. */
  hops: Hop[];
  /** Targets matching these rules are connected to directly (first match decides). */
  direct: DirectRule[];
  /** Resolve the target (direct connections, local resolution) through this DNS server. */
  dnsServer?: string;
  /** One deadline over resolving, connecting and negotiating, in ms (-w). */
  timeoutMs?: number;
  /** TCP keepalive initial delay on the first connection, in ms (-k). */
  keepAliveMs?: number;
  /**
   * Read every proxy handshake exactly, never past the final reply, so the
   * socket can leave this process with nothing of the target's lost (-F);
   * costs more read(2) calls (an HTTP head is read a few bytes at a time).
   */
  readExactly?: boolean;
  /** Asked only when a proxy demands a password that is not already known. */
  getPassword?: PasswordSource;
  /** Non-fatal problems met while connecting (an expired cached PAC script used after a failed fetch); the CLI prints them on stderr. */
  onWarning?: (message: string) => void;
  /** Called as each TCP connection is started (the connect or the name lookup has gone out); the CLI sets up stdin/stdout meanwhile. */
  onConnecting?: () => void;
}

export interface ListenConfig {
  host: string;
  port: number;
  /** -P: keep the remote session across local clients. */
  hold: boolean;
}

/** The CLI's whole configuration. */
export interface CliConfig {
  tunnel: TunnelConfig;
  /** 0 quiet, 1 -d, 2 -dd (hex dump of relayed data). */
  debugLevel: number;
  /** -p / -P: serve a local port instead of stdin/stdout. */
  listen?: ListenConfig;
  /** -F: pass the connected socket to ssh (ProxyUseFdpass) instead of relaying. */
  fdpass?: boolean;
  /** SSH_ASKPASS from env or rc (the askpass program), if any. */
  askpass?: string;
  /** Non-fatal problems found while reading config (rc lines, ...), for stderr. */
  warnings: string[];
  /** The route and where each setting came from (--explain, -d); buildConfig always sets it. */
  explanation?: Explanation;
}

/** The proxy method the last of -n -s -S -h -H -t -T chose. */
export type Method = 'direct' | 'socks' | 'http' | 'telnet';

/** Everything the options say (no host/port yet), as src/cli/args.ts parses them: the config layer's input. */
export interface OptionArgs {
  method: Method;
  /** True when any of -n -s -S -h -H -t -T was given. */
  methodExplicit: boolean;
  /** The last of those flags (what chose the method), for --explain. */
  methodFlag?: string;
  /** --explain (text) or --explain=json: print the route, do not connect. */
  explain?: 'text' | 'json';
  /** Last -S/-H/-T value; used by whatever method wins (connect.c quirk). */
  server?: string;
  socksVersion: 4 | 5;
  /** Raw -R value. */
  resolve?: string;
  /** Raw -a value. */
  socks5Auth?: string;
  listen?: ListenConfig;
  timeoutSecs?: number;
  telnetCommand?: string;
  debugLevel: number;
  /** -D: add local networks to the direct list. */
  localNets: boolean;
  /** -x URLs, in order (each one hop; commas inside = failover). */
  proxyUrls: string[];
  keepAliveSecs?: number;
  /** --insecure: do not verify https proxy certificates. */
  insecure: boolean;
  /** -F: hand the connected socket to ssh (ProxyUseFdpass). */
  fdpass: boolean;
  /** Raw --pac-cache value (seconds or off). */
  pacCache?: string;
}

export interface ParsedArgs extends OptionArgs {
  host: string;
  port: number;
}
