/**
 * A PAC location and a target → the routes to try: fetch the script (while
 * the sandbox compiles), ask it, read its answer. Everything `--explain` and
 * `-d` show is in the returned decision.
 *
 * The script is asked about `https://host:port/` with `host`: an ssh tunnel
 * through an HTTP proxy is a CONNECT, exactly what a browser asks for an
 * https URL, and browsers too give scripts https URLs stripped to scheme,
 * host and port. The port is always written (even 443) so a script can tell
 * ssh's 22 from a web server's.
 */
import { ConnectError } from '../errors.js';
import type { Endpoint } from '../address.js';
import type { PacCacheConfig } from './cache.js';
import { cachedPac } from './cached.js';
import { fetchPac } from './fetch.js';
import type { FetchedPac } from './fetched.js';
import { parsePacResult, type PacRoute } from './result.js';
import { askPac } from './run.js';
import { userScriptImages } from './script-image.js';
import type { PacEngine } from './sandbox.js';
import { compileQuickJs } from './wasm.js';
import { describePac, type PacLocation } from './source.js';

/** How long a script may take, name lookups included (within -w when that is shorter). */
export const PAC_RUN_MS = 5000;
/** How long fetching a pac+http(s) script may take (within -w when that is shorter). */
export const PAC_FETCH_MS = 10_000;

export interface PacDecision {
  /** Where the script came from (after redirects). */
  source: string;
  /** What it was asked. */
  url: string;
  host: string;
  /** What FindProxyForURL returned. */
  result: string;
  /** What that became, in order. */
  routes: PacRoute[];
  /** Entries that could not be read. */
  skipped: string[];
  /** With a cache: where the script came from (the cache and its age, or the network). */
  cache?: string;
  /** Runs of the script (more than one when it looked up names). */
  runs: number;
  /** How the sandbox set QuickJS up (src/pac/sandbox.ts setUpBy). */
  sandbox?: string;
}

export interface PacOptions {
  /** Time left under -w, if set. */
  timeoutMs?: number;
  insecure?: boolean;
  signal?: AbortSignal | undefined;
  /** -R: look names up through this DNS server first. */
  dnsServer?: string;
  /** Where alert() messages go. */
  alert?: (message: string) => void;
  /** pac+http(s) and WPAD scripts are kept here (src/pac/cached.ts); unset: fetched every time. */
  cache?: PacCacheConfig;
  /** Gets non-fatal problems (an expired cached script standing in for a failed fetch). */
  warn?: (message: string) => void;
  /** Where images of evaluated scripts are kept (src/pac/script-image.ts); unset: none. */
  images?: string;
}

export function pacQuery(target: Endpoint): { url: string; host: string } {
  const host = target.host.replace(/^\[(.*)\]$/, '$1');
  const authority = host.includes(':') ? `[${host}]` : host;
  return { url: `https://${authority}:${target.port}/`, host };
}

export async function decideByPac(location: PacLocation, target: Endpoint, opts: PacOptions = {}): Promise<PacDecision> {
  const started = Date.now();
  const within = (ms: number) => Math.min(ms, opts.timeoutMs ?? ms);
  const engine = loadEngine(opts);
  const fetchOpts = { timeoutMs: within(PAC_FETCH_MS), insecure: opts.insecure, signal: opts.signal };
  const fetched = opts.cache ? await cachedPac(location, fetchOpts, { cache: opts.cache, warn: opts.warn }) : await fetchPac(location, fetchOpts);
  const left = opts.timeoutMs === undefined ? PAC_RUN_MS : Math.min(PAC_RUN_MS, opts.timeoutMs - (Date.now() - started));
  if (left <= 0) throw new ConnectError('TIMEOUT', `timed out fetching the PAC file ${describePac(location)}`);
  return decideWithScript(fetched, await engine, target, { ...opts, timeoutMs: left });
}

/**
 * The sandbox, keeping images of evaluated scripts where `opts.images` says
 * (src/pac/script-image.ts). The engine compiles now, before the script is
 * read (in the CLI, before the PAC code even loads: scripts/build.mjs).
 */
export function loadEngine(opts: PacOptions): Promise<PacEngine> {
  compileQuickJs().catch(() => {});
  const engine = import('./sandbox.js').then((m) => m.loadPacEngine({ scripts: opts.images === undefined ? undefined : userScriptImages(opts.images) }));
  engine.catch(() => {});
  return engine;
}

/** The script is in hand (a file, a fetch, WPAD): ask it about `target`. */
export async function decideWithScript(fetched: FetchedPac, engine: PacEngine, target: Endpoint, opts: PacOptions): Promise<PacDecision> {
  const { url, host } = pacQuery(target);
  // node:dgram and node:os load only for a script that asks (started early: it is likely to).
  const myAddresses = () => import('./my-ip.js').then((m) => m.myAddresses());
  const mine = /myIpAddress/.test(fetched.text) ? myAddresses() : undefined;
  mine?.catch(() => {});
  const timeoutMs = Math.max(1, opts.timeoutMs ?? PAC_RUN_MS);
  // A script that misbehaves ends the attempt: no failover (e.g. -x auto's DIRECT) may follow it silently.
  const answer = await askPac(engine, {
    source: fetched.text,
    name: fetched.from,
    url,
    host,
    timeoutMs,
    lookup: (name) => lookupAll(name, opts.dnsServer),
    myAddresses: () => mine ?? myAddresses(),
    ...(opts.alert && { alert: opts.alert }),
  }).catch((err: unknown) => {
    throw err instanceof ConnectError ? new ConnectError(err.code, err.message, { cause: err, final: true }) : err;
  });
  const { routes, skipped } = parsePacResult(answer.result);
  if (routes.length === 0) {
    throw new ConnectError('PAC', `PAC script ${fetched.from}: FindProxyForURL returned ${JSON.stringify(answer.result.slice(0, 200))}, which names no usable proxy and no DIRECT`, { final: true });
  }
  return { source: fetched.from, url, host, result: answer.result, routes, skipped, runs: answer.runs, sandbox: engine.setUpBy, ...(fetched.cache !== undefined && { cache: fetched.cache }) };
}

/** Every address of `name` (IPv4 first), [] when it does not resolve; -R's server first when given. */
async function lookupAll(name: string, dnsServer: string | undefined): Promise<string[]> {
  const dns = await import('node:dns/promises');
  if (dnsServer) {
    const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([dnsServer]);
    const [v4, v6] = await Promise.all([resolver.resolve4(name).catch(() => []), resolver.resolve6(name).catch(() => [])]);
    if (v4.length + v6.length > 0) return [...v4, ...v6];
  }
  const all = await dns.lookup(name, { all: true }).catch(() => []);
  return [...all.filter((a) => a.family === 4), ...all.filter((a) => a.family === 6)].map((a) => a.address);
}

