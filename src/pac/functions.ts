/**
 * The functions a PAC script may call: Netscape's set as Firefox and
 * Chromium implement it, Microsoft's IPv6 "Ex" set, and alert(). Pure: the
 * names resolved so far, this machine's addresses and the clock come in
 * through a PacEnvironment, so every function is synchronous. A name not yet
 * resolved reads as unresolvable and is reported as a miss; the caller
 * resolves it and runs the script again (src/pac/run.ts).
 */
import { isIPv4 } from 'node:net';
import { isIPv6Literal } from '../address.js';
import { dottedQuad, inNet, inNetEx, sortAddressList } from './ip.js';
import { shExpMatch } from './shexp.js';
import { dateRange, timeRange, weekdayRange, type PacArg } from './time.js';

export interface PacEnvironment {
  /** Addresses of `name` (IPv4 and IPv6); undefined while not resolved yet (a miss). */
  addresses(name: string): readonly string[] | undefined;
  /** This machine's addresses, the preferred first; undefined while not known yet (a miss). */
  myAddresses(): readonly string[] | undefined;
  /** The time the date and time functions compare with. */
  now: Date;
  /** alert(message): where a script's messages go (the debug log). */
  alert?(message: string): void;
}

export type PacValue = string | number | boolean | null;
export type PacFunction = (...args: PacArg[]) => PacValue;

const str = (arg: PacArg): string => String(arg);

export function makePacFunctions(env: PacEnvironment): Record<string, PacFunction> {
  const isLiteral = (host: string) => isIPv4(host) || isIPv6Literal(host);
  const resolveAll = (host: string): readonly string[] => (isLiteral(host) ? [host] : env.addresses(host) ?? []);
  /** IPv4 only, as Firefox and Chromium: null when the name has no IPv4 address. */
  const dnsResolve = (host: string): string | null => resolveAll(host).find((a) => isIPv4(a)) ?? null;
  const mine = () => env.myAddresses() ?? [];
  return {
    isPlainHostName: (host) => !/[.:]/.test(str(host)),
    dnsDomainIs: (host, domain) => str(host).endsWith(str(domain)),
    localHostOrDomainIs: (host, hostdom) => str(host) === str(hostdom) || str(hostdom).startsWith(`${str(host)}.`),
    dnsDomainLevels: (host) => str(host).split('.').length - 1,
    shExpMatch: (text, pattern) => shExpMatch(str(text), str(pattern)),
    isResolvable: (host) => dnsResolve(str(host)) !== null,
    dnsResolve: (host) => dnsResolve(str(host)),
    isInNet: (host, pattern, mask) => {
      if (!dottedQuad(str(pattern)) || !dottedQuad(str(mask))) return false;
      const address = dottedQuad(str(host)) ? str(host) : dnsResolve(str(host));
      return address !== null && inNet(address, str(pattern), str(mask));
    },
    myIpAddress: () => mine().find((a) => isIPv4(a)) ?? '127.0.0.1',
    weekdayRange: (...args) => weekdayRange(env.now, args),
    dateRange: (...args) => dateRange(env.now, args),
    timeRange: (...args) => timeRange(env.now, args),
    isResolvableEx: (host) => resolveAll(str(host)).length > 0,
    dnsResolveEx: (host) => resolveAll(str(host)).join(';'),
    isInNetEx: (address, prefix) => inNetEx(str(address), str(prefix)),
    myIpAddressEx: () => mine().join(';'),
    sortIpAddressList: (list) => sortAddressList(str(list)),
    getClientVersion: () => '1.0',
    alert: (message) => {
      env.alert?.(str(message));
      return null;
    },
  };
}

/** The names scripts see, for the sandbox to define and nothing else. */
export const PAC_FUNCTION_NAMES = Object.keys(makePacFunctions({ addresses: () => [], myAddresses: () => [], now: new Date(0) }));
