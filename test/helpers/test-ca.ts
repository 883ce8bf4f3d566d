/**
 * A throwaway certificate authority for TLS tests, made with the `openssl`
 * command once per test process: a CA, a server certificate for
 * 127.0.0.1/localhost signed by it, and one for a name we never dial
 * (hostname-mismatch tests). Removed when the process exits.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { onProcessExit, tempDir } from './process.js';

export interface KeyPair { cert: string; key: string }

export interface TestCa {
  dir: string;
  /** PEM file of the CA certificate (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  caPem: string;
  /** SAN IP:127.0.0.1, IP:::1, DNS:localhost. */
  server: KeyPair;
  /** SAN DNS:elsewhere.invalid only. */
  wrongName: KeyPair;
}

let cached: TestCa | undefined;

export function testCa(): TestCa {
  cached ??= makeCa();
  return cached;
}

function makeCa(): TestCa {
  const dir = tempDir('ca');
  onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=connect test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, san: string): KeyPair => {
    openssl('req', '-x509', ...ec, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-keyout', `${name}.key`, '-out', `${name}.pem`,
      '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=CA:FALSE',
      '-addext', 'extendedKeyUsage=serverAuth');
    return { cert: readFileSync(join(dir, `${name}.pem`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  };
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    server: leaf('server', 'IP:127.0.0.1,IP:::1,DNS:localhost'),
    wrongName: leaf('wrong', 'DNS:elsewhere.invalid'),
  };
}
