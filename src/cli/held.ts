/**
 * -P: one remote session lent to local clients one after another. Remote
 * data arriving between clients is kept (up to a bound, then the remote is
 * paused) for the next client. A client leaving closes only that client.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { logger } from '../log.js';

const log = logger('listen');
const MAX_HELD = 1 << 20;

export class HeldSession {
  /** Settles when the remote side ends, errors or closes. */
  readonly remoteClosed: Promise<void>;
  private client: Socket | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly tunnel: Duplex) {
    this.remoteClosed = new Promise((resolve) => {
      tunnel.once('end', () => { log('remote closed'); resolve(); });
      tunnel.once('close', () => resolve());
      tunnel.once('error', (err) => { log('remote error: %s', err.message); resolve(); });
    });
    tunnel.on('data', (chunk: Buffer) => this.fromRemote(chunk));
  }

  /** Relays `client` until it leaves ('client') or the remote closes ('remote'). */
  serve(client: Socket): Promise<'client' | 'remote'> {
    this.client = client;
    const held = Buffer.concat(this.held.splice(0));
    this.heldBytes = 0;
    if (held.length > 0) this.fromRemote(held);
    if (this.tunnel.isPaused() && client.writableNeedDrain === false) this.tunnel.resume();
    client.pipe(this.tunnel, { end: false });
    return new Promise((resolve) => {
      const left = () => {
        if (this.client !== client) return;
        this.detach(client);
        resolve('client');
      };
      client.once('end', left);
      client.once('error', left);
      client.once('close', left);
      void this.remoteClosed.then(() => {
        if (this.client !== client) return;
        this.detach(client);
        resolve('remote');
      });
    });
  }

  private detach(client: Socket): void {
    client.unpipe(this.tunnel);
    this.client = undefined;
    client.end(() => client.destroy());
    if (this.heldBytes < MAX_HELD) this.tunnel.resume();
  }

  private fromRemote(chunk: Buffer): void {
    const client = this.client;
    if (client && !client.destroyed) {
      if (!client.write(chunk)) {
        this.tunnel.pause();
        client.once('drain', () => { if (this.client === client) this.tunnel.resume(); });
      }
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= MAX_HELD) this.tunnel.pause();
  }
}
