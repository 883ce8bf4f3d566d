/**
 * ParsedArgs + environment + rc texts → CliConfig (README "Environment and rc files"). PURE: the
 * caller (load.ts) passes in env, rc file texts, login name and network
 * interfaces. Precedence follows connect.c 1.105's getparam()/set_relay().
 */
import { isIPv4 } from 'node:net';
import { isIPv6Literal, stripBrackets } from '../address.js';
import { ConnectError, type ErrorCode } from '../errors.js';
import { isPacUrl, parsePacUrl } from '../pac/source.js';
import { localNetworkRules, parseDirectList, type DirectRule, type NetworkInterfacesLike } from './direct.js';
import { firstParam, makeParamLookup, type ParamLookup, type RcFile } from './env.js';
import { parseProxyUrlList, parseServerSpecList, type ProxyUrl, type ServerSpec } from './spec.js';
import { makeProxyServer, type ServerSettings } from './server.js';
import type { CliConfig, Hop, OptionArgs, PacConfig, ParsedArgs, ProxyServer, ResolveMode, Socks5AuthMethod } from './types.js';

export interface BuildInputs {
  env: Record<string, string | undefined>;
  rcFiles: readonly RcFile[];
  /** The account's name (passwd entry), not $USER. */
  loginName: string;
  /** os.networkInterfaces(), needed for -D. */
  networkInterfaces?: NetworkInterfacesLike;
}

type Kind = 'socks5' | 'socks4' | 'http' | 'telnet';

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
const TABLE: Record<Kind, KindTable> = {
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

interface Core {
  hops: Hop[];
  pac?: PacConfig;
  direct: DirectRule[];
  dnsServer?: string;
  warnings: string[];
}

export function buildConfig(args: ParsedArgs, inputs: BuildInputs): CliConfig {
  const params = makeParamLookup(inputs.env, inputs.rcFiles);
  const core = buildCore(args, inputs, params);
  const keepAliveMs = keepAlive(args, params);
  const askpass = params.get('SSH_ASKPASS');
  return {
    tunnel: {
      target: { host: stripBrackets(args.host), port: args.port },
      hops: core.hops,
      ...(core.pac && { pac: core.pac }),
      direct: core.direct,
      ...(core.dnsServer !== undefined && { dnsServer: core.dnsServer }),
      ...(args.timeoutSecs ? { timeoutMs: args.timeoutSecs * 1000 } : {}),
      ...(keepAliveMs !== undefined && { keepAliveMs }),
    },
    debugLevel: args.debugLevel,
    ...(args.listen && { listen: { ...args.listen } }),
    ...(args.fdpass && { fdpass: true }),
    ...(askpass !== undefined && { askpass }),
    warnings: core.warnings,
  };
}

/**
 * What connect.c checks before it looks at the host operand: with no host
 * (`connect -h`), a missing server still fails (exit 1) before usage (exit 0).
 * Throws the same ConnectError buildConfig would; returns rc warnings.
 */
export function preflight(options: OptionArgs, inputs: BuildInputs): string[] {
  return buildCore(options, inputs, makeParamLookup(inputs.env, inputs.rcFiles)).warnings;
}

function buildCore(o: OptionArgs, inputs: BuildInputs, params: ParamLookup): Core {
  const warnings = [...params.warnings];
  const cliResolve = o.resolve === undefined ? undefined : parseResolve(o.resolve);
  if (o.resolve !== undefined && !cliResolve) warnings.push(`ignoring unknown resolve method '${o.resolve}' (-R)`);
  const urlText = o.proxyUrls.length > 0 ? o.proxyUrls : envProxyUrls(o, params);
  const core = urlText.length > 0
    ? urlCore(o, urlText, inputs, params, cliResolve?.dnsServer)
    : classicCore(o, inputs, params, cliResolve);
  if (o.localNets) core.direct.push(...localNetworkRules(inputs.networkInterfaces ?? {}));
  core.warnings.unshift(...warnings);
  return core;
}

function kindOf(o: OptionArgs): Kind | undefined {
  if (o.method === 'socks') return o.socksVersion === 4 ? 'socks4' : 'socks5';
  return o.method === 'direct' ? undefined : o.method;
}

function classicCore(o: OptionArgs, inputs: BuildInputs, params: ParamLookup, cli?: Resolved): Core {
  const kind = kindOf(o);
  const dns = (r?: Resolved): Partial<Core> => (r?.dnsServer ? { dnsServer: r.dnsServer } : {});
  const directText = firstParam(params, kind ? TABLE[kind].direct : ['CONNECT_DIRECT']);
  const direct = directText === undefined ? [] : parseDirectList(directText);
  if (!kind) return { hops: [], direct, warnings: [], ...dns(cli) };
  const t = TABLE[kind];
  const fromCli = o.server !== undefined;
  const specText = o.server ?? firstParam(params, t.servers);
  if (specText === undefined) throw new ConnectError('CONFIG', t.missing);
  const source = fromCli ? `-${kind === 'http' ? 'H' : kind === 'telnet' ? 'T' : 'S'}` : envSource(params, t.servers);
  const specs = parseServerSpecList(specText, t.port, { source, code: fromCli ? 'USAGE' : 'CONFIG' });
  const warnings = fromCli && specs.some((s) => s.user?.includes(':')) ? [cliSecretWarning(source)] : [];
  const resolved = cli ?? envResolve(kind, params);
  // HTTP and telnet proxies always get the target name as given.
  const mode = kind === 'socks5' || kind === 'socks4' ? resolved.mode : 'remote';
  const candidates = specs.map((s) => classicServer(kind, s, o, inputs, params, mode));
  return { hops: [{ candidates }], direct, warnings, ...dns(resolved) };
}

function envSource(params: ParamLookup, names: string[]): string {
  return names.find((n) => params.get(n) !== undefined) ?? names[0]!;
}

function classicServer(kind: Kind, s: ServerSpec, o: OptionArgs, inputs: BuildInputs, params: ParamLookup, mode: ResolveMode): ProxyServer {
  if (s.tls && kind !== 'http') throw new ConnectError('CONFIG', 'https:// names an HTTP proxy (-H, HTTP_PROXY, -x), not a SOCKS or telnet one');
  const spec = { kind: s.tls ? 'https' as const : kind, host: s.host, port: s.port, resolve: mode, ...(s.user !== undefined && { user: s.user }) };
  return makeProxyServer(spec, kind === 'telnet' ? { telnetCommand: o.telnetCommand } : settingsFor(kind, o, inputs, params));
}

/** What env / rc and the options add to a SOCKS or HTTP spec: user (else the login name), password, SOCKS5 methods. */
function settingsFor(kind: Kind, o: OptionArgs, inputs: BuildInputs, params: ParamLookup): ServerSettings {
  const t = TABLE[kind];
  const settings: ServerSettings = { user: firstParam(params, t.users) ?? inputs.loginName, insecure: o.insecure };
  const password = firstParam(params, t.passwords);
  if (password !== undefined) settings.password = password;
  if (kind === 'http') addNtHash(settings, params);
  if (kind === 'socks5') settings.socks5Auth = socks5AuthFor(o, params);
  return settings;
}

/** HTTP_PROXY_NTHASH: MD4 of the UTF-16LE password, as hex; checked here, never echoed (it is as good as the password to NTLM). */
function addNtHash(settings: ServerSettings, params: ParamLookup): void {
  const text = params.get('HTTP_PROXY_NTHASH')?.trim();
  if (text === undefined || text === '') return;
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new ConnectError('CONFIG', 'HTTP_PROXY_NTHASH must be 32 hexadecimal digits (the NT hash)');
  settings.ntHash = text.toLowerCase();
}

interface Resolved {
  mode: ResolveMode;
  dnsServer?: string;
}

/** `local` | `remote` | `both` (any case) | a DNS server address (→ local); else undefined. */
export function parseResolve(text: string): Resolved | undefined {
  const word = text.toLowerCase();
  if (word === 'local' || word === 'remote' || word === 'both') return { mode: word };
  if (isIPv4(text) || isIPv6Literal(text)) return { mode: 'local', dnsServer: text };
  return undefined;
}

/** SOCKS: SOCKSn_RESOLVE, then SOCKS_RESOLVE, else remote for SOCKS5 / local for SOCKS4. HTTP/telnet: the name goes to the proxy. */
function envResolve(kind: Kind, params: ParamLookup): Resolved {
  const t = TABLE[kind];
  const text = firstParam(params, t.resolve);
  if (text === undefined) return { mode: kind === 'socks4' ? 'local' : 'remote' };
  const r = parseResolve(text);
  if (!r) throw new ConnectError('CONFIG', `Invalid resolve method: ${text}`);
  return r;
}

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

/** CONNECT_PROXY is used only when no method option was given; blanks separate hops. */
function envProxyUrls(o: OptionArgs, params: ParamLookup): string[] {
  if (o.methodExplicit) return [];
  return (params.get('CONNECT_PROXY') ?? '').split(/\s+/).filter((s) => s !== '');
}

function urlCore(o: OptionArgs, urls: string[], inputs: BuildInputs, params: ParamLookup, dnsServer?: string): Core {
  if (o.methodExplicit && o.method !== 'direct') {
    throw new ConnectError('USAGE', '-x cannot be combined with -s/-S/-h/-H/-t/-T');
  }
  const source = o.proxyUrls.length > 0 ? '-x' : 'CONNECT_PROXY';
  const code = source === '-x' ? 'USAGE' : 'CONFIG';
  if (urls.some(isPacSource)) return pacCore(o, urls, inputs, params, source, code, dnsServer);
  const parsed = urls.map((text) => parseProxyUrlList(text, { source, code }));
  const hops = parsed.map((list) => ({ candidates: list.map((u) => makeProxyServer(u, settingsFor(u.kind === 'https' ? 'http' : (u.kind as Kind), o, inputs, params))) }));
  const warnings = source === '-x' && parsed.flat().some((u) => u.password !== undefined) ? [cliSecretWarning('-x')] : [];
  const noProxy = inputs.env['no_proxy'] ?? params.get('NO_PROXY');
  const direct = noProxy === undefined ? [] : parseDirectList(noProxy);
  return { hops, direct, warnings, ...(dnsServer ? { dnsServer } : {}) };
}

function isPacSource(text: string): boolean {
  return isPacUrl(text) || text.trim().toLowerCase() === 'wpad';
}

/** `-x pac+…` / `-x wpad` (or CONNECT_PROXY): the script decides, so it must be the only proxy given. */
function pacCore(o: OptionArgs, urls: string[], inputs: BuildInputs, params: ParamLookup, source: string, code: ErrorCode, dnsServer?: string): Core {
  const text = urls[0]!.trim();
  if (urls.length > 1 || text.includes(',')) {
    throw new ConnectError(code, `a PAC URL or wpad must be the only proxy given (${source}): the script's answer is the whole route`);
  }
  if (text.toLowerCase() !== 'wpad') parsePacUrl(text, source, code);
  const pac: PacConfig = {
    source: text.toLowerCase() === 'wpad' ? 'wpad' : text,
    from: source,
    servers: {
      socks5: settingsFor('socks5', o, inputs, params),
      socks4: settingsFor('socks4', o, inputs, params),
      http: settingsFor('http', o, inputs, params),
    },
    ...(o.insecure && { insecure: true }),
  };
  const noProxy = inputs.env['no_proxy'] ?? params.get('NO_PROXY');
  const direct = noProxy === undefined ? [] : parseDirectList(noProxy);
  return { hops: [], pac, direct, warnings: [], ...(dnsServer ? { dnsServer } : {}) };
}

/** A secret in argv is readable by every local user (ps, /proc/<pid>/cmdline). */
function cliSecretWarning(option: string): string {
  return `warning: a password on the command line (${option}) is visible to other local users; ` +
    'use SOCKS5_PASSWD / HTTP_PROXY_PASSWORD (environment or ~/.connectrc) instead';
}

/** -k, else CONNECT_KEEPALIVE; 0 means off. */
function keepAlive(o: OptionArgs, params: ParamLookup): number | undefined {
  const secs = o.keepAliveSecs ?? envKeepAliveSecs(params);
  return secs !== undefined && secs > 0 ? secs * 1000 : undefined;
}

function envKeepAliveSecs(params: ParamLookup): number | undefined {
  const text = params.get('CONNECT_KEEPALIVE');
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConnectError('CONFIG', `CONNECT_KEEPALIVE must be a number of seconds, not '${text}'`);
  return Number(text);
}
