/** Local name resolution: the system resolver, or -R <dns server>. */
import { isIPv4Literal, isIPv6Literal } from '../address.js';
import { whenAborted } from './deadline.js';

export type LocalResolver = (host: string) => Promise<string | undefined>;

/** Loaded on first use: most sessions never resolve a name here. */
const dns = () => import('node:dns/promises');

/**
 * connect.c is IPv4-only: prefer an IPv4 address, fall back to IPv6. Once
 * `signal` aborts (-w), nothing more is asked: a pending query would keep
 * the process alive after the timeout was reported.
 */
export function makeLocalResolver(dnsServer?: string, signal?: AbortSignal): LocalResolver {
  return async (host) => {
    if (isIPv4Literal(host) || isIPv6Literal(host)) return host;
    const { lookup } = await dns();
    try {
      // Not known there: the system resolver (/etc/hosts first), as connect.c's gethostbyname().
      if (dnsServer) {
        const viaDns = await viaServer(host, dnsServer, signal);
        if (viaDns) return viaDns;
      }
      if (signal?.aborted) return undefined;
      return (await lookup(host, { family: 4 })).address;
    } catch {
      if (signal?.aborted) return undefined;
      return lookup(host).then((r) => r.address, () => undefined);
    }
  };
}

async function viaServer(host: string, server: string, signal?: AbortSignal): Promise<string | undefined> {
  const resolver = new (await dns()).Resolver({ timeout: 5000, tries: 2 });
  resolver.setServers([server]);
  const stop = whenAborted(signal, () => resolver.cancel());
  try {
    const [v4] = await resolver.resolve4(host).catch(() => [] as string[]);
    if (v4 || signal?.aborted) return v4;
    const [v6] = await resolver.resolve6(host).catch(() => [] as string[]);
    return v6;
  } finally {
    stop();
  }
}
