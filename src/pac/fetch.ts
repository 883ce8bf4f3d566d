/**
 * Getting a PAC script: a local file, or an HTTP(S) GET made directly
 * (never through a proxy: our own socket under node:http, so no agent and
 * no proxy environment applies), bounded in time and size, https verified
 * as https proxies are (src/transport/trust.ts; --insecure skips it). At
 * most three redirects, never from https to http.
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConnectError, describeError } from '../errors.js';
import { decodePac } from './decode.js';
import { describePac, type PacLocation } from './source.js';

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

export async function fetchPac(location: PacLocation, opts: FetchOptions): Promise<FetchedPac> {
  const what = describePac(location);
  if (location.scheme === 'file') return { text: decodePac(await readLimited(fileURLToPath(location.url), what)), from: what };
  // node:http and node:tls load only for a script that comes over the network.
  return (await import('./fetch-http.js')).fetchHttp(location, opts, what);
}

async function readLimited(path: string, what: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.allocUnsafe(MAX_PAC_BYTES + 1);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > MAX_PAC_BYTES) throw tooBig(what);
    }
    return buffer.subarray(0, size);
  } catch (err) {
    throw asPacError(err, what);
  } finally {
    await handle?.close();
  }
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
