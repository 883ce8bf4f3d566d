/** The fakes on a plain TCP listener: SOCKS5, SOCKS4, telnet, and any byte script. */
import { createServer, type Socket } from 'node:net';
import { fail, type Handler, type HandlerContext } from './answer.js';
import { reader } from './reader.js';
import { runScript, type Script } from './script.js';
import { socks4Handler, socks5Handler } from './socks.js';
import { telnetHandler } from './telnet.js';
import { listen, type Clients, type FakePeer } from './server.js';
import type { ProtocolBehaviour } from './types.js';

const HANDLERS: Record<'socks5' | 'socks4' | 'telnet', (ctx: HandlerContext) => Handler> = {
  socks5: socks5Handler, socks4: socks4Handler, telnet: telnetHandler,
};

export function startScripted(script: Script, host: string, clients: Clients): Promise<FakePeer> {
  const server = createServer({ allowHalfOpen: true }, (socket) => runScript(socket, clients.accept(socket), script));
  return listen(server, host, clients);
}

export function startNetProtocol(protocol: keyof typeof HANDLERS, ctx: HandlerContext, host: string): Promise<FakePeer> {
  const { b, clients } = ctx;
  const handler = HANDLERS[protocol](ctx);
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const rec = clients.accept(client);
    client.on('error', () => client.destroy());
    if (protocol === 'telnet' && b.prompt !== undefined) client.write(b.prompt);
    void speak(handler, client, b, rec.index).catch(() => client.destroy());
  });
  return listen(server, host, clients);
}

async function speak(handler: Handler, client: Socket, b: ProtocolBehaviour, index: number): Promise<void> {
  const read = reader(client);
  if (b.before && (await read.some())) return fail(client, b.before);
  await handler(client, read, index);
}
