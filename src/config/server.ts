/**
 * The one ProxyServer builder, for the CLI (-x, -S/-H/-T, the environment)
 * and the library (openTunnel's `proxy` URLs): a parsed spec plus whatever
 * the caller's settings fill in.
 */
import type { ProxyKind, ProxyServer, ResolveMode, Socks5AuthMethod } from './types.js';

/** A proxy as a spec or URL names it. */
export interface ProxySpec {
  kind: ProxyKind;
  host: string;
  port: number;
  resolve: ResolveMode;
  user?: string;
  password?: string;
}

/** What the spec does not say: defaults (user, password) and overrides (resolve). */
export interface ServerSettings {
  /** The user when the spec names none. */
  user?: string;
  /** The password when the spec gives none. */
  password?: string;
  /** Where the target name is resolved, overriding the spec's own default. */
  resolve?: ResolveMode;
  /** HTTP: the NT hash standing in for the password under NTLM. */
  ntHash?: string;
  /** SOCKS5 methods to offer. */
  socks5Auth?: Socks5AuthMethod[];
  /** https proxies: skip certificate verification. */
  insecure?: boolean;
  /** Telnet request template. */
  telnetCommand?: string;
}

export function makeProxyServer(spec: ProxySpec, settings: ServerSettings): ProxyServer {
  const server: ProxyServer = { kind: spec.kind, host: spec.host, port: spec.port, resolve: settings.resolve ?? spec.resolve };
  if (spec.kind === 'telnet') {
    server.telnetCommand = settings.telnetCommand ?? 'telnet %h %p';
    return server;
  }
  const user = spec.user ?? settings.user;
  if (user !== undefined) server.user = user;
  const password = spec.password ?? settings.password;
  if (password !== undefined) server.password = password;
  if ((spec.kind === 'http' || spec.kind === 'https') && settings.ntHash !== undefined) server.ntHash = settings.ntHash;
  if (spec.kind === 'socks5' && settings.socks5Auth) server.socks5Auth = settings.socks5Auth;
  if (spec.kind === 'https') server.tlsVerify = settings.insecure !== true;
  return server;
}
