/** Protocol modules are loaded on demand: SOCKS users never load HTTP code. */
import type { ProxyKind } from '../config/types.js';
import type { Negotiate } from './types.js';

export async function loadNegotiator(kind: ProxyKind): Promise<Negotiate> {
  switch (kind) {
    case 'socks5': return (await import('./socks5.js')).negotiate;
    case 'socks4': return (await import('./socks4.js')).negotiate;
    case 'http':
    case 'https': return (await import('./http.js')).negotiate;
    case 'telnet': return (await import('./telnet.js')).negotiate;
  }
}
