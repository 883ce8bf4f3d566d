/**
 * What the environment, the rc files and the options add to a proxy spec
 * (user, password, SOCKS5 methods), after connect.c's getparam() table;
 * and, for --explain, where each of those came from.
 */
import { describeProxy } from '../address.js';
import { ConnectError } from '../errors.js';
import { shownUser } from '../log.js';
import { firstParamWithOrigin, type ParamLookup } from './env.js';
import { shownPassword, type ExplainedCandidate, type Setting } from './explain.js';
import type { ProxySpec, ServerSettings } from './server.js';
import { directEntries, parseDirectList, type DirectRule } from './direct.js';
import type { ExplainedHop } from './explain.js';
import type { Hop, OptionArgs, PacConfig, ProxyServer, Socks5AuthMethod } from './types.js';

export type Kind = 'socks5' | 'socks4' | 'http' | 'telnet';

interface KindTable {
  servers: string[];
  port: number;
  resolve: string[];
  users: string[];
  passwords: string[];
  direct: string[];
  missing: string;
}

/** The README's environment table (connect.c's getparam() names), one column per kind. */
export const TABLE: Record<Kind, KindTable> = {
  socks5: {
    servers: ['SOCKS5_SERVER', 'SOCKS_SERVER'], port: 1080, resolve: ['SOCKS5_RESOLVE', 'SOCKS_RESOLVE'],
    users: ['SOCKS5_USER', 'SOCKS_USER', 'CONNECT_USER'],
    passwords: ['SOCKS5_PASSWD', 'SOCKS5_PASSWORD', 'CONNECT_PASSWORD'],
    direct: ['SOCKS5_DIRECT', 'SOCKS_DIRECT', 'CONNECT_DIRECT'], missing: 'Failed to determine SOCKS server.',
  },
  socks4: {
    servers: ['SOCKS4_SERVER', 'SOCKS_SERVER'], port: 1080, resolve: ['SOCKS4_RESOLVE', 'SOCKS_RESOLVE'],
    users: ['SOCKS4_USER', 'SOCKS_USER', 'CONNECT_USER'], passwords: [],
    direct: ['SOCKS4_DIRECT', 'SOCKS_DIRECT', 'CONNECT_DIRECT'], missing: 'Failed to determine SOCKS server.',
  },
  http: {
    servers: ['HTTP_PROXY'], port: 80, resolve: [], users: ['HTTP_PROXY_USER', 'CONNECT_USER'],
    passwords: ['HTTP_PROXY_PASSWORD', 'CONNECT_PASSWORD'],
    direct: ['HTTP_DIRECT', 'CONNECT_DIRECT'], missing: 'You must specify http proxy server',
  },
  telnet: {
    servers: ['TELNET_PROXY'], port: 23, resolve: [], users: [], passwords: [],
    direct: ['CONNECT_DIRECT'], missing: 'You must specify telnet proxy server',
  },
};


const AUTH_NAMES: Socks5AuthMethod[] = ['none', 'gssapi', 'userpass', 'chap'];

/**
 * `-a` / SOCKS5_AUTH: comma-separated, blanks trimmed; like connect.c a
 * name may be abbreviated (`user` → userpass). At most 10 entries.
 */
export function parseSocks5Auth(text: string, source = '-a'): Socks5AuthMethod[] {
  const items = text.split(',').map((s) => s.trim());
  const fail = (why: string): never => {
    throw new ConnectError(source.startsWith('-') ? 'USAGE' : 'CONFIG', `${why} (${source}: '${text}')`);
  };
  if (items.length > 10) fail('Too many auth methods');
  return items.map((item) => {
    if (item === '') fail('Empty auth method');
    return AUTH_NAMES.find((n) => n.startsWith(item.toLowerCase())) ?? fail(`Unknown auth method: ${item}`);
  });
}

function socks5AuthFor(o: OptionArgs, params: ParamLookup): Socks5AuthMethod[] {
  if (o.socks5Auth !== undefined) return parseSocks5Auth(o.socks5Auth, '-a');
  const env = params.get('SOCKS5_AUTH');
  return env === undefined ? ['none', 'userpass'] : parseSocks5Auth(env, 'SOCKS5_AUTH');
}

/** Where each default came from, for --explain. */
export type SettingOrigins = Partial<Record<'user' | 'password' | 'socks5Auth', string>>;

/** What env / rc and the options add to a SOCKS or HTTP spec: user (else the login name), password, SOCKS5 methods. */
export function settingsFor(kind: Kind, o: OptionArgs, loginName: string, params: ParamLookup): { settings: ServerSettings; origins: SettingOrigins } {
  const t = TABLE[kind];
  const user = firstParamWithOrigin(params, t.users);
  const settings: ServerSettings = { user: user?.value ?? loginName, insecure: o.insecure };
  const origins: SettingOrigins = { user: user?.from ?? 'the login name' };
  const password = firstParamWithOrigin(params, t.passwords);
  if (password !== undefined) {
    settings.password = password.value;
    origins.password = password.from;
  }
  if (kind === 'http') addNtHash(settings, params);
  if (kind === 'socks5') {
    settings.socks5Auth = socks5AuthFor(o, params);
    origins.socks5Auth = o.socks5Auth !== undefined ? '-a' : params.origin('SOCKS5_AUTH') ?? 'default';
  }
  return { settings, origins };
}

/** HTTP_PROXY_NTHASH: MD4 of the UTF-16LE password, as hex; checked here, never echoed (it is as good as the password to NTLM). */
function addNtHash(settings: ServerSettings, params: ParamLookup): void {
  const text = params.get('HTTP_PROXY_NTHASH')?.trim();
  if (text === undefined || text === '') return;
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new ConnectError('CONFIG', 'HTTP_PROXY_NTHASH must be 32 hexadecimal digits (the NT hash)');
  settings.ntHash = text.toLowerCase();
}

/** --explain's view of one proxy candidate; the password only as `xxxx`. */
export function explainServer(server: ProxyServer, spec: ProxySpec, specFrom: string, origins: SettingOrigins, resolveFrom: string, o: OptionArgs): ExplainedCandidate {
  const settings: Setting[] = [{ name: 'server', value: describeProxy(server), from: specFrom }];
  if (server.user !== undefined) settings.push({ name: 'user', value: shownUser(server.user), from: spec.user !== undefined ? specFrom : origins.user ?? 'default' });
  if (server.kind !== 'telnet') {
    const known = server.password !== undefined;
    settings.push({ name: 'password', value: known ? shownPassword() : '(asked when the proxy demands one)', from: known ? (spec.password !== undefined ? specFrom : origins.password ?? 'default') : 'none configured' });
  }
  settings.push({ name: 'resolve', value: server.resolve, from: resolveFrom });
  if (server.socks5Auth) settings.push({ name: 'socks5 methods', value: server.socks5Auth.join(','), from: origins.socks5Auth ?? 'default' });
  if (server.kind === 'https') settings.push({ name: 'certificate check', value: server.tlsVerify === false ? 'off' : 'on', from: o.insecure ? '--insecure' : 'default' });
  if (server.telnetCommand !== undefined) settings.push({ name: 'telnet command', value: JSON.stringify(server.telnetCommand), from: o.telnetCommand !== undefined ? '-c' : 'default' });
  return { what: describeProxy(server), settings };
}

/** The route part of a config: hops, direct list, DNS server, and their explanation. */
export interface Core {
  hops: Hop[];
  /** -x pac+... / wpad: the script decides the route per target. */
  pac?: PacConfig;
  direct: DirectRule[];
  /** The direct list's entries as written, index for index with `direct`, with where each came from. */
  directNotes: Setting[];
  dnsServer?: string;
  warnings: string[];
  method: Setting;
  hopNotes: ExplainedHop[];
}

/** A direct list's text as rules plus --explain notes. */
export function directList(text: string | undefined, from: string): { direct: DirectRule[]; directNotes: Setting[] } {
  if (text === undefined) return { direct: [], directNotes: [] };
  return { direct: parseDirectList(text), directNotes: directEntries(text).map((value) => ({ name: 'direct', value, from })) };
}

/** A secret in argv is readable by every local user (ps, /proc/<pid>/cmdline). */
export function cliSecretWarning(option: string): string {
  return `warning: a password on the command line (${option}) is visible to other local users; ` +
    'use SOCKS5_PASSWD / HTTP_PROXY_PASSWORD (environment or ~/.connectrc) instead';
}

