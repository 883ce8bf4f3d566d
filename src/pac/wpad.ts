/**
 * WPAD by DNS, only when asked for (`-x wpad`, or `-x auto`): try
 * `http://wpad.<domain>/wpad.dat` for this host's DNS domain and each
 * parent, most specific first, stopping below the public suffix: for
 * `lab.corp.example.co.uk`, wpad.lab.corp.example.co.uk,
 * wpad.corp.example.co.uk and wpad.example.co.uk, never wpad.co.uk or
 * wpad.uk, whose owner is not your network's (the Public Suffix List, both
 * its ICANN and private sections, via `tldts`). A bare `wpad` (the
 * resolver's search list deciding) is never tried. Each try is bounded.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ConnectError } from '../errors.js';
import { lazyPackage } from '../lazy-package.js';
import { fetchPac } from './fetch.js';
import type { FetchedPac, FetchOptions } from './fetched.js';
import type { PacLocation } from './source.js';

type Tldts = typeof import('tldts');
const loadTldts = lazyPackage<Tldts>(() => require('tldts'), 'tldts');

/** Each candidate gets this long to answer (a missing wpad host usually fails at once, NXDOMAIN). */
export const WPAD_TRY_MS = 1000;

/** Pure: the candidate URLs for `domain`, most specific first; `publicSuffix` from the PSL. */
export function wpadCandidates(domain: string, publicSuffix: (name: string) => string | null): string[] {
  const name = domain.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) return [];
  const labels = name.split('.');
  const suffix = publicSuffix(name);
  const suffixLabels = suffix ? suffix.split('.').length : 1;
  const urls: string[] = [];
  for (let i = 0; labels.length - i > suffixLabels; i++) {
    urls.push(`http://wpad.${labels.slice(i).join('.')}/wpad.dat`);
  }
  return urls;
}

export function pslSuffix(name: string): string | null {
  return loadTldts().getPublicSuffix(name, { allowPrivateDomains: true });
}

/**
 * This host's DNS domain: resolv.conf's `domain`, else its first `search`
 * entry (the last of either kind wins, as in the resolver), else what
 * follows the first dot of the host name.
 */
export function hostDomain(resolvConf: string, host: string): string | undefined {
  let domain: string | undefined;
  for (const line of resolvConf.split('\n')) {
    const [key, ...values] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if ((key === 'domain' || key === 'search') && values[0]) domain = values[0];
  }
  if (domain && domain !== '.') return domain.replace(/\.$/, '');
  const dot = host.indexOf('.');
  return dot > 0 && dot < host.length - 1 ? host.slice(dot + 1) : undefined;
}

export interface WpadOptions {
  signal?: AbortSignal | undefined;
  /** Called before each try, for -d and --explain. */
  onTry?: (url: string, outcome: string) => void;
  /** A cached copy (src/pac/cached.ts): asked for conditionally when its URL comes up. */
  revalidate?: FetchOptions['revalidate'];
}

export interface WpadContext {
  resolvConf: string;
  /** This host's DNS domain (hostDomain), if it has one. */
  domain?: string;
}

export async function wpadContext(): Promise<WpadContext> {
  const resolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const domain = hostDomain(resolvConf, hostname());
  return { resolvConf, ...(domain !== undefined && { domain }) };
}

export interface WpadResult {
  /** The domain the candidates came from; undefined when this host has none. */
  domain?: string;
  /** The first PAC file found. */
  found?: FetchedPac;
  /** Every URL tried, in order, with what happened. */
  tried: string[];
}

/** Tries the candidates in order; the first that serves a PAC file wins. */
export async function discoverWpad(opts: WpadOptions = {}, context?: WpadContext): Promise<WpadResult> {
  const { domain } = context ?? await wpadContext();
  const tried: string[] = [];
  if (!domain) return { tried };
  for (const url of wpadCandidates(domain, pslSuffix)) {
    const location: PacLocation = { scheme: 'http', url: new URL(url) };
    try {
      const found = await fetchPac(location, { timeoutMs: WPAD_TRY_MS, signal: opts.signal, ...(opts.revalidate && { revalidate: opts.revalidate }) });
      tried.push(`${url}: found`);
      opts.onTry?.(url, 'found');
      return { domain, found, tried };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const message = err instanceof ConnectError ? err.message : String(err);
      const why = message.startsWith('PAC file ') ? message.slice(message.indexOf(': ') + 2) : message;
      tried.push(`${url}: ${why}`);
      opts.onTry?.(url, why);
    }
  }
  return { domain, tried };
}
