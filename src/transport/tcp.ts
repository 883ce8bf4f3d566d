/** First hop: a TCP connection, bounded by the caller's abort signal (if any). */
import { connect, type Socket } from 'node:net';
import { ConnectError } from '../errors.js';
import type { Endpoint } from '../config/types.js';
import { whenAborted } from './deadline.js';

export interface TcpOptions {
  signal?: AbortSignal | undefined;
  /** Enable TCP keepalive with this initial delay (ms). */
  keepAliveMs?: number;
  /** Names the far side (with its address) in errors, e.g. "SOCKS5 proxy p:1080". */
  what: string;
  /** Called once the connect (or the lookup of a name) has been started. */
  onConnecting?: (() => void) | undefined;
}

export function connectTcp(to: Endpoint, opts: TcpOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: to.host, port: to.port, noDelay: true });
    let stopWatching = () => {};
    const fail = (err: Error) => {
      stopWatching();
      socket.destroy();
      reject(err instanceof ConnectError ? err : connectFailure(opts.what, err));
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      stopWatching();
      socket.off('error', fail);
      if (opts.keepAliveMs !== undefined) socket.setKeepAlive(true, opts.keepAliveMs);
      resolve(socket);
    });
    stopWatching = whenAborted(opts.signal, (reason) => fail(reason as Error));
    opts.onConnecting?.();
  });
}

function connectFailure(what: string, err: Error): ConnectError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA') {
    return new ConnectError('DNS', `cannot resolve ${what}: ${code}`, { cause: err });
  }
  const why = code === 'ECONNREFUSED' ? 'connection refused' : err.message;
  return new ConnectError('CONNECT', `cannot connect to ${what}: ${why}`, { cause: err });
}
