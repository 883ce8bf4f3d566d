/**
 * This machine's addresses for myIpAddress / myIpAddressEx, best first, as
 * Chromium picks them: the source address the kernel would use toward the
 * default route (a UDP socket's local address after connect(), which sends
 * no packet), then every other non-loopback interface address. Nothing goes
 * on any wire. The probe addresses are documentation ranges (RFC 5737,
 * RFC 3849): only the routing table is asked about them.
 */
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';

export type InterfaceList = ReturnType<typeof networkInterfaces>;

const PROBES = [
  { type: 'udp4', address: '198.51.100.1' },
  { type: 'udp6', address: '2001:db8::1' },
] as const;

export async function myAddresses(): Promise<string[]> {
  const routed = await Promise.all(PROBES.map((p) => routeSource(p.type, p.address)));
  return rankAddresses(routed.filter((a): a is string => a !== undefined), networkInterfaces());
}

/** The kernel's choice of source address toward `address`; undefined when there is no route. */
function routeSource(type: 'udp4' | 'udp6', address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(type);
    const done = (value: string | undefined) => {
      socket.close();
      resolve(value);
    };
    socket.once('error', () => done(undefined));
    socket.connect(9, address, () => {
      try {
        done(socket.address().address);
      } catch {
        done(undefined);
      }
    });
  });
}

/**
 * Pure: the routed addresses first, then interface addresses (IPv4 before
 * IPv6, link-local last); loopback, unspecified (a probe with no route),
 * link-local routed answers and duplicates dropped.
 */
export function rankAddresses(routed: readonly string[], interfaces: InterfaceList): string[] {
  const listed = Object.values(interfaces).flatMap((list) => list ?? []).filter((i) => !i.internal);
  const linkLocal = (a: string) => /^fe80:/i.test(a) || a.startsWith('169.254.');
  const unusable = (a: string) => a === '::' || a === '0.0.0.0' || a === '::1' || a.startsWith('127.');
  const byPreference = [
    ...routed.filter((a) => !linkLocal(a) && !unusable(a)),
    ...listed.filter((i) => i.family === 'IPv4' && !linkLocal(i.address)).map((i) => i.address),
    ...listed.filter((i) => i.family === 'IPv6' && !linkLocal(i.address)).map((i) => i.address),
    ...listed.filter((i) => linkLocal(i.address)).map((i) => i.address),
  ];
  return [...new Set(byPreference.map((a) => a.replace(/%.*$/, '')))];
}
