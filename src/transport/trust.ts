/**
 * The CA certificates an https proxy is verified against: Node's bundled
 * Mozilla roots, the system store, and NODE_EXTRA_CA_CERTS.
 *
 * Passing `ca` to tls.connect replaces Node's default store, extra certs
 * included, so everything is gathered here. Node >= 22.15 has
 * tls.getCACertificates('default' | 'system'); Node 20 has only
 * tls.rootCertificates, so the system bundle file and the
 * NODE_EXTRA_CA_CERTS file are read directly (once, like Node does).
 */
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { logger } from '../log.js';

const log = logger('tls');

/** Where distributions keep the system bundle (the list Go's crypto/x509 uses). */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine, macOS, BSDs
];

type GetCa = (type: 'default' | 'system') => string[];

let cached: tls.SecureContext | undefined;

/** Built once per process: parsing some 300 CA certificates is slow (HTTP auth reconnects reuse it). */
export function trustedContext(): tls.SecureContext {
  cached ??= tls.createSecureContext({ ca: gather(process.env) });
  return cached;
}

/** Every trusted CA as PEM text, duplicates dropped. */
function gather(env: NodeJS.ProcessEnv): string[] {
  const getCa = (tls as unknown as { getCACertificates?: GetCa }).getCACertificates;
  const parts = getCa
    ? [...getCa('default'), ...getCa('system')]
    : [...tls.rootCertificates, ...readSystemBundle(env), ...readPem(env.NODE_EXTRA_CA_CERTS)];
  return [...new Set(parts)];
}

/** SSL_CERT_FILE (the OpenSSL convention) wins; else the first bundle that exists. */
function readSystemBundle(env: NodeJS.ProcessEnv): string[] {
  if (env.SSL_CERT_FILE) return readPem(env.SSL_CERT_FILE);
  for (const file of SYSTEM_BUNDLES) {
    const pem = readPem(file, true);
    if (pem.length > 0) return pem;
  }
  return [];
}

function readPem(file: string | undefined, quietIfMissing = false): string[] {
  if (!file) return [];
  try {
    const text = readFileSync(file, 'latin1');
    return text.includes('-----BEGIN') ? [text] : [];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!(quietIfMissing && code === 'ENOENT')) log('cannot read CA file %s: %s', file, code ?? String(err));
    return [];
  }
}
