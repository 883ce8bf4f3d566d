// Transition shim: the SOCKS5 test server is helpers/fake-proxy.ts
// (startFakeProxy('socks5', behaviour)). Removed once no caller is left.
import { startFakeProxy } from '../helpers/fake-proxy.js';

export interface Socks5ServerOptions {
  userPass?: { user: string; password: string };
}

export async function startSocks5Server(opts: Socks5ServerOptions = {}): Promise<{ server: { close(): void }; port: number }> {
  const p = await startFakeProxy('socks5', opts.userPass ? { auth: opts.userPass } : {});
  return { server: { close: () => void p.close() }, port: p.port };
}
