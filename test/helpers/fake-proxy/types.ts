/** The fake proxy's public shapes: what a behaviour says, what a request records. */
import type { KeyPair } from '../test-ca.js';
import type { Teardown } from '../process.js';
import type { ProxyAuth } from './http-auth.js';
import type { Script } from './script.js';
import type { FakePeer } from './server.js';

export type FakeProtocol = 'socks5' | 'socks4' | 'http' | 'https' | 'telnet';

/**
 * What to do with a request once it is read (and authenticated):
 * - 'relay': the success reply, then dial the target on loopback and relay (a
 *   failed dial is the protocol's "cannot connect" reply);
 * - { banner }: the success reply and these bytes in one write, no upstream,
 *   the client's FIN mirrored (an SSH server behind the proxy speaking first);
 * - { refuse }: the protocol's failure reply, then close: a SOCKS5 REP
 *   (RFC 1928 §6), a SOCKS4 CD (91–93), an HTTP status line ('403 Forbidden'),
 *   a telnet line ('Connection refused');
 * - 'close' / 'reset' / 'hang': FIN, RST, or never answer.
 */
export type Answer = 'relay' | { banner: Buffer | string } | { refuse: number | string } | 'close' | 'reset' | 'hang';

/** The protocol spoken for real, its outcome switched per case. */
export interface ProtocolBehaviour {
  /** SOCKS5: demand user/password (RFC 1929); HTTP: these credentials, Basic unless `offer` says else. SOCKS4: the user id to demand. */
  auth?: { user: string; password: string } | ProxyAuth;
  /** Per request (default 'relay'). */
  answer?: Answer | ((req: ProxyRequest) => Answer);
  /** Fail before any reply, as soon as the client has sent something. */
  before?: 'close' | 'reset' | 'hang';
  /** Fail after the success reply (and banner): FIN or RST (which may cost the client the reply) instead of a tunnel. */
  after?: 'close' | 'reset';
  /** The answer's reply (and banner) one byte per write, this many ms apart: split reads. */
  drip?: number;
  /** telnet: sent when a client connects, before it says anything. */
  prompt?: string;
  /** 'relay': an upstream reset resets the client too (a firewall dropping the tunnel); otherwise the client is destroyed. */
  passReset?: boolean;
  script?: undefined;
}

/** Byte-exact: the script's steps on the raw TCP connection instead of the protocol (which then only names the URL). */
export interface ScriptedBehaviour {
  script: Script;
}

export type Behaviour = ProtocolBehaviour | ScriptedBehaviour;

export interface FakeProxyOptions {
  /** Listen address (default 127.0.0.1; '::1' for IPv6 tests). */
  host?: string;
  /** https: the certificate (default: the test CA's 127.0.0.1/localhost one). */
  tls?: KeyPair;
  /** Bytes recorded per connection (default 8 MiB); `bytes` counts all. */
  maxRecord?: number;
  t?: Teardown;
}

export interface ProxyRequest {
  /** Connection number, from 0. */
  index: number;
  host: string;
  port: number;
  /** SOCKS5/HTTP user sent, SOCKS4 user id. */
  user?: string;
  password?: string;
  /** SOCKS5 methods offered, in order. */
  methods?: number[];
  /** HTTP: request line parts and headers as received; the auth verdict. */
  method?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
  auth?: 'none' | 'ok' | 'bad' | 'stale';
  scheme?: string;
  /** telnet: the command line as received. */
  line?: string;
}

/**
 * A running fake proxy. `connections` records every byte each client sent
 * (https: the bytes inside TLS, one record per completed handshake; a
 * script on https records the raw TCP bytes); `requests` what the protocol
 * read (empty for a script).
 */
export interface FakeProxy extends FakePeer {
  /** `socks5://127.0.0.1:port` and so on (no credentials). */
  url: string;
  requests: ProxyRequest[];
  /** https: the SNI of each TLS handshake, false when none was sent. */
  servernames: (string | false)[];
}
