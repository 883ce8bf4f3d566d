/**
 * In-process proxies for the session benchmark: the tests' fake proxy
 * (helpers/fake-proxy.ts) answering any request with the final reply and an
 * SSH banner in one write (as a real SSH server behind a proxy often does),
 * then closing when the client half-closes.
 */
import { startFakeProxy } from '../helpers/fake-proxy.js';

export const BANNER = Buffer.from('SSH-2.0-OpenSSH_9.6 bench\r\n');

export interface Responder {
  port: number;
  close(): Promise<void>;
}

export function startResponder(kind: 'socks5' | 'http'): Promise<Responder> {
  return startFakeProxy(kind, { answer: { banner: BANNER } });
}
