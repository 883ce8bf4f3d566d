// Transition shim: the HTTP(S) CONNECT test proxy is helpers/fake-proxy.ts
// (startFakeProxy('http' | 'https', behaviour)). Removed once no caller is left.
import { startFakeProxy, type FakeProxy, type ProxyAuth } from './fake-proxy.js';
import type { KeyPair } from './test-ca.js';

export { parseParams, type DigestAlgo, type ProxyAuth } from './fake-proxy.js';

export interface HttpsProxyOptions {
  tls?: boolean | KeyPair;
  auth?: ProxyAuth;
  /** Answer every CONNECT with this status line. */
  status?: string;
  /** Close instead of answering. */
  hangUp?: boolean;
}

export type HttpsProxy = FakeProxy;

export function startHttpsProxy(opts: HttpsProxyOptions = {}): Promise<HttpsProxy> {
  const answer = opts.hangUp ? 'close' : opts.status ? { refuse: opts.status } : 'relay';
  return startFakeProxy(opts.tls ? 'https' : 'http', { ...(opts.auth && { auth: opts.auth }), answer }, {
    ...(typeof opts.tls === 'object' && { tls: opts.tls }),
  });
}
