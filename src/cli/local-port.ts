/**
 * The -p/-P listening socket: accepted clients queue up, taken one at a time.
 * Any local user can connect (SECURITY.md), so from the moment a client is
 * accepted it has an 'error' listener (a reset while it waits is its own
 * business, not an uncaught exception), and one that closes while waiting
 * leaves the queue.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ConnectError } from '../errors.js';
import { logger } from '../log.js';
import { formatEndpoint } from '../address.js';

const log = logger('listen');

export interface LocalPort {
  /** host:port actually bound. */
  address: string;
  /** Hands the next client to `onClient` (a waiting one at once); returns what cancels the wait. */
  take(onClient: (client: Socket) => void): () => void;
  /** Stop listening and drop clients not yet taken; idempotent. */
  close(): void;
}

/** A client as -d shows it: its address as it was when accepted (a reset socket has none any more). */
const names = new WeakMap<Socket, string>();

export function clientName(client: Socket): string {
  return names.get(client) ?? 'client';
}

export function listenLocal(host: string, port: number): Promise<LocalPort> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
  const local = new Clients();
  server.on('connection', (socket) => local.accept(socket));
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : (err.code ?? err.message);
      reject(new ConnectError('CONNECT', `cannot listen on ${formatEndpoint({ host, port })}: ${why}`, { cause: err }));
    });
    server.listen({ host, port, exclusive: true }, () => resolve(handle(server, local)));
  });
}

/** The queue, and the one taker (if any) waiting for it. */
class Clients {
  private readonly queue: Socket[] = [];
  private taker: ((client: Socket) => void) | undefined;

  accept(socket: Socket): void {
    socket.setNoDelay(true);
    const name = socket.remoteAddress === undefined ? 'a client already gone' : `client ${formatEndpoint({ host: socket.remoteAddress, port: socket.remotePort ?? 0 })}`;
    names.set(socket, name);
    log('%s connected', name);
    socket.on('error', (err: NodeJS.ErrnoException) => log('%s %s', name, err.code === 'ECONNRESET' ? 'reset' : `failed: ${err.message}`));
    socket.once('close', () => this.drop(socket));
    const taker = this.taker;
    this.taker = undefined;
    if (taker) return taker(socket);
    this.queue.push(socket);
  }

  take(onClient: (client: Socket) => void): () => void {
    const queued = this.queue.shift();
    if (queued) {
      onClient(queued);
      return () => {};
    }
    this.taker = onClient;
    return () => { if (this.taker === onClient) this.taker = undefined; };
  }

  /** A client that closed while waiting is not served. */
  private drop(socket: Socket): void {
    const i = this.queue.indexOf(socket);
    if (i < 0) return;
    this.queue.splice(i, 1);
    log('%s left while waiting', clientName(socket));
  }

  closeAll(): void {
    this.taker = undefined;
    for (const socket of this.queue.splice(0)) socket.destroy();
  }
}

function handle(server: Server, clients: Clients): LocalPort {
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  const host = typeof bound === 'object' && bound ? bound.address : '';
  let closed = false;
  return {
    address: formatEndpoint({ host, port }),
    take: (onClient) => clients.take(onClient),
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      clients.closeAll();
    },
  };
}
