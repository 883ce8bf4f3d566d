import { ConnectError } from '../errors.js';
import { shownUser } from '../log.js';
import { formatEndpoint } from '../address.js';
import type { NegotiateContext } from './types.js';

/** The user a proxy authenticates; the config layer always sets one for SOCKS and HTTP. */
export function proxyUser(ctx: NegotiateContext): string {
  return ctx.proxy.user ?? '';
}

/** The password for this proxy: known up front, else asked for now. */
export async function proxyPassword(ctx: NegotiateContext, kind: 'socks5' | 'http'): Promise<string> {
  if (ctx.proxy.password !== undefined) return ctx.proxy.password;
  const user = proxyUser(ctx);
  const where = formatEndpoint(ctx.proxy);
  if (!ctx.getPassword) {
    throw new ConnectError('NO_PASSWORD', `${where} asks for a password for ${shownUser(user)} and none is configured`);
  }
  const label = kind === 'socks5' ? 'SOCKS5' : 'HTTP proxy';
  const prompt = `Enter ${label} password for ${shownUser(user)}@${where}: `;
  return ctx.getPassword({ kind, proxy: { host: ctx.proxy.host, port: ctx.proxy.port }, user, prompt, signal: ctx.signal });
}
