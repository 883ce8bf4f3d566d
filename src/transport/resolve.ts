/** Local name resolution: the system resolver, or -R <dns server>. */
import { isIPv4 } from 'node:net';
import { isIPv6Literal } from '../config/address.js';

export type LocalResolver = (host: string) => Promise<string | undefined>;

/** Loaded on first use: most sessions never resolve a name here. */
const dns = () => import('node:dns/promises');

/** connect.c is IPv4-only: prefer an IPv4 address, fall back to IPv6. */
export function makeLocalResolver(dnsServer?: string): LocalResolver {
  return async (host) => {
    if (isIPv4(host) || isIPv6Literal(host)) return host;
    const { lookup } = await dns();
    try {
      // Not known there: the system resolver (/etc/hosts first), as connect.c's gethostbyname().
      if (dnsServer) {
        const viaDns = await viaServer(host, dnsServer);
        if (viaDns) return viaDns;
      }
      return (await lookup(host, { family: 4 })).address;
    } catch {
      return lookup(host).then((r) => r.address, () => undefined);
    }
  };
}

async function viaServer(host: string, server: string): Promise<string | undefined> {
  const resolver = new (await dns()).Resolver({ timeout: 5000, tries: 2 });
  resolver.setServers([server]);
  const [v4] = await resolver.resolve4(host).catch(() => [] as string[]);
  if (v4) return v4;
  const [v6] = await resolver.resolve6(host).catch(() => [] as string[]);
  return v6;
}
