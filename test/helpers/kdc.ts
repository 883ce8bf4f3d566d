// An MIT Kerberos KDC on loopback for one test run: its own realm
// (KRB<pid><n>.TEST) and directory, a krb5.conf for KRB5_CONFIG, keytabs for
// HTTP/localhost (the proxy) and for a user, and kinit into a private
// credential cache (KRB5CCNAME). The KDC listens on one free port on
// 127.0.0.1 (TCP and UDP; clients use TCP: udp_preference_limit = 1).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findBinary, tempDir, type Teardown } from './process.js';
import { launch, type ServerHandle } from './servers.js';

export const KDC_BINARIES = ['krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit'];

export interface KdcHandle extends ServerHandle {
  realm: string;
  /** KRB5_CONFIG, KRB5_KDC_PROFILE and KRB5RCACHETYPE for anything using this realm. */
  env: NodeJS.ProcessEnv;
  /** Keytab with HTTP/localhost@realm, readable by `owner` when given (absent with httpPrincipal: false). */
  httpKeytab: string;
  /** A credential cache holding a ticket for `user` (kinit from its keytab). */
  kinit(user: string): string;
  /** A credential cache path with no ticket in it. */
  emptyCache(): string;
}

let kdcs = 0;

/** Why the KDC tools are missing (a skip reason), or undefined; under CI=true a missing tool throws. */
export function missingKdc(): string | undefined {
  const missing = KDC_BINARIES.filter((b) => !findBinary(b));
  if (missing.length === 0) return undefined;
  const msg = `MIT Kerberos tools not installed: ${missing.join(', ')} (apt-get install krb5-kdc krb5-admin-server krb5-user)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${msg}`);
  return msg;
}

/**
 * Why the optional `kerberos` package cannot be loaded by this Node (a skip
 * reason), or undefined; under CI=true it must load (.ci/run builds it).
 */
export function missingKerberosPackage(): string | undefined {
  try {
    createRequire(import.meta.url)('kerberos');
    return undefined;
  } catch (err) {
    const msg = `the optional package "kerberos" does not load here (${String((err as Error).message).split('\n')[0]}); build it: npm run build-kerberos`;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${msg}`);
    return msg;
  }
}

export interface KdcOptions {
  t?: Teardown;
  /** Owner of the HTTP keytab (squid's user when run as root). */
  owner?: { uid: number; gid: number };
  /** false: no HTTP/localhost principal, so the KDC refuses a ticket for it. */
  httpPrincipal?: boolean;
}

export async function startKdc(opts: KdcOptions = {}): Promise<KdcHandle> {
  const dir = tempDir('kdc');
  chmodSync(dir, 0o755);
  const realm = `KRB${process.pid}X${++kdcs}.TEST`;
  const conf = join(dir, 'krb5.conf');
  const kdcConf = join(dir, 'kdc.conf');
  const env = { KRB5_CONFIG: conf, KRB5_KDC_PROFILE: kdcConf, KRB5RCACHETYPE: 'none' };
  const write = (port: number) => {
    writeFileSync(conf, krb5Conf(realm, port), { mode: 0o644 });
    writeFileSync(kdcConf, kdcConfText(realm, port, dir), { mode: 0o644 });
  };
  const run = (bin: string, args: string[]) => execFileSync(findBinary(bin)!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  write(0);
  run('kdb5_util', ['create', '-s', '-r', realm, '-P', `master-${process.pid}-${kdcs}`]);
  const admin = (query: string) => run('kadmin.local', ['-r', realm, '-q', query]);
  const httpKeytab = join(dir, 'http.keytab');
  if (opts.httpPrincipal !== false) {
    admin(`addprinc -randkey HTTP/localhost@${realm}`);
    admin(`ktadd -k ${httpKeytab} HTTP/localhost@${realm}`);
    chmodSync(httpKeytab, 0o640);
    if (opts.owner) chownSync(httpKeytab, opts.owner.uid, opts.owner.gid);
  }
  const h = await launch({
    name: 'krb5kdc', dir, logFile: join(dir, 'krb5kdc.out'), t: opts.t, env,
    prepare: (port) => {
      write(port);
      return [findBinary('krb5kdc')!, ['-n', '-r', realm]];
    },
  });
  let caches = 0;
  const kinit = (user: string) => {
    const keytab = join(dir, `${user}.keytab`);
    admin(`addprinc -randkey ${user}@${realm}`);
    admin(`ktadd -k ${keytab} ${user}@${realm}`);
    const cache = join(dir, `cc${++caches}`);
    run('kinit', ['-k', '-t', keytab, '-c', `FILE:${cache}`, `${user}@${realm}`]);
    return `FILE:${cache}`;
  };
  const emptyCache = () => `FILE:${join(dir, `cc${++caches}`)}`;
  return { ...h, realm, env, httpKeytab, kinit, emptyCache };
}

function krb5Conf(realm: string, port: number): string {
  return `[libdefaults]
  default_realm = ${realm}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
[realms]
  ${realm} = {
    kdc = 127.0.0.1:${port}
  }
[domain_realm]
  localhost = ${realm}
`;
}

function kdcConfText(realm: string, port: number, dir: string): string {
  return `[kdcdefaults]
  kdc_listen = 127.0.0.1:${port}
  kdc_tcp_listen = 127.0.0.1:${port}
[realms]
  ${realm} = {
    database_name = ${join(dir, 'principal')}
    key_stash_file = ${join(dir, 'stash')}
    acl_file = ${join(dir, 'kadm5.acl')}
    kdc_listen = 127.0.0.1:${port}
    kdc_tcp_listen = 127.0.0.1:${port}
  }
[logging]
  kdc = FILE:${join(dir, 'kdc.log')}
`;
}
