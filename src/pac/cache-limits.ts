/**
 * How long the PAC cache keeps and uses a script, apart from the cache's
 * code (src/pac/cache-entry.ts): the CLI checks --pac-cache against these at
 * every start, and the cache's code is loaded only when a PAC is used.
 */

/** The most CONNECT_PAC_CACHE / --pac-cache may ask for. */
export const MAX_PAC_CACHE_S = 3600;
/** Used when nothing says otherwise. */
export const DEFAULT_PAC_CACHE_S = 300;
/** After a failed fetch, an expired script may be used this long past its lifetime at most (RFC 5861 stale-if-error). */
export const MAX_STALE_IF_ERROR_S = 300;
/** "WPAD found nothing on this network" is remembered at most this long. */
export const MAX_WPAD_NONE_S = 60;
