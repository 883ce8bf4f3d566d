/**
 * ParsedArgs + environment + rc texts → CliConfig (README "Environment and rc files"). PURE: the
 * caller (load.ts) passes in env, rc file texts, login name and network
 * interfaces. Precedence follows connect.c 1.105's getparam()/set_relay().
 */
import { formatEndpoint, isIPv4Literal, isIPv6Literal, stripBrackets, type Endpoint } from '../address.js';
import { isDigits } from '../chars.js';
import { ConnectError } from '../errors.js';
import { decidingRule, localNetworkRules, type NetworkInterfacesLike } from './direct.js';
import { firstParam, firstParamWithOrigin, makeParamLookup, type ParamLookup, type RcFile } from './env.js';
import { decide, type ExplainedCandidate, type Explanation, type Setting } from './explain.js';
import { cliSecretWarning, directList, explainServer, settingsFor, TABLE, type Core, type Kind } from './settings.js';
import { parseServerCandidates, type ServerSpec } from './spec.js';
import { makeProxyServer } from './server.js';
import type { CliConfig, DirectCandidate, OptionArgs, ParsedArgs, ProxyServer, ResolveMode } from './types.js';
import { envProxyUrls, urlCore } from './urls.js';
import { pacCacheUsed } from './pac-cache.js';

export interface BuildInputs {
  env: Record<string, string | undefined>;
  rcFiles: readonly RcFile[];
  /** The account's name (passwd entry), not $USER. */
  loginName: string;
  /** os.networkInterfaces(), needed for -D. */
  networkInterfaces?: NetworkInterfacesLike;
  /** The passwd entry's home directory (the PAC cache's default place). */
  home?: string | undefined;
  /** Gets each rc file warning when building fails (on success they are in CliConfig.warnings). */
  onFailure?: (warning: string) => void;
}

export function buildConfig(args: ParsedArgs, inputs: BuildInputs): CliConfig {
  const params = makeParamLookup(inputs.env, inputs.rcFiles);
  const core = showingRcProblems(params, inputs, () => buildCore(args, inputs, params));
  const keepAliveMs = showingRcProblems(params, inputs, () => keepAlive(args, params, core.warnings));
  const askpass = params.get('SSH_ASKPASS');
  const target = { host: stripBrackets(args.host), port: args.port };
  let explanation: Explanation | undefined;
  return {
    tunnel: {
      target,
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
    // Built when asked (-d, --explain): a plain session never reads it.
    get explanation() {
      return (explanation ??= explain(core, target, globalSettings(args, params, core, keepAliveMs)));
    },
  };
}

function explain(core: Core, target: Endpoint, settings: Setting[]): Explanation {
  const at = decidingRule(core.direct, target.host);
  const matched = at < 0 ? undefined : { entry: core.directNotes[at]!.value, from: core.directNotes[at]!.from, direct: !core.direct[at]!.negative };
  const e = { target: formatEndpoint(target), method: core.method, hops: core.hopNotes, direct: { entries: core.directNotes, ...(matched && { matched }) }, settings };
  return { ...e, decision: decide(e) };
}

function globalSettings(o: OptionArgs, params: ParamLookup, core: Core, keepAliveMs: number | undefined): Setting[] {
  const out: Setting[] = [
    { name: 'timeout', value: o.timeoutSecs ? `${o.timeoutSecs} s per attempt` : 'none', from: o.timeoutSecs !== undefined ? '-w' : 'default' },
    { name: 'keepalive', value: keepAliveMs === undefined ? 'off' : `${keepAliveMs / 1000} s`, from: o.keepAliveSecs !== undefined ? '-k' : params.origin('CONNECT_KEEPALIVE') ?? 'default' },
  ];
  const pacCache = pacCacheUsed(params);
  if (pacCache) out.push(pacCache.setting);
  if (core.dnsServer) out.push({ name: 'dns server', value: core.dnsServer, from: o.resolve !== undefined ? '-R' : 'SOCKS resolve setting' });
  const askpass = params.origin('SSH_ASKPASS');
  if (askpass) out.push({ name: 'askpass', value: params.get('SSH_ASKPASS')!, from: askpass });
  if (o.listen) out.push({ name: o.listen.hold ? 'hold local port' : 'local port', value: formatEndpoint(o.listen), from: o.listen.hold ? '-P' : '-p' });
  return out;
}

/**
 * What connect.c checks before it looks at the host operand: with no host
 * (`connect -h`), a missing server still fails (exit 1) before usage (exit 0).
 * Throws the same ConnectError buildConfig would; returns rc warnings.
 */
export function preflight(options: OptionArgs, inputs: BuildInputs): string[] {
  const params = makeParamLookup(inputs.env, inputs.rcFiles);
  return showingRcProblems(params, inputs, () => buildCore(options, inputs, params)).warnings;
}

/** rc file problems go to `inputs.onFailure` when the configuration fails: they may be why. */
function showingRcProblems<T>(params: ParamLookup, inputs: BuildInputs, build: () => T): T {
  try {
    return build();
  } catch (err) {
    for (const warning of params.warnings) inputs.onFailure?.(warning);
    throw err;
  }
}

function buildCore(o: OptionArgs, inputs: BuildInputs, params: ParamLookup): Core {
  const warnings = [...params.warnings];
  const cliResolve = o.resolve === undefined ? undefined : parseResolve(o.resolve);
  if (o.resolve !== undefined && !cliResolve) warnings.push(`ignoring unknown resolve method '${o.resolve}' (-R)`);
  const urls = o.proxyUrls.length > 0 ? o.proxyUrls.map((text, i) => ({ text, from: `-x (${ordinal(i + 1)})` })) : envProxyUrls(o, params);
  const core = urls.length > 0
    ? urlCore(o, urls, inputs, params, cliResolve?.dnsServer)
    : classicCore(o, inputs, params, cliResolve);
  if (o.localNets) addLocalNetworks(core, inputs.networkInterfaces ?? {});
  core.warnings.unshift(...warnings);
  const pacCache = pacCacheUsed(params)?.warning;
  if (pacCache) core.warnings.push(pacCache);
  return core;
}

/** -D: each interface's network joins the direct list. */
function addLocalNetworks(core: Core, ifaces: NetworkInterfacesLike): void {
  for (const [name, list] of Object.entries(ifaces)) {
    for (const i of list ?? []) {
      const rules = localNetworkRules({ [name]: [i] });
      core.direct.push(...rules);
      if (rules.length > 0) core.directNotes.push({ name: 'direct', value: `${i.address}/${i.netmask}`, from: `-D (interface ${name})` });
    }
  }
}

const ordinal = (n: number): string => `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

function kindOf(o: OptionArgs): Kind | undefined {
  if (o.method === 'socks') return o.socksVersion === 4 ? 'socks4' : 'socks5';
  return o.method === 'direct' ? undefined : o.method;
}

function classicCore(o: OptionArgs, inputs: BuildInputs, params: ParamLookup, cli?: Resolved): Core {
  const kind = kindOf(o);
  const dns = (r?: Resolved): { dnsServer?: string } => (r?.dnsServer ? { dnsServer: r.dnsServer } : {});
  const directText = firstParamWithOrigin(params, kind ? TABLE[kind].direct : ['CONNECT_DIRECT']);
  const list = directList(directText?.value, directText?.from ?? '');
  const method = { name: 'method', value: kind ?? 'direct', from: o.methodFlag ?? 'default (no method option)' };
  if (kind && o.socksVersion === 4 && kind === 'socks4') method.from += ' with -4';
  if (!kind) return { hops: [], ...list, warnings: [], method, hopNotes: [], ...dns(cli) };
  const t = TABLE[kind];
  const fromCli = o.server !== undefined;
  const specText = fromCli ? { value: o.server!, from: `-${kind === 'http' ? 'H' : kind === 'telnet' ? 'T' : 'S'}` } : firstParamWithOrigin(params, t.servers);
  if (specText === undefined) throw new ConnectError('CONFIG', t.missing);
  const source = fromCli ? specText.from : envSource(params, t.servers);
  const specs = parseServerCandidates(specText.value, t.port, { source, code: fromCli ? 'USAGE' : 'CONFIG' });
  const warnings = fromCli && specs.some((s) => s !== 'direct' && s.user?.includes(':')) ? [cliSecretWarning(source)] : [];
  const resolved = cli ?? envResolve(kind, params);
  // HTTP and telnet proxies always get the target name as given.
  const mode = kind === 'socks5' || kind === 'socks4' ? resolved.mode : 'remote';
  const resolveFrom = kind === 'http' || kind === 'telnet' ? 'always remote for HTTP and telnet' : cli ? '-R' : resolveOrigin(kind, params);
  const built = specs.map((s) => (s === 'direct' ? { candidate: DIRECT, note: DIRECT_NOTE } : classicServer(kind, s, o, inputs, params, mode, specText.from, resolveFrom)));
  const candidates = built.map((b) => b.candidate);
  const hopNotes = [{ from: specText.from, candidates: built.map((b) => b.note) }];
  return { hops: [{ candidates }], ...list, warnings, method, hopNotes, ...dns(resolved) };
}

const DIRECT: DirectCandidate = { kind: 'direct' };
const DIRECT_NOTE: ExplainedCandidate = { what: 'direct', settings: [] };

function envSource(params: ParamLookup, names: string[]): string {
  return names.find((n) => params.get(n) !== undefined) ?? names[0]!;
}

function resolveOrigin(kind: Kind, params: ParamLookup): string {
  const found = firstParamWithOrigin(params, TABLE[kind].resolve);
  return found?.from ?? `default for ${kind === 'socks4' ? 'SOCKS4' : 'SOCKS5'}`;
}

function classicServer(
  kind: Kind, s: ServerSpec, o: OptionArgs, inputs: BuildInputs, params: ParamLookup, mode: ResolveMode, specFrom: string, resolveFrom: string,
): { candidate: ProxyServer; note: ExplainedCandidate } {
  if (s.tls && kind !== 'http') throw new ConnectError('CONFIG', 'https:// names an HTTP proxy (-H, HTTP_PROXY, -x), not a SOCKS or telnet one');
  const spec = { kind: s.tls ? 'https' as const : kind, host: s.host, port: s.port, resolve: mode, ...(s.user !== undefined && { user: s.user }) };
  const { settings, origins } = kind === 'telnet' ? { settings: { telnetCommand: o.telnetCommand }, origins: {} } : settingsFor(kind, o, inputs.loginName, params);
  const candidate = makeProxyServer(spec, settings);
  return { candidate, note: explainServer(candidate, spec, specFrom, origins, resolveFrom, o) };
}

export interface Resolved {
  mode: ResolveMode;
  dnsServer?: string;
}

/** `local` | `remote` | `both` (any case) | a DNS server address (→ local); else undefined. */
export function parseResolve(text: string): Resolved | undefined {
  const word = text.toLowerCase();
  if (word === 'local' || word === 'remote' || word === 'both') return { mode: word };
  if (isIPv4Literal(text) || isIPv6Literal(text)) return { mode: 'local', dnsServer: text };
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

/**
 * The longest idle time before keepalive probes that Linux takes
 * (MAX_TCP_KEEPIDLE); asked for more, it refuses and the socket keeps the
 * system default (2 hours), so a longer one is clamped, and said so.
 */
export const MAX_KEEPALIVE_SECS = 32767;

/** -k, else CONNECT_KEEPALIVE; 0 means off. */
function keepAlive(o: OptionArgs, params: ParamLookup, warnings: string[]): number | undefined {
  const fromCli = o.keepAliveSecs !== undefined;
  const secs = o.keepAliveSecs ?? envKeepAliveSecs(params);
  if (secs === undefined || secs <= 0) return undefined;
  if (secs <= MAX_KEEPALIVE_SECS) return secs * 1000;
  warnings.push(`keepalive of ${secs} s (${fromCli ? '-k' : 'CONNECT_KEEPALIVE'}) is more than TCP allows; using ${MAX_KEEPALIVE_SECS} s`);
  return MAX_KEEPALIVE_SECS * 1000;
}

function envKeepAliveSecs(params: ParamLookup): number | undefined {
  const text = params.get('CONNECT_KEEPALIVE');
  if (text === undefined || text === '') return undefined;
  if (!isDigits(text)) throw new ConnectError('CONFIG', `CONNECT_KEEPALIVE must be a number of seconds, not '${text}'`);
  return Number(text);
}
