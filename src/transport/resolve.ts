/** Local name resolution: the system resolver, or -R <dns server>. */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

export type LocalResolver = (host: string) => Promise<string | undefined>;

/** connect.c is IPv4-only: prefer an IPv4 address, fall back to IPv6. */
export function makeLocalResolver(dnsServer?: string): LocalResolver {
  return async (host) => {
    if (isIP(host)) return host;
    try {
      // Not known there: the system resolver (/etc/hosts first), as connect.c's gethostbyname().
      if (dnsServer) { const viaDns = await viaServer(host, dnsServer); if (viaDns) return viaDns; }
      return (await lookup(host, { family: 4 })).address;
    } catch {
      return lookup(host).then((r) => r.address, () => undefined);
    }
  };
}

async function viaServer(host: string, server: string): Promise<string | undefined> {
  const { Resolver } = await import('node:dns/promises');
  const resolver = new Resolver({ timeout: 5000, tries: 2 });
  resolver.setServers([server]);
  const [v4] = await resolver.resolve4(host).catch(() => [] as string[]);
  if (v4) return v4;
  const [v6] = await resolver.resolve6(host).catch(() => [] as string[]);
  return v6;
}
