/** The -p/-P listening socket: accepted clients queue up, taken one at a time. */
import { createServer, type Server, type Socket } from 'node:net';
import { ConnectError } from '../errors.js';
import { formatEndpoint } from '../address.js';

export interface LocalPort {
  /** host:port actually bound. */
  address: string;
  /** The next accepted client (waiting ones first). */
  next(): Promise<Socket>;
  /** Stop listening and drop clients not yet taken; idempotent. */
  close(): void;
}

export function listenLocal(host: string, port: number): Promise<LocalPort> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
  const queue: Socket[] = [];
  const waiters: Array<(s: Socket) => void> = [];
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    const waiter = waiters.shift();
    if (waiter) waiter(socket);
    else queue.push(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : (err.code ?? err.message);
      reject(new ConnectError('CONNECT', `cannot listen on ${formatEndpoint({ host, port })}: ${why}`, { cause: err }));
    });
    server.listen({ host, port, exclusive: true }, () => resolve(handle(server, queue, waiters)));
  });
}

function handle(server: Server, queue: Socket[], waiters: Array<(s: Socket) => void>): LocalPort {
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  const host = typeof bound === 'object' && bound ? bound.address : '';
  let closed = false;
  return {
    address: formatEndpoint({ host, port }),
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      for (const socket of queue.splice(0)) socket.destroy();
    },
  };
}
