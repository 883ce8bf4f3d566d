/**
 * Getting a PAC script: a local file, or an HTTP(S) GET made directly
 * (never through a proxy: our own socket under node:http, so no agent and
 * no proxy environment applies), bounded in time and size, https verified
 * as https proxies are (src/transport/trust.ts; --insecure skips it). At
 * most three redirects, never from https to http.
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { decodePac } from './decode.js';
import { asPacError, MAX_PAC_BYTES, tooBig, type FetchedPac, type FetchOptions } from './fetched.js';
import { describePac, type PacLocation } from './source.js';

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
