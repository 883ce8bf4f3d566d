/**
 * Bench peers run as child processes so they never share a core's event loop
 * with the harness: `source BYTES` sends BYTES zero bytes to each client then
 * closes; `sink` counts what each client sends and, at the client's EOF,
 * prints the count and closes. Both print their port on the first line.
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
  socket.on('data', (d: Buffer) => { bytes += d.length; });
  socket.on('end', () => {
    process.stdout.write(`${bytes}\n`);
    socket.end();
  });
}

function main(): void {
  const [mode, size] = process.argv.slice(2);
  if (mode !== 'source' && mode !== 'sink') throw new Error('usage: peer.js source BYTES | sink');
  const onClient = (s: net.Socket) => {
    s.on('error', () => s.destroy());
    if (mode === 'source') send(s, Number(size));
    else count(s);
  };
  const server = net.createServer({ allowHalfOpen: true }, onClient);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0)); // the harness closes our stdin to stop us
}

main();
