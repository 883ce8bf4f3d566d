/** The fake proxy's SOCKS5 (RFC 1928, RFC 1929 auth) and SOCKS4/4a sides. */
import { carryOut, type Handler, type HandlerContext } from './answer.js';
import type { Reader } from './reader.js';
import type { ProxyRequest } from './types.js';

export function socks5Handler(ctx: HandlerContext): Handler {
  const auth = ctx.b.auth;
  return async (client, read, index) => {
    const [, nMethods] = await read(2);
    const methods = [...(await read(nMethods!))];
    const req: ProxyRequest = { index, host: '', port: 0, methods };
    ctx.requests.push(req);
    const want = auth ? 2 : 0;
    if (!methods.includes(want)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, want]));
    if (auth && !(await socks5Auth(read, req, auth))) return void client.end(Buffer.from([1, 1]));
    if (auth) client.write(Buffer.from([1, 0]));
    const [, cmd, , atyp] = await read(4);
    req.host = await socks5Address(read, atyp!);
    req.port = (await read(2)).readUInt16BE(0);
    const reply = (rep: number) => Buffer.from([5, rep, 0, 1, 127, 0, 0, 1, 0, 0]);
    if (cmd !== 1) return void client.end(reply(7));
    await carryOut(ctx, client, read.rest, req, { ok: reply(0), unreachable: reply(5), refusal: (r) => reply(Number(r)) });
  };
}

/** RFC 1929: reads the user and password into `req`; true when they match. */
async function socks5Auth(read: Reader, req: ProxyRequest, auth: { user: string; password: string }): Promise<boolean> {
  const [, ulen] = await read(2);
  req.user = (await read(ulen!)).toString();
  const [plen] = await read(1);
  req.password = (await read(plen!)).toString();
  return req.user === auth.user && req.password === auth.password;
}

async function socks5Address(read: Reader, atyp: number): Promise<string> {
  if (atyp === 1) return [...(await read(4))].join('.');
  if (atyp === 3) return (await read((await read(1))[0]!)).toString();
  const b = await read(16);
  return Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
}

/** SOCKS4, or 4a when the address is 0.0.0.x (x != 0): the host name follows the user id. */
export function socks4Handler(ctx: HandlerContext): Handler {
  return async (client, read, index) => {
    const head = await read(8);
    const port = head.readUInt16BE(2);
    const ip = [...head.subarray(4, 8)];
    const user = (await read.until(0)).subarray(0, -1).toString();
    const is4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
    const host = is4a ? (await read.until(0)).subarray(0, -1).toString() : ip.join('.');
    const req: ProxyRequest = { index, host, port, user };
    ctx.requests.push(req);
    const reply = (cd: number) => Buffer.from([0, cd, head[2]!, head[3]!, 127, 0, 0, 1]);
    if (head[1] !== 1 || (ctx.b.auth && user !== ctx.b.auth.user)) return void client.end(reply(head[1] !== 1 ? 91 : 93));
    await carryOut(ctx, client, read.rest, req, { ok: reply(90), unreachable: reply(91), refusal: (r) => reply(Number(r)) });
  };
}
