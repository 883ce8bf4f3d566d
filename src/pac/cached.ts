/**
 * PAC scripts through the on-disk cache (src/pac/cache.ts), for
 * `pac+http(s)` and WPAD; `pac+file` is read as before (it is local already).
 *
 * - A fresh entry is used as is: no request at all.
 * - An expired one is fetched again, conditionally when the server gave an
 *   ETag or Last-Modified (a 304 renews it); the answer's Cache-Control
 *   decides how long the new copy is kept (src/pac/cache-entry.ts).
 * - When that fetch fails because the server cannot be reached or answers
 *   500/502/503/504 (RFC 5861's "error"), the expired copy is used within
 *   its stale-if-error window, with a warning on stderr; past it, or for
 *   any other failure (404, a bad certificate, too large), the failure is
 *   the session's, as without a cache.
 * - WPAD entries are keyed by the DNS domain and this host's network
 *   (name servers, addresses: cache-entry.ts networkKey), and remember the
 *   URL that served the script, so a fresh entry skips discovery; "found
 *   nothing" is remembered too, at most MAX_WPAD_NONE_S. An expired WPAD
 *   entry is never used stale: discovery runs again.
 */
import { networkInterfaces } from 'node:os';
import { ConnectError, describeError } from '../errors.js';
import { logger } from '../log.js';
import { lifetimeFrom, MAX_WPAD_NONE_S, networkKey, standing, urlKey, wpadKey, type CacheEntry } from './cache-entry.js';
import { readEntry, removeEntry, writeEntry, type PacCacheConfig } from './cache.js';
import { fetchPac } from './fetch.js';
import type { FetchedPac, FetchOptions } from './fetched.js';
import { describePac, type PacLocation } from './source.js';
import { discoverWpad, wpadContext, type WpadOptions, type WpadResult } from './wpad.js';

const log = logger('pac');

export interface CacheUse {
  cache: PacCacheConfig;
  /** Gets the line said when an expired copy stands in for a failed fetch. */
  warn?: ((message: string) => void) | undefined;
}

export async function cachedPac(location: PacLocation, opts: FetchOptions, use: CacheUse): Promise<FetchedPac> {
  if (location.scheme === 'file') return fetchPac(location, opts);
  const key = urlKey(location.url.href, location.scheme === 'https' && opts.insecure === true);
  const now = Date.now();
  const entry = await held(use.cache, key, describePac(location));
  const at = entry && standing(entry, now);
  if (entry && at?.state === 'fresh') return fromEntry(entry, `the cache (fetched ${at.ageS} s ago, fresh ${at.leftS} s more)`);
  try {
    const fetched = await fetchPac(location, { ...opts, ...revalidating(entry) });
    return await kept(use.cache, key, fetched, entry, now);
  } catch (err) {
    if (entry && at?.state === 'stale' && !opts.signal?.aborted && unreachable(err)) {
      use.warn?.(`${describeError(err)}; using the copy fetched ${at.ageS} s ago (it may stand in ${at.leftS} s more)`);
      return fromEntry(entry, `the cache, expired (fetched ${at.ageS} s ago; fetching it again failed)`);
    }
    throw err;
  }
}

export async function cachedWpad(opts: WpadOptions, use: CacheUse): Promise<WpadResult> {
  const context = await wpadContext();
  if (!context.domain) return discoverWpad(opts, context);
  const key = wpadKey(context.domain, networkKey(context.resolvConf, networkInterfaces()));
  const now = Date.now();
  const entry = await held(use.cache, key, `WPAD for ${context.domain}`);
  const at = entry && standing(entry, now);
  if (entry && at?.state === 'fresh') {
    const note = `from the cache (${at.ageS} s ago, fresh ${at.leftS} s more)`;
    if (entry.url === undefined) return { domain: context.domain, tried: [`none found ${note}`] };
    return { domain: context.domain, found: fromEntry(entry, `the cache (WPAD found it ${at.ageS} s ago, fresh ${at.leftS} s more)`), tried: [`${entry.url}: found ${note}`] };
  }
  const result = await discoverWpad({ ...opts, ...revalidating(entry) }, context);
  if (result.found) return { ...result, found: await kept(use.cache, key, result.found, entry, now) };
  if (result.tried.length === 0) return result; // no candidate below the public suffix: nothing was asked, nothing to save
  const none: CacheEntry = { key, text: '', fetchedAt: now, lifetimeS: Math.min(use.cache.maxAgeS, MAX_WPAD_NONE_S), staleIfErrorS: 0 };
  const why = await writeEntry(use.cache, none);
  log('PAC cache: WPAD for %s: "none found" %s', context.domain, why ?? `kept ${none.lifetimeS} s`);
  return result;
}

/** The entry for `key` when there is a usable one; -d says why not otherwise. */
async function held(cache: PacCacheConfig, key: string, what: string): Promise<CacheEntry | undefined> {
  const got = await readEntry(cache, key);
  if ('entry' in got) return got.entry;
  log('PAC cache: %s: %s', what, got.miss);
  return undefined;
}

function fromEntry(entry: CacheEntry, cache: string): FetchedPac {
  return { text: entry.text, from: `pac+${entry.url!}`, url: entry.url!, cache };
}

function revalidating(entry: CacheEntry | undefined): Pick<FetchOptions, 'revalidate'> {
  if (!entry?.url || (entry.etag === undefined && entry.lastModified === undefined)) return {};
  return { revalidate: { url: entry.url, ...(entry.etag !== undefined && { etag: entry.etag }), ...(entry.lastModified !== undefined && { lastModified: entry.lastModified }) } };
}

/** Stores what was fetched (or renews `entry` on a 304) as its Cache-Control allows; says which in `cache`. */
async function kept(cache: PacCacheConfig, key: string, fetched: FetchedPac, entry: CacheEntry | undefined, now: number): Promise<FetchedPac> {
  const base = fetched.notModified && entry ? entry : undefined;
  const etag = fetched.etag ?? base?.etag;
  const lastModified = fetched.lastModified ?? base?.lastModified;
  const cacheControl = fetched.cacheControl ?? base?.cacheControl;
  const life = lifetimeFrom(cacheControl, cache.maxAgeS, etag !== undefined || lastModified !== undefined);
  const result: FetchedPac = base ? { ...fromEntry(base, ''), cache: '' } : fetched;
  const how = base ? 'the cache, revalidated (304 Not Modified)' : 'the network';
  if (!life.store) {
    await removeEntry(cache, key);
    return { ...result, cache: `${how}; ${life.why}` };
  }
  const why = await writeEntry(cache, {
    key,
    url: base?.url ?? fetched.url!,
    text: result.text,
    fetchedAt: now,
    lifetimeS: life.lifetimeS,
    staleIfErrorS: life.staleIfErrorS,
    ...(etag !== undefined && { etag }),
    ...(lastModified !== undefined && { lastModified }),
    ...(cacheControl !== undefined && { cacheControl }),
  });
  return { ...result, cache: `${how}; ${why ? `cache ${why}` : life.why}` };
}

/** RFC 5861 §4: the server could not be reached, or answered 500, 502, 503 or 504. */
export function unreachable(err: unknown): boolean {
  if (!(err instanceof ConnectError)) return false;
  if (/: HTTP 50[0234]\b|: no answer within |connection closed before the end/.test(err.message)) return true;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  return /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENETDOWN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE)$/.test(code);
}
