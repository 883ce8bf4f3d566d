/**
 * A small real SOCKS5 server (RFC 1928 CONNECT, no auth or RFC 1929
 * user/password) for the demo and for tests: it connects to the requested
 * target and relays. Loopback only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface Socks5ServerOptions {
  /** Require this user/password (method 02) instead of no auth. */
  userPass?: { user: string; password: string };
}

export async function startSocks5Server(opts: Socks5ServerOptions = {}): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (client) => void handle(client, opts).catch(() => client.destroy()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, port: address.port };
}

async function handle(client: Socket, opts: Socks5ServerOptions): Promise<void> {
  const read = reader(client);
  const [, nMethods] = await read(2);
  const methods = [...(await read(nMethods!))];
  const want = opts.userPass ? 2 : 0;
  if (!methods.includes(want)) return void client.end(Buffer.from([5, 0xff]));
  client.write(Buffer.from([5, want]));
  if (opts.userPass && !(await checkUserPass(client, read, opts.userPass))) return;
  const [, cmd, , atyp] = await read(4);
  const host = await readAddress(read, atyp!);
  const port = (await read(2)).readUInt16BE(0);
  if (cmd !== 1) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
  const upstream = connect({ host, port, allowHalfOpen: true });
  upstream.once('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
  await once(upstream, 'connect');
  client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
  const rest = read.rest();
  if (rest.length > 0) upstream.write(rest);
  client.pipe(upstream);
  upstream.pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}

async function checkUserPass(client: Socket, read: Reader, want: { user: string; password: string }): Promise<boolean> {
  const [, ulen] = await read(2);
  const user = (await read(ulen!)).toString();
  const [plen] = await read(1);
  const password = (await read(plen!)).toString();
  const ok = user === want.user && password === want.password;
  client.write(Buffer.from([1, ok ? 0 : 1]));
  if (!ok) client.end();
  return ok;
}

async function readAddress(read: Reader, atyp: number): Promise<string> {
  if (atyp === 1) return [...(await read(4))].join('.');
  if (atyp === 3) return (await read((await read(1))[0]!)).toString();
  const b = await read(16);
  return Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
}

type Reader = ((n: number) => Promise<Buffer>) & { rest(): Buffer };

function reader(socket: Socket): Reader {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  };
  socket.on('data', onData);
  const read = async (n: number): Promise<Buffer> => {
    while (buffered.length < n) {
      if (socket.readableEnded || socket.destroyed) throw new Error('closed');
      await new Promise<void>((resolve) => {
        waiting = resolve;
        socket.once('close', resolve);
      });
      waiting = undefined;
    }
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
  return Object.assign(read, {
    rest: () => {
      socket.off('data', onData);
      const out = buffered;
      buffered = Buffer.alloc(0);
      return out;
    },
  });
}
