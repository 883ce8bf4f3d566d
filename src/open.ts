/**
 * open(): from a TunnelConfig to a connected stream carrying the tunnel.
 * The first hop is a TCP (or TLS) connection; every hop negotiates over the
 * stream the previous one produced, so a chain is negotiating again, and
 * failover is trying a hop's next candidate.
 */
import type { Duplex } from 'node:stream';
import { ConnectError, describeError } from './errors.js';
import { logger } from './log.js';
import type { Endpoint, Hop, ProxyServer, TunnelConfig } from './config/types.js';
import { matchDirect } from './config/direct.js';
import { connectTcp } from './transport/tcp.js';
import { raceSignal, startDeadline } from './transport/deadline.js';
import { makeLocalResolver } from './transport/resolve.js';
import { loadNegotiator } from './protocols/index.js';
import { describeProxy, formatEndpoint } from './protocols/types.js';
import { validateTunnel } from './config/validate.js';

const log = logger('open');

export async function openTunnel(config: TunnelConfig): Promise<Duplex> {
  validateTunnel(config);
  const deadline = startDeadline(config.timeoutMs, `connecting to ${formatEndpoint(config.target)}`);
  try {
    return await raceSignal(route(config, deadline.signal), deadline.signal);
  } finally {
    deadline.clear();
  }
}

async function route(config: TunnelConfig, signal: AbortSignal): Promise<Duplex> {
  const { target } = config;
  if (config.hops.length === 0 || matchDirect(config.direct, target.host)) {
    log('connecting directly to %s', formatEndpoint(target));
    const host = config.dnsServer ? await resolveOrFail(config, target.host, signal) : target.host;
    const socket = await connectTcp({ host, port: target.port }, { signal, keepAliveMs: config.keepAliveMs, what: 'target' });
    log('connected');
    return socket;
  }
  let stream: Duplex | undefined;
  for (let i = 0; i < config.hops.length; i++) {
    const next = i + 1 < config.hops.length ? config.hops[i + 1]!.candidates[0]! : target;
    stream = await throughHop(config, config.hops[i]!, stream, next, signal, i);
  }
  return stream!;
}

/** Failover: each candidate of the hop in order; the first that negotiates wins. */
async function throughHop(config: TunnelConfig, hop: Hop, below: Duplex | undefined, next: Endpoint, signal: AbortSignal, index: number): Promise<Duplex> {
  const failures: string[] = [];
  for (const proxy of hop.candidates) {
    try {
      const stream = await negotiateVia(config, proxy, below, next, signal, index);
      if (failures.length > 0) log('using %s (after: %s)', describeProxy(proxy), failures.join('; '));
      return stream;
    } catch (err) {
      if (signal.aborted || hop.candidates.length === 1 || below) throw err;
      failures.push(describeError(err));
      log('%s failed: %s', describeProxy(proxy), describeError(err));
    }
  }
  throw new ConnectError('CONNECT', `every proxy failed: ${failures.join('; ')}`);
}

async function negotiateVia(config: TunnelConfig, proxy: ProxyServer, below: Duplex | undefined, target: Endpoint, signal: AbortSignal, index: number): Promise<Duplex> {
  const connectFirst = () => connectTcp(proxy, { signal, keepAliveMs: config.keepAliveMs, what: describeProxy(proxy) });
  const guards: Array<() => void> = [];
  const reconnect = async (): Promise<Duplex> => {
    if (index === 0) {
      // A reconnected stream (HTTP 407 retry) must die with the deadline too, or it keeps the process alive.
      const again = await wrapTls(proxy, await connectFirst(), signal);
      guards.push(destroyOnAbort(again, signal));
      return again;
    }
    throw new ConnectError('PROXY_PROTOCOL', `${describeProxy(proxy)} asked to reconnect, which a chained hop cannot do`);
  };
  const stream = await wrapTls(proxy, below ?? (await connectFirst()), signal);
  log('connected to %s', describeProxy(proxy));
  const negotiate = await loadNegotiator(proxy.kind);
  const guard = destroyOnAbort(stream, signal);
  try {
    return await negotiate(stream, {
      proxy,
      target,
      resolveLocal: makeLocalResolver(config.dnsServer),
      getPassword: config.getPassword,
      reconnect,
      signal,
    });
  } catch (err) {
    stream.destroy();
    throw err;
  } finally {
    guard();
    for (const release of guards) release();
  }
}

async function wrapTls(proxy: ProxyServer, stream: Duplex, signal: AbortSignal): Promise<Duplex> {
  if (proxy.kind !== 'https') return stream;
  const { startTls } = await import('./transport/tls.js');
  return startTls(stream, proxy, signal);
}

function destroyOnAbort(stream: Duplex, signal: AbortSignal): () => void {
  const onAbort = () => stream.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

async function resolveOrFail(config: TunnelConfig, host: string, signal: AbortSignal): Promise<string> {
  const address = await raceSignal(makeLocalResolver(config.dnsServer)(host), signal);
  if (address === undefined) throw new ConnectError('DNS', `cannot resolve ${host}`);
  return address;
}
