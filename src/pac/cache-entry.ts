/**
 * The PAC cache's pure parts (the files: src/pac/cache.ts): what an entry
 * holds, its file format and checksum, its key, and how long it may be used.
 *
 * An entry is one file:
 *
 *   connect-pac-cache 1 <FNV-1a of the rest, 8 hex digits>\n
 *   {"key":…,"url":…,"fetchedAt":…,"lifetimeS":…,…}\n
 *   <the script, UTF-8>
 *
 * The checksum finds a torn or damaged file (it is then ignored and
 * replaced); it is no defence against someone who can write the file: the
 * directory's owner and modes are (src/pac/cache.ts).
 */
import type { NetworkInterfacesLike } from '../config/direct.js';
import { isDigits } from '../chars.js';

import { MAX_STALE_IF_ERROR_S } from './cache-limits.js';

export { DEFAULT_PAC_CACHE_S, MAX_PAC_CACHE_S, MAX_STALE_IF_ERROR_S, MAX_WPAD_NONE_S } from './cache-limits.js';

const MAGIC = 'connect-pac-cache 1';

export interface CacheEntry {
  /** What it answers for (urlKey / wpadKey); checked on reading, so a file name collision is a miss. */
  key: string;
  /** The URL that served the script (after redirects); absent in a WPAD entry that found none. */
  url?: string;
  /** The script as decoded (size limit and charset rules already applied); '' when none was found. */
  text: string;
  /** When it was fetched (or last revalidated), ms since the epoch. */
  fetchedAt: number;
  /** Fresh this long after fetchedAt. */
  lifetimeS: number;
  /** Then usable this much longer, only when fetching it again fails (unreachable, 5xx). */
  staleIfErrorS: number;
  /** The server's validators, for a conditional GET once it has expired. */
  etag?: string;
  lastModified?: string;
  /** The server's Cache-Control, for a 304 that gives none (RFC 9111 §4.3.4: the stored headers stay). */
  cacheControl?: string;
}

// ------------------------------------------------------------------ keys

/** A script fetched with --insecure (certificate not verified) is its own entry: a verified run never uses it. */
export const urlKey = (url: string, unverified = false): string => `url ${url}${unverified ? ' unverified' : ''}`;

/** WPAD answers for a DNS domain on one network: the same domain elsewhere (home, a hotel) is another key. */
export const wpadKey = (domain: string, network: string): string => `wpad ${domain.toLowerCase()} ${network}`;

/**
 * What tells one network from another, as this host sees it: resolv.conf's
 * name servers (WPAD trusts DNS: another resolver may answer another
 * wpad host) and this host's non-loopback addresses with their prefixes
 * (another network gives other addresses), sorted.
 */
export function networkKey(resolvConf: string, interfaces: NetworkInterfacesLike): string {
  const servers = resolvConf.split('\n')
    .map((line) => line.replace(/[#;].*$/, '').trim().split(/\s+/))
    .filter(([word, value]) => word === 'nameserver' && value)
    .map(([, value]) => value!);
  const addresses: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (isLoopback(i.address)) continue;
      addresses.push(`${i.address}/${prefixLength(i.netmask)}`);
    }
  }
  return `ns=${servers.join(',')} addr=${addresses.sort().join(',')}`;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

function prefixLength(netmask: string): number {
  const groups = netmask.includes(':') ? netmask.split(':').map((g) => parseInt(g || '0', 16)) : netmask.split('.').map(Number);
  const width = netmask.includes(':') ? 16 : 8;
  let bits = 0;
  for (const g of groups) for (let b = width - 1; b >= 0; b--) if ((g >> b) & 1) bits++;
  return bits;
}

/** The entry's file name: its kind and a hash of its key (the key itself is inside). */
export function entryFileName(key: string): string {
  const bytes = utf8(key);
  return `${key.startsWith('wpad ') ? 'wpad' : 'url'}-${fnv1a(bytes)}${fnv1a(bytes, 0x050c5d1f)}.pac`;
}

// ------------------------------------------------------------ the format

/** FNV-1a, 32 bits, over bytes (as 8 hex digits). */
export function fnv1a(bytes: Uint8Array, basis = 0x811c9dc5): string {
  let h = basis;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

export function encodeEntry(entry: CacheEntry): Buffer {
  const { text, ...head } = entry;
  const rest = utf8(`${JSON.stringify(head)}\n${text}`);
  return Buffer.concat([utf8(`${MAGIC} ${fnv1a(rest)}\n`), rest]);
}

/** The entry for `key`, or why the bytes are not one (then the file is ignored). */
export function decodeEntry(bytes: Uint8Array, key: string): CacheEntry | string {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = data.indexOf(0x0a);
  const line = first < 0 ? '' : data.toString('latin1', 0, first);
  if (line.length !== MAGIC.length + 9 || !line.startsWith(`${MAGIC} `)) return 'not a cache entry';
  const rest = data.subarray(first + 1);
  if (fnv1a(rest) !== line.slice(MAGIC.length + 1)) return 'checksum mismatch (torn or changed)';
  const second = rest.indexOf(0x0a);
  let head: unknown;
  try {
    head = JSON.parse(rest.toString('utf8', 0, second < 0 ? rest.length : second));
  } catch {
    return 'unreadable header';
  }
  if (!validHead(head)) return 'unreadable header';
  if (head.key !== key) return 'an entry for another key';
  return { ...head, text: second < 0 ? '' : rest.toString('utf8', second + 1) };
}

function validHead(h: unknown): h is Omit<CacheEntry, 'text'> {
  if (typeof h !== 'object' || h === null) return false;
  const o = h as Record<string, unknown>;
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
  const count = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  return typeof o['key'] === 'string' && optionalString(o['url']) && optionalString(o['etag']) && optionalString(o['lastModified']) && optionalString(o['cacheControl'])
    && count(o['fetchedAt']) && count(o['lifetimeS']) && count(o['staleIfErrorS']);
}

// ------------------------------------------------------------- lifetime

export interface Lifetime {
  /** False: not to be kept (no-store, or no-cache without a validator to revalidate with). */
  store: boolean;
  lifetimeS: number;
  staleIfErrorS: number;
  /** What decided, for -d and --explain. */
  why: string;
}

/**
 * How long a fetched script may be used (RFC 9111 §5.2.2, RFC 5861 §4):
 * `limitS` (the setting) unless the server's Cache-Control says less:
 * no-store keeps nothing; no-cache or max-age=0 keeps it only to
 * revalidate (with its ETag / Last-Modified) before every use; max-age=N
 * shortens it; must-revalidate and no-cache forbid stale use. After a
 * failed fetch an expired script may be used for stale-if-error seconds
 * more (the server's, else the setting's), at most MAX_STALE_IF_ERROR_S.
 */
export function lifetimeFrom(cacheControl: string | undefined, limitS: number, hasValidator: boolean): Lifetime {
  const d = directives(cacheControl);
  const staleCap = Math.min(limitS, MAX_STALE_IF_ERROR_S);
  const staleAsked = seconds(d.get('stale-if-error'));
  let staleIfErrorS = staleAsked === undefined ? staleCap : Math.min(staleAsked, staleCap);
  if (d.has('must-revalidate') || d.has('no-cache')) staleIfErrorS = 0;
  if (d.has('no-store')) return { store: false, lifetimeS: 0, staleIfErrorS: 0, why: 'not kept (the server says no-store)' };
  const maxAge = seconds(d.get('max-age'));
  if (d.has('no-cache') || maxAge === 0) {
    const why = d.has('no-cache') ? 'no-cache' : 'max-age=0';
    return hasValidator
      ? { store: true, lifetimeS: 0, staleIfErrorS, why: `kept to revalidate before each use (the server says ${why})` }
      : { store: false, lifetimeS: 0, staleIfErrorS: 0, why: `not kept (the server says ${why}, and gives no validator)` };
  }
  if (maxAge !== undefined && maxAge < limitS) return { store: true, lifetimeS: maxAge, staleIfErrorS, why: `kept ${maxAge} s (the server's max-age)` };
  return { store: true, lifetimeS: limitS, staleIfErrorS, why: `kept ${limitS} s` };
}

/** Cache-Control directives, names lowercased (RFC 9111 §5.2: `name[=token|"quoted"]`, comma-separated). */
function directives(header: string | undefined): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*(?:"([^"]*)"|([^\s;]*)))?\s*$/.exec(part);
    if (m) out.set(m[1]!.toLowerCase(), m[2] ?? m[3]);
  }
  return out;
}

/** delta-seconds (RFC 9111 §1.2.2); undefined for anything else. */
function seconds(value: string | undefined): number | undefined {
  return value !== undefined && isDigits(value) ? Math.min(Number(value), 2 ** 31) : undefined;
}

// ------------------------------------------------------------ freshness

export type Standing =
  | { state: 'fresh'; ageS: number; leftS: number }
  /** Expired; usable only if fetching again fails (for leftS more). */
  | { state: 'stale'; ageS: number; leftS: number }
  | { state: 'expired'; ageS: number };

/** Where `entry` stands at `now`; one fetched "in the future" (the clock went back) is expired. */
export function standing(entry: CacheEntry, now: number): Standing {
  const ageMs = now - entry.fetchedAt;
  const ageS = Math.floor(ageMs / 1000);
  if (ageMs < 0) return { state: 'expired', ageS };
  if (ageMs < entry.lifetimeS * 1000) return { state: 'fresh', ageS, leftS: Math.ceil(entry.lifetimeS - ageMs / 1000) };
  const staleEnd = (entry.lifetimeS + entry.staleIfErrorS) * 1000;
  if (ageMs < staleEnd) return { state: 'stale', ageS, leftS: Math.ceil((staleEnd - ageMs) / 1000) };
  return { state: 'expired', ageS };
}
