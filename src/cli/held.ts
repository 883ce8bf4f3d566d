/**
 * -P: one remote session lent to local clients one after another
 * (SECURITY.md). A client stays attached until its exchange is over both
 * ways: it closed (or failed), or the remote closed. One that has only
 * half-closed still gets what the remote sends; TCP cannot tell a client
 * that half-closed and waits for our FIN from one that closed for good, so
 * it is ended once the remote has been quiet for QUIET_MS. The next client
 * waits that long, and never gets an answer meant for the one before. What
 * the remote sends while no client is attached reaches no one: it is read
 * and dropped.
 *
 * Nothing here outlives a client: per-client listeners sit on the client
 * itself or are removed when it leaves, so memory stays flat however many
 * clients come and go.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { logger } from '../log.js';
import { clientName } from './local-port.js';

const log = logger('listen');

/** How long the remote must stay silent to a half-closed client before that client is ended. */
const QUIET_MS = 2000;

export type Outcome = 'client' | 'remote';

export class HeldSession {
  private attached: Attachment | undefined;
  private remoteOver = false;
  private readonly remoteWatchers = new Set<() => void>();

  constructor(private readonly tunnel: Duplex) {
    tunnel.once('end', () => this.remoteDone('remote closed'));
    tunnel.once('close', () => this.remoteDone('remote closed'));
    tunnel.once('error', (err) => this.remoteDone(`remote error: ${err.message}`));
    tunnel.on('data', (chunk: Buffer) => this.fromRemote(chunk));
  }

  /** Calls `fn` once the remote side has ended (at once if it has); returns what stops it. */
  onRemoteClosed(fn: () => void): () => void {
    if (this.remoteOver) {
      fn();
      return () => {};
    }
    this.remoteWatchers.add(fn);
    return () => this.remoteWatchers.delete(fn);
  }

  /** Relays `client` until its exchange is over ('client') or the remote closes ('remote'). */
  serve(client: Socket): Promise<Outcome> {
    return new Promise((resolve) => {
      const attachment = new Attachment(this.tunnel, client, (outcome) => {
        if (this.attached === attachment) this.attached = undefined;
        if (this.tunnel.isPaused()) this.tunnel.resume();
        resolve(outcome);
      });
      this.attached = attachment;
      attachment.start();
      if (this.remoteOver) attachment.finish('remote');
    });
  }

  private remoteDone(why: string): void {
    if (this.remoteOver) return;
    this.remoteOver = true;
    log(why);
    this.attached?.finish('remote');
    for (const fn of [...this.remoteWatchers]) fn();
    this.remoteWatchers.clear();
  }

  private fromRemote(chunk: Buffer): void {
    const attached = this.attached;
    if (!attached) {
      log('dropped %d bytes from the remote: no client attached', chunk.length);
      return;
    }
    attached.sent();
    if (!attached.client.write(chunk)) {
      this.tunnel.pause();
      attached.client.once('drain', () => { if (this.attached === attached) this.tunnel.resume(); });
    }
  }
}

/** One client's turn on the session. */
class Attachment {
  private done = false;
  private quiet: NodeJS.Timeout | undefined;

  constructor(
    private readonly tunnel: Duplex,
    readonly client: Socket,
    private readonly onDone: (outcome: Outcome) => void,
  ) {}

  start(): void {
    const { client } = this;
    log('serving %s', clientName(client));
    client.once('end', () => this.halfClosed());
    client.once('close', () => this.finish('client'));
    client.pipe(this.tunnel, { end: false });
    // The client may have ended (or gone) before its turn: while queued, or during the handshake.
    if (client.destroyed) this.finish('client');
    else if (client.readableEnded) this.halfClosed();
  }

  /** The remote sent this client something: a half-closed one waits for more. */
  sent(): void {
    this.quiet?.refresh();
  }

  private halfClosed(): void {
    if (this.done || this.quiet) return;
    log('local %s half-closed; what the remote sends still goes to it', clientName(this.client));
    this.quiet = setTimeout(() => {
      log('remote quiet for %d ms since %s half-closed', QUIET_MS, clientName(this.client));
      this.finish('client');
    }, QUIET_MS);
  }

  finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.quiet);
    const { client } = this;
    client.unpipe(this.tunnel);
    log(outcome === 'client' ? 'local %s left' : 'remote closed; ending %s', clientName(client));
    client.end(() => client.destroy());
    this.onDone(outcome);
  }
}
