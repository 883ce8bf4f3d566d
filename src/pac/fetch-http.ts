/**
 * PAC files over HTTP(S): a GET made directly (our own socket under
 * node:http, so no agent and no proxy environment applies), https verified
 * as https proxies are (src/transport/trust.ts; --insecure skips it). At
 * most three redirects, never from https to http. Bounds: see fetched.ts.
 */
import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { connect as connectTcp, isIP } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ConnectError } from '../errors.js';
import { trustedContext } from '../transport/trust.js';
import { whenAborted } from '../transport/deadline.js';
import { decodePac } from './decode.js';
import { asPacError, MAX_PAC_BYTES, tooBig, type FetchedPac, type FetchOptions } from './fetched.js';
import type { PacLocation } from './source.js';

const MAX_REDIRECTS = 3;

export async function fetchHttp(location: PacLocation, opts: FetchOptions, what: string): Promise<FetchedPac> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ConnectError('PAC', `PAC file ${what}: no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const stop = whenAborted(opts.signal, (reason) => controller.abort(reason));
  try {
    let url = location.url;
    for (let redirects = 0; ; redirects++) {
      const got = await get(url, opts, controller.signal, what);
      if (got.location === undefined) return fetched(got, url);
      if (redirects === MAX_REDIRECTS) throw new ConnectError('PAC', `PAC file ${what}: more than ${MAX_REDIRECTS} redirects`);
      url = redirectTarget(url, got.location, what);
    }
  } finally {
    clearTimeout(timer);
    stop();
  }
}

function fetched(got: Got, url: URL): FetchedPac {
  const h = got.headers;
  return {
    text: got.notModified ? '' : decodePac(got.body, header(h, 'content-type')),
    from: `pac+${url.href}`,
    url: url.href,
    ...(header(h, 'cache-control') !== undefined && { cacheControl: header(h, 'cache-control') }),
    ...(header(h, 'etag') !== undefined && { etag: header(h, 'etag') }),
    ...(header(h, 'last-modified') !== undefined && { lastModified: header(h, 'last-modified') }),
    ...(got.notModified && { notModified: true }),
  };
}

function header(headers: IncomingMessage['headers'] | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
}

/** RFC 9110 §13.1: If-None-Match (the ETag) wins over If-Modified-Since when both are known. */
function conditional(url: URL, opts: FetchOptions): OutgoingHttpHeaders {
  const r = opts.revalidate;
  if (!r || r.url !== url.href) return {};
  if (r.etag !== undefined) return { 'if-none-match': r.etag };
  return r.lastModified !== undefined ? { 'if-modified-since': r.lastModified } : {};
}

function redirectTarget(from: URL, location: string, what: string): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new ConnectError('PAC', `PAC file ${what}: bad redirect location`);
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw new ConnectError('PAC', `PAC file ${what}: redirect to a ${to.protocol} URL refused`);
  if (from.protocol === 'https:' && to.protocol === 'http:') throw new ConnectError('PAC', `PAC file ${what}: redirect from https to http refused`);
  return to;
}

interface Got {
  body: Uint8Array;
  headers?: IncomingMessage['headers'];
  /** Set for a redirect. */
  location?: string;
  /** 304 to a conditional request. */
  notModified?: boolean;
}

function get(url: URL, opts: FetchOptions, signal: AbortSignal, what: string): Promise<Got> {
  const https = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (https ? 443 : 80));
  const ifChanged = conditional(url, opts);
  return new Promise<Got>((resolve, reject) => {
    const fail = (err: unknown) => reject(signal.aborted ? signal.reason : asPacError(err, what));
    const req = request({
      host,
      port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: 'application/x-ns-proxy-autoconfig, */*', 'accept-encoding': 'identity', ...ifChanged },
      signal,
      createConnection: () => (https
        ? connectTls({
          host,
          port,
          ...(isIP(host) === 0 && { servername: host }),
          rejectUnauthorized: !opts.insecure,
          ...(!opts.insecure && { secureContext: trustedContext() }),
        })
        : connectTcp({ host, port })),
    });
    req.once('error', fail);
    req.once('response', (res) => readResponse(res, what, Object.keys(ifChanged).length > 0).then(resolve, fail));
    req.end();
  });
}

function readResponse(res: IncomingMessage, what: string, conditional: boolean): Promise<Got> {
  const status = res.statusCode ?? 0;
  if (status === 304 && conditional) {
    res.resume();
    return Promise.resolve({ body: new Uint8Array(), headers: res.headers, notModified: true });
  }
  if ([301, 302, 303, 307, 308].includes(status) && typeof res.headers.location === 'string') {
    res.resume();
    return Promise.resolve({ body: new Uint8Array(), location: res.headers.location });
  }
  if (status !== 200) {
    res.resume();
    return Promise.reject(new ConnectError('PAC', `PAC file ${what}: HTTP ${status} ${oneLine(res.statusMessage ?? '')}`.trimEnd()));
  }
  const length = Number(res.headers['content-length']);
  if (length > MAX_PAC_BYTES) {
    res.destroy();
    return Promise.reject(tooBig(what));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAC_BYTES) {
        res.destroy();
        reject(tooBig(what));
      } else {
        chunks.push(chunk);
      }
    });
    res.once('error', reject);
    res.once('close', () => reject(new Error('connection closed before the end of the file')));
    res.once('end', () => resolve({ body: Buffer.concat(chunks), headers: res.headers }));
  });
}

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 100);
}
