/**
 * -p / -P (connect.c's local-port mode; README "Usage"): serve a local TCP port instead of stdin/stdout. As in
 * connect.c, the tunnel is opened once the first local client is accepted,
 * and stdin is watched only while waiting for a client: EOF there ends it.
 * -p relays one client and exits; -P keeps the remote session and serves the
 * next client on it when one leaves, until stdin EOF or the remote closes.
 */
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { ListenConfig, TunnelConfig } from '../config/types.js';
import { logger } from '../log.js';
import { open } from '../open.js';
import { relay } from '../relay.js';
import { HeldSession } from './held.js';
import { listenLocal, type LocalPort } from './local-port.js';
import { openStdio } from './stdio.js';

const log = logger('listen');

export async function serveLocal(tunnelConfig: TunnelConfig, listen: ListenConfig): Promise<number> {
  const port = await listenLocal(listen.host, listen.port);
  const stdin = watchStdinEnd(openStdio().stdin);
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
  const ignore = () => {}; // a client reset while the tunnel opens must not be an uncaught 'error'
  client.on('error', ignore);
  try {
    return await open(config);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    client.off('error', ignore);
  }
}

/** -p: one client, relayed like stdin/stdout (its EOF half-closes the tunnel). */
async function serveOnce(tunnel: Duplex, client: Socket): Promise<number> {
  const { closedBy } = await relay(tunnel, client, client);
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
    log('local client left; keeping the remote session');
    client = await nextClient(port, stdin, session.remoteClosed);
  }
  tunnel.destroy();
  return 0;
}

/** The next local client; undefined when stdin ends (or `also` settles) first. */
async function nextClient(port: LocalPort, stdin: StdinWatch, also?: Promise<unknown>): Promise<Socket | undefined> {
  log('waiting for a connection on %s', port.address);
  stdin.resume();
  try {
    const waits: Promise<Socket | undefined>[] = [port.next(), stdin.ended.then(() => undefined)];
    if (also) waits.push(also.then(() => undefined));
    const client = await Promise.race(waits);
    if (!client) log(stdin.isEnded() ? 'stdin closed; giving up waiting' : 'remote closed while waiting');
    else log('accepted %s:%d', client.remoteAddress, client.remotePort);
    return client;
  } finally {
    stdin.pause();
  }
}

interface StdinWatch {
  ended: Promise<void>;
  isEnded(): boolean;
  resume(): void;
  pause(): void;
  stop(): void;
}

/** Reads (and drops) stdin while resumed, to notice its EOF. */
function watchStdinEnd(stdin: Readable): StdinWatch {
  let ended = false;
  const endedP = new Promise<void>((resolve) => {
    const done = () => { ended = true; resolve(); };
    stdin.once('end', done);
    stdin.once('error', done);
  });
  const discard = () => {};
  stdin.on('data', discard);
  stdin.pause();
  return {
    ended: endedP,
    isEnded: () => ended,
    resume: () => { if (!ended) stdin.resume(); },
    pause: () => { stdin.pause(); },
    stop: () => { stdin.off('data', discard); stdin.destroy(); },
  };
}
