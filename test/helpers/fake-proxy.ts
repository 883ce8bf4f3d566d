/**
 * The one fake proxy of the tests (in the manner of Go's
 * x/net/internal/sockstest): a loopback server for any protocol we speak,
 * whose behaviour is switched per case. By default it is a working proxy: it
 * authenticates if told to, then dials the requested port on loopback (never
 * elsewhere: any name or IPv4 becomes 127.0.0.1, an IPv6 target ::1) and
 * relays. What the protocol read is in `requests`; every byte each client
 * sent is in `connections` (fake-proxy/record.ts).
 *
 *   const p = await startFakeProxy('socks5', { auth: { user: 'u', password: 'pw' } }, { t });
 *   const p = await startFakeProxy('http', { answer: { refuse: '403 Forbidden' } });
 *   const p = await startFakeProxy('socks4', { answer: (req) => (req.port === 22 ? { banner: 'SSH-2.0-x\r\n' } : 'reset') });
 *   const p = await startFakeProxy('https', { auth: { user, password, offer: ['Digest-SHA-256'] } });
 *
 * Byte-exact conversations (connect.c side by side, malformed replies,
 * drips, split frames) are scripts instead of the protocol
 * (fake-proxy/script.ts; ready-made ones per protocol in fake-proxy/scripts.ts):
 *
 *   const p = await startFakeProxy('socks5', { script: socks5Script({ method: 0, banner }) }, { t });
 *   const p = await startFakeProxy('http', { script: [{ until: '\r\n\r\n' }, { drip: reply, intervalMs: 5 }] });
 *
 * Fake targets (an sshd speaking first, an echo server) are scripts too:
 * bannerServer(), startFakeTarget().
 */
import { startHttpFake } from './fake-proxy/http.js';
import { startNetProtocol, startScripted } from './fake-proxy/net.js';
import type { Script, Step } from './fake-proxy/script.js';
import { Clients, proxyUrl, type FakePeer } from './fake-proxy/server.js';
import type { Behaviour, FakeProtocol, FakeProxy, FakeProxyOptions } from './fake-proxy/types.js';

export type { Answer, Behaviour, FakeProtocol, FakeProxy, FakeProxyOptions, ProtocolBehaviour, ProxyRequest, ScriptedBehaviour } from './fake-proxy/types.js';
export type { DigestAlgo, ProxyAuth } from './fake-proxy/http-auth.js';
export { parseParams } from './fake-proxy/http-auth.js';
export { ConnectionRecord, type Chunk } from './fake-proxy/record.js';
export type { FakePeer } from './fake-proxy/server.js';
export { perConnection, type Frame, type Script, type Step } from './fake-proxy/script.js';
export * from './fake-proxy/scripts.js';

export async function startFakeProxy(protocol: FakeProtocol, behaviour: Behaviour = {}, opts: FakeProxyOptions = {}): Promise<FakeProxy> {
  const p = await start(protocol, behaviour, opts.host ?? '127.0.0.1', new Clients(opts.maxRecord), opts);
  opts.t?.after(p.close);
  return p;
}

async function start(protocol: FakeProtocol, b: Behaviour, host: string, clients: Clients, opts: FakeProxyOptions): Promise<FakeProxy> {
  const proxy = (peer: FakePeer, requests: FakeProxy['requests'] = []): FakeProxy =>
    ({ ...peer, url: proxyUrl(protocol, host, peer.port), requests, servernames: [] });
  if (b.script) return proxy(await startScripted(b.script, host, clients));
  if (protocol === 'http' || protocol === 'https') return startHttpFake(protocol === 'https', b, host, clients, opts.tls);
  const requests: FakeProxy['requests'] = [];
  return proxy(await startNetProtocol(protocol, { b, requests, clients }, host), requests);
}

export type FakeTargetOptions = Omit<FakeProxyOptions, 'tls'>;

/** A fake target (or any peer that is no proxy) running a byte script, recording every byte. */
export async function startFakeTarget(script: Script, opts: FakeTargetOptions = {}): Promise<FakePeer> {
  const peer = await startScripted(script, opts.host ?? '127.0.0.1', new Clients(opts.maxRecord));
  opts.t?.after(peer.close);
  return peer;
}

/** A target that speaks first (like sshd), then echoes (`then: 'echo'`), closes, or just records until the client's FIN. */
export function bannerServer(
  banner: Buffer | string = 'SSH-2.0-fake\r\n',
  opts: FakeTargetOptions & { then?: 'echo' | 'close' | 'record' } = {},
): Promise<FakePeer> {
  const then: Step[] = opts.then === 'echo' ? [{ echo: true }] : opts.then === 'close' ? [{ close: true }] : [];
  return startFakeTarget([{ send: banner }, ...then], opts);
}
