/**
 * The PAC dialer: find the script (a URL, or WPAD), ask it about the
 * target, and dial its answer as a failover list, DIRECT included (the list
 * a browser walks): each entry a candidate of one hop, so each gets -w (10
 * s when unset), as failover lists do. The script itself runs within -w.
 */
import type { Duplex } from 'node:stream';
import { ConnectError, describeError } from '../errors.js';
import { formatEndpoint, type Endpoint } from '../address.js';
import { logger } from '../log.js';
import { makeProxyServer } from '../config/server.js';
import type { ExplainedPac } from '../config/explain.js';
import type { Candidate, PacConfig, ProxyServer, TunnelConfig } from '../config/types.js';
import { routeDialer } from '../dial/route.js';
import type { Dialer } from '../dial/types.js';
import { decideByPac, decideWithScript, loadEngine, type PacDecision, type PacOptions } from './decide.js';
import { formatRoute, type PacRoute } from './result.js';
import { parsePacUrl } from './source.js';

const log = logger('pac');

/** Builds, per target, the route the script gives; `attempts` is Infinity: each attempt is bounded inside. */
export function pacDialer(config: TunnelConfig): Dialer {
  return {
    label: `PAC ${config.pac!.source}`,
    attempts: Infinity,
    async dial(target: Endpoint, signal?: AbortSignal): Promise<Duplex> {
      const decision = await decide({ ...config, target }, signal);
      return routeDialer(answerConfig(config, decision.routes)).dial(target, signal);
    },
  };
}

/** The script's answer as a one-hop route: every entry a candidate, DIRECT as `direct://`. */
export function answerConfig(config: TunnelConfig, routes: readonly PacRoute[]): TunnelConfig {
  const { pac, ...rest } = config;
  const candidates = routes.map((route): Candidate => (route.type === 'direct' ? { kind: 'direct' } : pacProxy(pac!, route)));
  return { ...rest, hops: [{ candidates }], direct: [] };
}

/** --explain: the script's answer for the config's target, or why there is none. */
export async function explainPac(config: TunnelConfig): Promise<ExplainedPac> {
  try {
    const d = await decide(config, undefined);
    return {
      source: d.source,
      asked: `FindProxyForURL(${JSON.stringify(d.url)}, ${JSON.stringify(d.host)})`,
      result: d.result,
      routes: d.routes.map(formatRoute),
      ...(d.skipped.length > 0 && { skipped: d.skipped }),
      ...(d.cache !== undefined && { cache: d.cache }),
    };
  } catch (err) {
    return { source: config.pac!.source, error: describeError(err) };
  }
}

/** Runs the script (finding it first for WPAD) and logs what -d and --explain show. */
export async function decide(config: TunnelConfig, signal: AbortSignal | undefined): Promise<PacDecision> {
  const pac = config.pac!;
  const opts = {
    ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
    ...(pac.insecure && { insecure: true }),
    signal,
    ...(config.dnsServer && { dnsServer: config.dnsServer }),
    alert: (message: string) => log('alert(): %s', message.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 500)),
    ...(pac.cache && { cache: pac.cache }),
    ...(pac.images && { images: pac.images }),
    ...(config.onWarning && { warn: config.onWarning }),
  };
  const decision = pac.source === 'wpad'
    ? await decideByWpad(config, opts)
    : await decideByPac(parsePacUrl(pac.source, pac.from, pac.from === '-x' ? 'USAGE' : 'CONFIG'), config.target, opts);
  log('PAC script %s%s', decision.source, decision.cache ? ` from ${decision.cache}` : '');
  log('FindProxyForURL(%j, %j) returned %j (%d run%s; QuickJS set up %s)', decision.url, decision.host, decision.result, decision.runs, decision.runs === 1 ? '' : 's', decision.sandbox ?? 'elsewhere');
  if (decision.skipped.length > 0) log('skipped entries it could not read: %s', decision.skipped.map((e) => JSON.stringify(e)).join(', '));
  log('routes for %s: %s', formatEndpoint(config.target), decision.routes.map(formatRoute).join('; '));
  return decision;
}

async function decideByWpad(config: TunnelConfig, opts: PacOptions): Promise<PacDecision> {
  const engine = loadEngine(opts);
  const wpadOpts = { signal: opts.signal, onTry: (url: string, outcome: string) => log('WPAD %s: %s', url, outcome) };
  const wpad = opts.cache
    ? await (await import('./cached.js')).cachedWpad(wpadOpts, { cache: opts.cache, warn: opts.warn })
    : await (await import('./wpad.js')).discoverWpad(wpadOpts);
  if (!wpad.found) {
    const where = wpad.domain ? `for ${wpad.domain} (${wpad.tried.join('; ') || 'no candidate below its public suffix'})` : '(this host has no DNS domain: no resolv.conf domain or search entry, no dotted host name)';
    throw new ConnectError('PAC', `WPAD found no PAC file ${where}`);
  }
  return decideWithScript(wpad.found, await engine, config.target, opts);
}

function pacProxy(pac: PacConfig, route: Extract<PacRoute, { type: 'proxy' }>): ProxyServer {
  // As browsers: SOCKS4 resolves the name here (it has no field for one), SOCKS5 and HTTP send it.
  const resolve = route.kind === 'socks4' ? 'local' : 'remote';
  const settings = pac.servers[route.kind === 'https' ? 'http' : route.kind] ?? {};
  return makeProxyServer({ kind: route.kind, host: route.host, port: route.port, resolve }, { ...settings, ...(pac.insecure && { insecure: true }) });
}
