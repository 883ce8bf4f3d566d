/**
 * In-process proxies for the session benchmark: a SOCKS5 responder and an
 * HTTP CONNECT responder that accept any request and answer with the final
 * reply and an SSH banner in one write (as a real SSH server behind a proxy
 * often does), then close when the client half-closes.
 */
import net from 'node:net';
import { socks5Frames } from '../helpers/peers.js';

export const BANNER = Buffer.from('SSH-2.0-OpenSSH_9.6 bench\r\n');

export interface Responder {
  port: number;
  close(): Promise<void>;
}

/** Bytes the next frame takes (possibly more than buffered so far), or undefined for "not yet". */
type Framer = (buf: Buffer) => number | undefined;

function httpHead(b: Buffer): number | undefined {
  const at = b.indexOf('\r\n\r\n');
  return at < 0 ? undefined : at + 4;
}

const SOCKS5_SCRIPT: Array<[Framer, Buffer]> = [
  [socks5Frames.greeting, Buffer.from([5, 0])],
  [socks5Frames.request, Buffer.concat([Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]), BANNER])],
];
const HTTP_SCRIPT: Array<[Framer, Buffer]> = [
  [httpHead, Buffer.concat([Buffer.from('HTTP/1.0 200 Connection established\r\n\r\n'), BANNER])],
];

function serve(socket: net.Socket, script: Array<[Framer, Buffer]>): void {
  let buf = Buffer.alloc(0);
  let step = 0;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.end());
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (step < script.length) {
      const [frame, reply] = script[step]!;
      const n = frame(buf);
      if (n === undefined || n > buf.length) return;
      buf = buf.subarray(n);
      step++;
      socket.write(reply);
    }
  });
}

export async function startResponder(kind: 'socks5' | 'http'): Promise<Responder> {
  const script = kind === 'socks5' ? SOCKS5_SCRIPT : HTTP_SCRIPT;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    serve(s, script);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return { port: (server.address() as net.AddressInfo).port, close };
}
