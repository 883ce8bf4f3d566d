/** The fake proxy's telnet side: the command line names host and port (`telnet %h %p`, `connect %h %p`); the reply is a line. */
import { carryOut, type Handler, type HandlerContext } from './answer.js';
import type { ProxyRequest } from './types.js';

export function telnetHandler(ctx: HandlerContext): Handler {
  return async (client, read, index) => {
    const line = (await read.until(0x0a)).toString().trim();
    const [, host = '', port = '0'] = /(\S+)\s+(\d+)\s*$/.exec(line) ?? [];
    const req: ProxyRequest = { index, host: host.replace(/^\[|\]$/g, ''), port: Number(port), line };
    ctx.requests.push(req);
    await carryOut(ctx, client, read.rest, req, {
      ok: Buffer.from(`Connected to ${host}.\r\n`),
      unreachable: Buffer.from('Unable to connect: Connection refused\r\n'),
      refusal: (r) => Buffer.from(`${typeof r === 'number' ? 'Connection refused' : r}\r\n`),
    });
  };
}
