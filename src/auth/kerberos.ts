/**
 * Kerberos through the optional native package `kerberos` (MIT GSSAPI on
 * Unix): loaded on first use only, when a proxy offers Negotiate, so no
 * other session pays for it. Tokens are opaque base64 here and never
 * logged. Everything that can fail resolves to a reason, so the caller can
 * fall back to NTLM inside Negotiate.
 */
import { lazyPackage } from '../lazy-package.js';
import { isIPv6Literal } from '../address.js';

/** The part of the `kerberos` package's API we use. */
interface KerberosClient {
  step(challenge: string): Promise<string>;
  readonly contextComplete: boolean;
}
interface KerberosModule {
  initializeClient(service: string, options: { mechOID: number; flags?: number }): Promise<KerberosClient>;
  readonly GSS_MECH_OID_SPNEGO: number;
  readonly GSS_C_MUTUAL_FLAG: number;
  readonly GSS_C_SEQUENCE_FLAG: number;
}

// @ts-ignore TS2307: an optional dependency, absent from most installs.
const loadKerberos = lazyPackage<KerberosModule>(() => require('kerberos'), 'kerberos');

export type Loaded = { ok: true; kerberos: KerberosModule } | { ok: false; reason: string };

/** The package, or why it cannot be used (not installed, or its native part not built for this Node). */
export function load(): Loaded {
  try {
    return { ok: true, kerberos: loadKerberos() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return { ok: false, reason: 'the optional package "kerberos" is not installed' };
    return { ok: false, reason: `the optional package "kerberos" does not load (${firstLine(err)})` };
  }
}

/** A SPNEGO context for `HTTP@host` (RFC 4559 §4.1), mutual authentication requested. */
export interface Context {
  service: string;
  /** The first token, base64. */
  first: string;
  /** Feeds the server's reply token (base64); rejects when it does not verify. */
  finish(reply: string): Promise<void>;
  readonly complete: boolean;
}

export async function start(k: KerberosModule, service: string): Promise<Context> {
  const client = await k.initializeClient(service, { mechOID: k.GSS_MECH_OID_SPNEGO, flags: k.GSS_C_MUTUAL_FLAG | k.GSS_C_SEQUENCE_FLAG });
  const first = await client.step('');
  return {
    service,
    first,
    get complete() { return client.contextComplete; },
    async finish(reply: string) { await client.step(reply); },
  };
}

/**
 * The host name the service principal is built from: the proxy's name after
 * following CNAME records, as browsers do (RFC 4559 §4.1 leaves it to the
 * client). Names under `localhost` never go to DNS (RFC 6761 §6.3); an
 * address has no principal name.
 */
export async function canonicalName(host: string, resolveCname: (name: string) => Promise<string[]>): Promise<string | undefined> {
  if (isIPv6Literal(host) || /^\d+(\.\d+){3}$/.test(host)) return undefined;
  let name = host.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return name;
  for (let hops = 0; hops < 8; hops++) {
    let next: string[];
    try {
      next = await resolveCname(name);
    } catch {
      return name; // no CNAME (or no DNS): the name as it is
    }
    if (next.length === 0 || next[0] === undefined) return name;
    name = next[0].replace(/\.$/, '').toLowerCase();
  }
  return name;
}

export function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0]!.trim();
}
