/**
 * Routes written as candidate lists (-x, CONNECT_PROXY): each hop a
 * comma-separated list of proxy URLs, `direct://` and `auto`, a candidate
 * optionally conditioned on the local network (`?localnet=`); NO_PROXY as
 * the direct list.
 */
import { ConnectError, type ErrorCode } from '../errors.js';
import { chooseAuto } from './auto.js';
import type { NetworkInterfacesLike } from './direct.js';
import type { ParamLookup } from './env.js';
import { pacCacheFor, pacImagesDir } from './pac-cache.js';
import type { ExplainedCandidate, ExplainedHop } from './explain.js';
import { evaluateCondition } from './roaming.js';
import { makeProxyServer } from './server.js';
import { cliSecretWarning, directList, explainServer, settingsFor, type Core, type Kind } from './settings.js';
import { parseCandidateList, type CandidateUrl } from './spec.js';
import { isPacUrl, parsePacUrl } from '../pac/source.js';
import type { Candidate, OptionArgs, PacConfig } from './types.js';

export interface HopText {
  text: string;
  /** `-x (1st)`, `/etc/connectrc:2 (CONNECT_PROXY)`. */
  from: string;
}

export interface UrlInputs {
  env: Record<string, string | undefined>;
  loginName: string;
  networkInterfaces?: NetworkInterfacesLike;
  /** The passwd entry's home (the PAC cache lives under it unless XDG_CACHE_HOME says otherwise). */
  home?: string | undefined;
}

/** CONNECT_PROXY is used only when no method option was given; blanks separate hops. */
export function envProxyUrls(o: OptionArgs, params: ParamLookup): HopText[] {
  if (o.methodExplicit) return [];
  const hops = (params.get('CONNECT_PROXY') ?? '').split(/\s+/).filter((s) => s !== '');
  const from = params.origin('CONNECT_PROXY') ?? '';
  return hops.map((text, i) => ({ text, from: hops.length > 1 ? `${from}, hop ${i + 1}` : from }));
}

export function urlCore(o: OptionArgs, hops: HopText[], inputs: UrlInputs, params: ParamLookup, dnsServer?: string): Core {
  if (o.methodExplicit && o.method !== 'direct') {
    throw new ConnectError('USAGE', '-x cannot be combined with -s/-S/-h/-H/-t/-T');
  }
  const onCli = o.proxyUrls.length > 0;
  const ctx = { source: onCli ? '-x' : 'CONNECT_PROXY', code: (onCli ? 'USAGE' : 'CONFIG') as ErrorCode };
  if (hops.some((h) => isPacSource(h.text))) return pacCore(o, hops, inputs, params, ctx.source, ctx.code, dnsServer);
  const roaming = new Roaming(inputs);
  const built = hops.map((hop) => buildHop(hop, ctx, o, inputs, params, roaming, hops.length === 1));
  const warnings = onCli && built.some((b) => b.passwordInUrl) ? [cliSecretWarning('-x')] : [];
  const list = noProxyList(inputs, params);
  const method = { name: 'method', value: 'proxy URLs', from: onCli ? '-x' : hops[0]!.from };
  return { hops: built.map((b) => b.hop), ...list, warnings, method, hopNotes: built.map((b) => b.note), ...(dnsServer ? { dnsServer } : {}) };
}

function withOrigin(params: ParamLookup, name: string): { value: string; from: string } | undefined {
  const value = params.get(name);
  return value === undefined ? undefined : { value, from: params.origin(name)! };
}

/** The local networks, read once and only when a rule asks (reading them costs start-up time). */
class Roaming {
  private read: NetworkInterfacesLike | undefined;
  constructor(private readonly inputs: UrlInputs) {}
  get interfaces(): NetworkInterfacesLike {
    return (this.read ??= this.inputs.networkInterfaces ?? {});
  }
}

interface BuiltHop {
  hop: { candidates: Candidate[] };
  note: ExplainedHop;
  passwordInUrl: boolean;
}

function buildHop(hop: HopText, ctx: { source: string; code: ErrorCode }, o: OptionArgs, inputs: UrlInputs, params: ParamLookup, roaming: Roaming, single: boolean): BuiltHop {
  let entries = parseCandidateList(hop.text, ctx).map((entry) => ({ entry, from: hop.from }));
  const note: ExplainedHop = { from: hop.from, candidates: [] };
  if (entries.some((e) => e.entry.kind === 'auto')) {
    const choice = chooseAuto(inputs.env, single);
    const chosen = (choice.candidates ?? parseCandidateList(choice.text!, { source: choice.from, code: 'CONFIG' })).map((entry) => ({ entry, from: choice.from }));
    entries = entries.flatMap((e) => (e.entry.kind === 'auto' ? chosen : [e]));
    note.auto = choice.from;
  }
  const candidates: Candidate[] = [];
  for (const { entry, from } of entries) {
    const { candidate, explained } = buildCandidate(entry, from, o, inputs, params);
    if (entry.kind !== 'auto' && entry.when) {
      const verdict = evaluateCondition(entry.when, roaming.interfaces);
      explained.rule = { text: entry.when.text, fired: verdict.holds, because: verdict.because };
      if (!verdict.holds) {
        note.candidates.push(explained);
        continue;
      }
    }
    candidates.push(candidate);
    note.candidates.push(explained);
  }
  if (candidates.length === 0) {
    throw new ConnectError(ctx.code, `no candidate of ${JSON.stringify(hop.text.replace(/:[^:@/]*@/g, ':xxxx@'))} (${hop.from}) applies on this network; add direct:// to go without a proxy there`);
  }
  const passwordInUrl = entries.some(({ entry, from }) => from === hop.from && entry.kind === 'proxy' && entry.url.password !== undefined);
  return { hop: { candidates }, note, passwordInUrl };
}

function buildCandidate(entry: CandidateUrl, from: string, o: OptionArgs, inputs: UrlInputs, params: ParamLookup): { candidate: Candidate; explained: ExplainedCandidate } {
  if (entry.kind === 'wpad') {
    const pac = pacConfig('wpad', from, o, inputs, params);
    return { candidate: { kind: 'wpad', pac }, explained: { what: 'WPAD (a PAC file from http://wpad.<domain>/wpad.dat, looked for when connecting)', settings: [] } };
  }
  if (entry.kind !== 'proxy') return { candidate: { kind: 'direct' }, explained: { what: 'direct', settings: [] } };
  const u = entry.url;
  const kind: Kind = u.kind === 'https' ? 'http' : (u.kind as Kind);
  const { settings, origins } = settingsFor(kind, o, inputs.loginName, params);
  const server = makeProxyServer(u, settings);
  return { candidate: server, explained: explainServer(server, u, from, origins, `the URL's scheme (${from})`, o) };
}

function isPacSource(text: string): boolean {
  return isPacUrl(text) || text.trim().toLowerCase() === 'wpad';
}

/** `-x pac+…` / `-x wpad` (or CONNECT_PROXY): the script decides, so it must be the only proxy given. */
function pacCore(o: OptionArgs, hops: HopText[], inputs: UrlInputs, params: ParamLookup, source: string, code: ErrorCode, dnsServer?: string): Core {
  const text = hops[0]!.text.trim();
  if (hops.length > 1 || text.includes(',')) {
    throw new ConnectError(code, `a PAC URL or wpad must be the only proxy given (${source}): the script's answer is the whole route`);
  }
  if (text.toLowerCase() !== 'wpad') parsePacUrl(text, source, code);
  const pac = pacConfig(text.toLowerCase() === 'wpad' ? 'wpad' : text, source, o, inputs, params);
  const noProxy = noProxyList(inputs, params);
  const method = { name: 'method', value: `PAC ${pac.source}`, from: hops[0]!.from };
  const note: ExplainedHop = { from: hops[0]!.from, candidates: [{ what: `PAC ${pac.source} (its answer for the target, asked when connecting)`, settings: [] }] };
  return { hops: [], pac, ...noProxy, warnings: [], method, hopNotes: [note], ...(dnsServer ? { dnsServer } : {}) };
}

/** A PAC source with what its entries cannot say (users, passwords, SOCKS5 methods) per kind. */
function pacConfig(source: string, from: string, o: OptionArgs, inputs: UrlInputs, params: ParamLookup): PacConfig {
  const settings = (kind: Kind) => settingsFor(kind, o, inputs.loginName, params).settings;
  const file = /^pac\+file:/i.test(source.trim());
  const cache = file ? undefined : pacCacheFor(o, params, inputs).cache;
  const images = file ? pacImagesDir(o, params, inputs) : cache?.dir;
  return {
    source,
    from,
    servers: { socks5: settings('socks5'), socks4: settings('socks4'), http: settings('http') },
    ...(o.insecure && { insecure: true }),
    ...(cache && { cache }),
    ...(images && { images }),
  };
}

/** NO_PROXY, as the direct list of URL routes: no_proxy from the environment first, then NO_PROXY (environment or rc). */
function noProxyList(inputs: UrlInputs, params: ParamLookup): ReturnType<typeof directList> {
  const lower = inputs.env['no_proxy'];
  const found = lower !== undefined ? { value: lower, from: 'environment variable no_proxy' } : withOrigin(params, 'NO_PROXY');
  return directList(found?.value, found?.from ?? '');
}
