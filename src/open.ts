/**
 * open(): from a TunnelConfig to a connected stream carrying the tunnel.
 * The first hop is a TCP (or TLS) connection; every hop negotiates over the
 * stream the previous one produced, so a chain is negotiating again, and
 * failover is trying the first hop's next candidate.
 */
import type { Duplex } from 'node:stream';
import { ConnectError, describeError } from './errors.js';
import { logger } from './log.js';
import type { Endpoint, ProxyServer, TunnelConfig } from './config/types.js';
import { matchDirect } from './config/direct.js';
import { validateTunnel } from './config/validate.js';
import { connectTcp } from './transport/tcp.js';
import { raceSignal, startDeadline, whenAborted } from './transport/deadline.js';
import { makeLocalResolver } from './transport/resolve.js';
import { loadNegotiator } from './protocols/index.js';
import { describeProxy, formatEndpoint } from './address.js';

const log = logger('open');

/** With failover and no -w, each candidate still gets this long. */
const DEFAULT_ATTEMPT_MS = 10_000;

export interface OpenOptions {
  /** Cancels the attempt (library callers); -w has its own deadline in the config. */
  signal?: AbortSignal;
}

export async function open(config: TunnelConfig, options: OpenOptions = {}): Promise<Duplex> {
  validateTunnel(config);
  // With failover, -w bounds each attempt (see firstHop), so the whole gets one -w per candidate.
  const attempts = config.hops[0]?.candidates.length ?? 1;
  const overallMs = config.timeoutMs === undefined ? undefined : config.timeoutMs * attempts;
  const deadline = startDeadline(overallMs, `connecting to ${formatEndpoint(config.target)}`, options.signal);
  try {
    return await raceSignal(route(config, deadline.signal), deadline.signal);
  } finally {
    deadline.clear();
  }
}

async function route(config: TunnelConfig, signal: AbortSignal | undefined): Promise<Duplex> {
  const { target } = config;
  if (config.hops.length === 0 || matchDirect(config.direct, target.host)) {
    log('connecting directly to %s', formatEndpoint(target));
    const host = config.dnsServer ? await resolveOrFail(config, target.host, signal) : target.host;
    const socket = await connectTcp({ host, port: target.port }, { signal, keepAliveMs: config.keepAliveMs, what: `target ${formatEndpoint(target)}` });
    log('connected');
    return socket;
  }
  const next = (i: number): Endpoint | ProxyServer => config.hops[i + 1]?.candidates[0] ?? target;
  const first = await firstHop(config, next(0), signal);
  const chosen = [first.proxy];
  let stream = first.stream;
  for (let i = 1; i < config.hops.length; i++) {
    chosen.push(config.hops[i]!.candidates[0]!);
    stream = await negotiateVia(config, chosen, stream, next(i), signal);
  }
  return stream;
}

/** Failover: the first hop's candidates in order; the first that gets through to `next` wins. */
async function firstHop(config: TunnelConfig, next: Endpoint | ProxyServer, signal: AbortSignal | undefined): Promise<{ proxy: ProxyServer; stream: Duplex }> {
  const { candidates } = config.hops[0]!;
  const failures: string[] = [];
  for (const proxy of candidates) {
    const attempt = candidates.length > 1 ? startDeadline(config.timeoutMs ?? DEFAULT_ATTEMPT_MS, `waiting for ${describeProxy(proxy)}`, signal) : undefined;
    const bounded = attempt?.signal ?? signal;
    try {
      const through = reach(config, [proxy], bounded).then((s) => negotiateVia(config, [proxy], s, next, bounded));
      // open() races the whole route against `signal`; only a per-candidate deadline needs its own race.
      const stream = await (attempt ? raceSignal(through, attempt.signal) : through);
      if (failures.length > 0) log('using %s (after: %s)', describeProxy(proxy), failures.join('; '));
      return { proxy, stream };
    } catch (err) {
      if (signal?.aborted || candidates.length === 1) throw err;
      const why = describeError(err);
      failures.push(why);
      log('%s failed: %s', describeProxy(proxy), why);
    } finally {
      attempt?.clear();
    }
  }
  throw new ConnectError('CONNECT', `every proxy failed: ${failures.join('; ')}`);
}

/**
 * A fresh stream to the last proxy of `path`, through the ones before it:
 * the first connection, and what an HTTP retry after 407 reconnects with.
 */
async function reach(config: TunnelConfig, path: readonly ProxyServer[], signal: AbortSignal | undefined): Promise<Duplex> {
  const first = path[0]!;
  let stream: Duplex = await connectTcp(first, { signal, keepAliveMs: config.keepAliveMs, what: describeProxy(first) });
  stream = await wrapTls(first, stream, signal);
  for (let i = 1; i < path.length; i++) {
    stream = await negotiate(config, path.slice(0, i), stream, path[i]!, signal);
    stream = await wrapTls(path[i]!, stream, signal);
  }
  return stream;
}

/** Negotiates through the last proxy of `path` (already reached) to `target`; the TLS layer of the next hop is added here. */
async function negotiateVia(config: TunnelConfig, path: readonly ProxyServer[], stream: Duplex, target: Endpoint | ProxyServer, signal: AbortSignal | undefined): Promise<Duplex> {
  const through = await negotiate(config, path, stream, target, signal);
  return 'kind' in target ? wrapTls(target, through, signal) : through;
}

async function negotiate(config: TunnelConfig, path: readonly ProxyServer[], stream: Duplex, target: Endpoint, signal: AbortSignal | undefined): Promise<Duplex> {
  const proxy = path[path.length - 1]!;
  const negotiator = await loadNegotiator(proxy.kind);
  const guards = [destroyOnAbort(stream, signal)];
  const reconnect = async (): Promise<Duplex> => {
    const again = await reach(config, path, signal);
    // A reconnected stream (HTTP 407 retry) must die with the deadline too, or it keeps the process alive.
    guards.push(destroyOnAbort(again, signal));
    return again;
  };
  try {
    log('negotiating with %s for %s', describeProxy(proxy), formatEndpoint(target));
    return await negotiator(stream, {
      proxy,
      target: { host: target.host, port: target.port },
      resolveLocal: makeLocalResolver(config.dnsServer, signal),
      getPassword: config.getPassword,
      reconnect,
      signal,
    });
  } catch (err) {
    stream.destroy();
    throw err;
  } finally {
    for (const release of guards) release();
  }
}

async function wrapTls(proxy: ProxyServer, stream: Duplex, signal: AbortSignal | undefined): Promise<Duplex> {
  if (proxy.kind !== 'https') return stream;
  const { startTls } = await import('./transport/tls.js');
  return startTls(stream, proxy, signal);
}

function destroyOnAbort(stream: Duplex, signal: AbortSignal | undefined): () => void {
  return whenAborted(signal, (reason) => stream.destroy(reason as Error));
}

async function resolveOrFail(config: TunnelConfig, host: string, signal: AbortSignal | undefined): Promise<string> {
  const address = await makeLocalResolver(config.dnsServer, signal)(host);
  if (address === undefined) throw new ConnectError('DNS', `cannot resolve ${host}`);
  return address;
}
