/** Exact reads from a client socket, for the protocol handlers (SOCKS, telnet). */
import type { Socket } from 'node:net';

export type Reader = ((n: number) => Promise<Buffer>) & {
  /** Through the first `byte`, inclusive. */
  until(byte: number): Promise<Buffer>;
  /** True once anything has arrived; false if the client closed first. */
  some(): Promise<boolean>;
  /** Stop reading; what was buffered beyond the handshake. */
  rest(): Buffer;
};

export function reader(socket: Socket): Reader {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let closed = false;
  const onData = (chunk: Buffer) => { buffered = Buffer.concat([buffered, chunk]); waiting?.(); };
  const onClose = () => { closed = true; waiting?.(); };
  socket.on('data', onData);
  socket.once('end', onClose);
  socket.once('close', onClose);
  const more = async () => {
    if (closed) throw new Error('closed');
    await new Promise<void>((resolve) => { waiting = resolve; });
    waiting = undefined;
  };
  const take = (n: number) => { const out = buffered.subarray(0, n); buffered = buffered.subarray(n); return out; };
  const read = async (n: number): Promise<Buffer> => {
    while (buffered.length < n) await more();
    return take(n);
  };
  const until = async (byte: number): Promise<Buffer> => {
    for (;;) {
      const at = buffered.indexOf(byte);
      if (at >= 0) return take(at + 1);
      await more();
    }
  };
  const some = async (): Promise<boolean> => {
    try { while (buffered.length === 0) await more(); return true; } catch { return false; }
  };
  const rest = () => { socket.off('data', onData); return take(buffered.length); };
  return Object.assign(read, { until, some, rest });
}
