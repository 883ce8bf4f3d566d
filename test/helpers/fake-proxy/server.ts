/** The listening side every fake shares: accepted sockets tracked (close() destroys them) and recorded. */
import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionRecord } from './record.js';

/** Bytes kept per connection by default (`bytes` counts all). */
export const MAX_RECORD = 8 << 20;

export interface FakePeer {
  host: string;
  port: number;
  /** One record per accepted connection, in order. */
  connections: ConnectionRecord[];
  /** Resolves with connection i once it has been accepted. */
  connection(i: number, timeoutMs?: number): Promise<ConnectionRecord>;
  close(): Promise<void>;
}

export class Clients {
  readonly sockets = new Set<Duplex>();
  readonly connections: ConnectionRecord[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly maxRecord = MAX_RECORD) {}

  /** A new client: tracked, recorded as the next connection. */
  accept(socket: Duplex): ConnectionRecord {
    const rec = new ConnectionRecord(this.connections.length);
    this.connections.push(rec);
    this.track(socket);
    rec.watch(socket, this.maxRecord);
    this.waiters.splice(0).forEach((wake) => wake());
    return rec;
  }

  /** Destroyed by close() (clients, and upstream sockets of a relay). */
  track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async connection(i: number, timeoutMs: number, port: number): Promise<ConnectionRecord> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connections[i]) {
      if (Date.now() > deadline) throw new Error(`fake :${port}: no connection #${i} after ${timeoutMs} ms`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
    return this.connections[i]!;
  }
}

/** `socks5://127.0.0.1:1080`, `http://[::1]:8080` (no credentials). */
export function proxyUrl(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Listens on host:0; close() destroys every tracked socket, then stops listening. */
export async function listen(server: Server, host: string, clients: Clients): Promise<FakePeer> {
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= new Promise<void>((resolve) => {
    for (const s of clients.sockets) s.destroy();
    server.close(() => resolve());
  }));
  const connection = (i: number, timeoutMs = 10_000) => clients.connection(i, timeoutMs, port);
  return { host, port, connections: clients.connections, connection, close };
}
