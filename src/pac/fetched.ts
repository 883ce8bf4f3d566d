/**
 * What fetching a PAC script takes and gives (src/pac/fetch.ts for files,
 * src/pac/fetch-http.ts over HTTP(S)), its size bound and its errors.
 */
import { ConnectError, describeError } from '../errors.js';

/** PAC files are a few KiB; anything past this is not one. */
export const MAX_PAC_BYTES = 1 << 20;

export interface FetchOptions {
  /** Bounds the whole fetch (connect, TLS, redirects, body). */
  timeoutMs: number;
  /** https: skip certificate verification (--insecure). */
  insecure?: boolean;
  signal?: AbortSignal | undefined;
  /** A cached copy that came from `url`: asked for conditionally there (RFC 9110 §13.1), so an unchanged script is a 304. */
  revalidate?: { url: string; etag?: string; lastModified?: string };
}

export interface FetchedPac {
  text: string;
  /** Where it finally came from (after redirects). */
  from: string;
  /** HTTP(S): the URL that served it, and what the cache keeps of the answer's headers. */
  url?: string;
  cacheControl?: string;
  etag?: string;
  lastModified?: string;
  /** The server answered 304 to `revalidate`: the cached copy is current (text is empty). */
  notModified?: boolean;
  /** Where the text came from when a cache was asked (src/pac/cached.ts), for -d and --explain. */
  cache?: string;
}

export function asPacError(err: unknown, what: string): ConnectError {
  if (err instanceof ConnectError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const hint = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) ? '; trust its CA with NODE_EXTRA_CA_CERTS' : '';
  return new ConnectError('PAC', `PAC file ${what}: ${describeError(err)}${hint}`, { cause: err });
}

export function tooBig(what: string): ConnectError {
  return new ConnectError('PAC', `PAC file ${what}: larger than ${MAX_PAC_BYTES >> 20} MiB`);
}
