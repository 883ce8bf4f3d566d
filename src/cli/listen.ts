/**
 * -p / -P (connect.c's local-port mode; README "Usage"): serve a local TCP
 * port instead of stdin/stdout. As in connect.c,
 * the tunnel is opened once the first local client is accepted, and stdin is
 * watched only while waiting for a client: EOF there ends it. -p relays one
 * client and exits; -P keeps the remote session and serves the next client
 * on it when one is done (src/cli/held.ts), until stdin EOF or the remote
 * closes.
 */
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { ListenConfig, TunnelConfig } from '../config/types.js';
import { logger } from '../log.js';
import { open } from '../open.js';
import { relay } from '../relay.js';
import { HeldSession } from './held.js';
import { listenLocal, type LocalPort } from './local-port.js';
import { openStdin } from './stdio.js';

const log = logger('listen');

/** `stdin` is the one watched for EOF (a parameter for tests). */
export async function serveLocal(tunnelConfig: TunnelConfig, listen: ListenConfig, stdinStream: Readable = openStdin()): Promise<number> {
  const port = await listenLocal(listen.host, listen.port);
  const stdin = watchStdinEnd(stdinStream);
  try {
    const first = await nextClient(port, stdin);
    if (!first) return 0;
    if (!listen.hold) port.close();
    const tunnel = await openOrDrop(tunnelConfig, first);
    return listen.hold ? await serveHeld(tunnel, first, port, stdin) : await serveOnce(tunnel, first);
  } finally {
    port.close();
    stdin.stop();
  }
}

async function openOrDrop(config: TunnelConfig, client: Socket): Promise<Duplex> {
  try {
    return await open(config);
  } catch (err) {
    client.destroy();
    throw err;
  }
}

/** -p: one client, relayed like stdin/stdout (its EOF half-closes the tunnel). */
async function serveOnce(tunnel: Duplex, client: Socket): Promise<number> {
  const { closedBy } = await relay(tunnel, client, client, 'local client');
  log('relay done (closed by %s)', closedBy);
  tunnel.destroy();
  client.destroy();
  return 0;
}

/** -P: clients one after another on the same remote session. */
async function serveHeld(tunnel: Duplex, first: Socket, port: LocalPort, stdin: StdinWatch): Promise<number> {
  const session = new HeldSession(tunnel);
  let client: Socket | undefined = first;
  while (client) {
    if ((await session.serve(client)) === 'remote') break;
    client = await nextClient(port, stdin, session);
  }
  tunnel.destroy();
  return 0;
}

/**
 * The next local client; undefined when stdin ends (or the remote closes)
 * first. Every listener it adds is removed when it settles.
 */
function nextClient(port: LocalPort, stdin: StdinWatch, session?: HeldSession): Promise<Socket | undefined> {
  log('waiting for a connection on %s', port.address);
  return new Promise((resolve) => {
    let settled = false;
    const stops: Array<() => void> = [];
    const settle = (client?: Socket) => {
      if (settled) return;
      settled = true;
      for (const stop of stops) stop();
      stdin.pause();
      if (!client) log(stdin.isEnded() ? 'stdin closed; giving up waiting' : 'remote closed while waiting');
      resolve(client);
    };
    stops.push(stdin.onEnd(() => settle()));
    if (session && !settled) stops.push(session.onRemoteClosed(() => settle()));
    if (settled) return;
    stdin.resume();
    stops.push(port.take(settle));
  });
}

interface StdinWatch {
  isEnded(): boolean;
  /** Calls `fn` once stdin has ended (at once if it has); returns what stops it. */
  onEnd(fn: () => void): () => void;
  resume(): void;
  pause(): void;
  stop(): void;
}

/** Reads (and drops) stdin while resumed, to notice its EOF. */
function watchStdinEnd(stdin: Readable): StdinWatch {
  let ended = false;
  const watchers = new Set<() => void>();
  const done = () => {
    if (ended) return;
    ended = true;
    for (const fn of [...watchers]) fn();
    watchers.clear();
  };
  stdin.once('end', done);
  stdin.once('error', done);
  const discard = () => {};
  stdin.on('data', discard);
  stdin.pause();
  return {
    isEnded: () => ended,
    onEnd: (fn) => {
      if (ended) {
        fn();
        return () => {};
      }
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    resume: () => { if (!ended) stdin.resume(); },
    pause: () => { stdin.pause(); },
    stop: () => { stdin.off('data', discard); stdin.destroy(); },
  };
}
