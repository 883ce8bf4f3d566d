// Valid proxy conversations, as the proxy side sends them, one per flow:
// the inputs the fuzzer mutates. Each connection is a list of segments; a
// segment is sent once the client has sent something since the last one
// (`wait`), or at once (a telnet proxy's prompt). The last connection of a
// flow ends with `banner`: the tunnel's first bytes (an SSH server speaks
// first), which a successful negotiation must hand over intact.
import type { ProxyServer } from '../../src/config/types.js';

export type Kind = 'socks5' | 'socks4' | 'http' | 'telnet';

export interface Segment { bytes: Buffer; wait: boolean }

export interface Flow {
  name: string;
  kind: Kind;
  proxy: Partial<ProxyServer>;
  connections: Segment[][];
}

export const BANNER = Buffer.from('SSH-2.0-fuzz_peer\r\n');

const b = (...parts: Array<number[] | string | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const seg = (bytes: Buffer, wait = true): Segment => ({ bytes, wait });

const v4Reply = b([5, 0, 0, 1, 127, 0, 0, 1, 0x12, 0x34]);

export const FLOWS: Flow[] = [
  { name: 'socks5 none, IPv4 bound', kind: 'socks5', proxy: {}, connections: [[seg(b([5, 0])), seg(b(v4Reply, BANNER))]] },
  {
    name: 'socks5 userpass, domain bound', kind: 'socks5', proxy: { password: 'fuzz-secret', socks5Auth: ['userpass'] },
    connections: [[seg(b([5, 2])), seg(b([1, 0])), seg(b([5, 0, 0, 3, 9], 'localhost', [0, 22], BANNER))]],
  },
  {
    name: 'socks5 none, IPv6 bound', kind: 'socks5', proxy: {},
    connections: [[seg(b([5, 0])), seg(b([5, 0, 0, 4], Buffer.alloc(15), [1, 0, 22], BANNER))]],
  },
  { name: 'socks4a granted', kind: 'socks4', proxy: { resolve: 'remote' }, connections: [[seg(b([0, 90, 0, 22, 0, 0, 0, 0], BANNER))]] },
  { name: 'socks4 granted', kind: 'socks4', proxy: {}, connections: [[seg(b([0, 90, 0x12, 0x34, 127, 0, 0, 1], BANNER))]] },
  {
    name: 'http 200 with headers', kind: 'http', proxy: {},
    connections: [[seg(b('HTTP/1.1 200 Connection established\r\nProxy-Agent: fuzz\r\nVia: 1.1 p\r\n\r\n', BANNER))]],
  },
  { name: 'http/1.0 200 bare', kind: 'http', proxy: {}, connections: [[seg(b('HTTP/1.0 200 OK\r\n\r\n', BANNER))]] },
  {
    name: 'http 407 Basic then 200', kind: 'http', proxy: { user: 'fuzz', password: 'fuzz-secret' },
    connections: [
      [seg(b('HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="f"\r\nContent-Length: 0\r\n\r\n'))],
      [seg(b('HTTP/1.0 200 OK\r\n\r\n', BANNER))],
    ],
  },
  {
    name: 'telnet connected', kind: 'telnet', proxy: { telnetCommand: 'telnet %h %p' },
    connections: [[seg(b('Trying 127.0.0.1...\r\nConnected to target.\r\nEscape character is none.\r\n', BANNER))]],
  },
  {
    name: 'telnet prompt first', kind: 'telnet', proxy: { telnetCommand: 'telnet %h %p' },
    connections: [[seg(b('proxy> '), false), seg(b('Connected to target.\r\n', BANNER))]],
  },
];

/** Bytes of a connection's handshake: everything but the banner on the last connection. */
export function handshakeLength(flow: Flow, conn: number): number {
  const total = flow.connections[conn]!.reduce((n, s) => n + s.bytes.length, 0);
  if (conn < flow.connections.length - 1) return total;
  if (flow.kind === 'telnet') {
    // The tunnel starts after the "connected to" line, whose remainder (Escape...) is talk, not tunnel.
    const all = Buffer.concat(flow.connections[conn]!.map((s) => s.bytes));
    const at = all.indexOf('Connected to');
    return all.indexOf('\n', at) + 1;
  }
  return total - BANNER.length;
}
