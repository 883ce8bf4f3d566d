/**
 * Bench peers, run as child processes so that they never share an event
 * loop with the harness or the relay under test:
 *   source BYTES  sends BYTES zero bytes to each client, then closes;
 *   sink          counts what each client sends; at its EOF prints the
 *                 count (one line) and closes;
 *   echo          echoes every byte, mirrors the client's FIN.
 * Each prints its port on the first line and exits when its stdin closes.
 * The sink reads into one reused buffer so that it costs less CPU than the
 * relay it measures.
 */
import net from 'node:net';

const CHUNK = Buffer.alloc(1 << 20);

function send(socket: net.Socket, total: number): void {
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  };
  pump();
}

function count(socket: net.Socket): void {
  let bytes = 0;
  if (!readIntoScratch(socket, (n) => { bytes += n; })) {
    socket.on('data', (d: Buffer) => { bytes += d.length; });
  }
  socket.on('end', () => {
    process.stdout.write(`${bytes}\n`);
    socket.end();
  });
}

/** node:net's `onread` mode on an accepted socket (see src/relay.ts); false if unavailable. */
function readIntoScratch(socket: net.Socket, onBytes: (n: number) => void): boolean {
  const s = socket as unknown as Record<symbol, unknown> & { _handle?: { useUserBuffer?: (b: Buffer) => void } };
  const sym = new Map(Object.getOwnPropertySymbols(s).map((x) => [x.description, x]));
  const [kBuffer, kBufferCb] = [sym.get('kBuffer'), sym.get('kBufferCb')];
  if (!kBuffer || !kBufferCb || typeof s._handle?.useUserBuffer !== 'function') return false;
  const scratch = Buffer.allocUnsafe(256 * 1024);
  s[kBuffer] = scratch;
  s[kBufferCb] = (n: number) => { onBytes(n); return true; };
  s._handle.useUserBuffer(scratch);
  return true;
}

function echo(socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.pipe(socket);
}

function main(): void {
  const [mode, size] = process.argv.slice(2);
  const handlers: Record<string, (s: net.Socket) => void> = {
    source: (s) => send(s, Number(size)),
    sink: count,
    echo,
  };
  const handler = handlers[mode ?? ''];
  if (!handler) throw new Error('usage: peer.js source BYTES | sink | echo');
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => s.destroy());
    handler(s);
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.stdin.on('end', () => process.exit(0)).resume(); // the harness closes our stdin to stop us
}

main();
