// squid 5.7 as a real HTTP proxy with NTLM (ntlm_fake_auth: accepts any
// password, and its challenge has no target info) or Basic auth.
//
// Quirks (verified on Debian 12): each instance needs its own `-n` service
// name (shared memory segments clash otherwise); its files must be readable
// by user `proxy` (it drops root); `auth_param ntlm keep_alive on` keeps the
// connection across the NTLM rounds; an HTTP/1.0 CONNECT without
// `Proxy-Connection: keep-alive` is answered with `Connection: close`;
// ntlm_fake_auth echoes the client's flags in its challenge and writes the
// user as `DOMAIN\\user` in access.log.
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, tempDir, type Teardown } from './process.js';
import { launch, type ServerHandle } from './servers.js';

export interface SquidOptions {
  /** ntlm-fake: NTLM by ntlm_fake_auth; negotiate-ntlm: Negotiate by negotiate_wrapper_auth (NTLM to ntlm_fake_auth, Kerberos to negotiate_kerberos_auth). */
  auth: 'ntlm-fake' | 'negotiate-ntlm' | 'none';
  /** negotiate-ntlm: Kerberos tickets checked by negotiate_kerberos_auth against this keytab (test/helpers/kdc.ts), the realm's environment given to squid's helpers. */
  kerberos?: { keytab: string; env: NodeJS.ProcessEnv };
  t?: Teardown;
}

export interface SquidHandle extends ServerHandle {
  /** access.log lines so far. */
  accessLog(): string[];
}

let instances = 0;

export async function startSquid(opts: SquidOptions): Promise<SquidHandle> {
  const bin = binary('squid');
  const dir = tempDir('squid');
  chmodSync(dir, 0o755);
  const proxyUser = process.getuid?.() === 0 ? lookupProxyUser() : undefined;
  if (proxyUser) chownSync(dir, proxyUser.uid, proxyUser.gid);
  const conf = join(dir, 'squid.conf');
  const name = `ct${process.pid}x${++instances}`;
  const h = await launch({
    name: 'squid', dir, logFile: join(dir, 'squid.out'), t: opts.t, env: opts.kerberos?.env,
    prepare: (port) => {
      writeFileSync(conf, squidConf(port, dir, opts, proxyUser !== undefined));
      return [bin, ['-N', '-f', conf, '-n', name]];
    },
  });
  const accessLog = () => {
    try { return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter((l) => l !== ''); } catch { return []; }
  };
  return { ...h, log: () => `${h.log()}\n--- cache.log ---\n${safeRead(join(dir, 'cache.log'))}`, accessLog };
}

function squidConf(port: number, dir: string, opts: SquidOptions, asRoot: boolean): string {
  const required = ['acl authed proxy_auth REQUIRED', 'http_access allow authed'];
  const auth = {
    'ntlm-fake': ['auth_param ntlm program /usr/lib/squid/ntlm_fake_auth', 'auth_param ntlm children 2 startup=1', 'auth_param ntlm keep_alive on', ...required],
    'negotiate-ntlm': [
      `auth_param negotiate program /usr/lib/squid/negotiate_wrapper_auth --ntlm /usr/lib/squid/ntlm_fake_auth --kerberos /usr/lib/squid/negotiate_kerberos_auth${kerberosArgs(opts)}`,
      'auth_param negotiate children 2 startup=1', 'auth_param negotiate keep_alive on', ...required,
    ],
    none: ['http_access allow localhost'],
  }[opts.auth];
  return [
    `http_port 127.0.0.1:${port}`, `pid_filename ${join(dir, 'squid.pid')}`,
    `cache_log ${join(dir, 'cache.log')}`, `access_log stdio:${join(dir, 'access.log')}`, 'cache_store_log none',
    'cache deny all', `coredump_dir ${dir}`, 'shutdown_lifetime 0 seconds', 'pinger_enable off',
    ...(asRoot ? ['cache_effective_user proxy'] : []),
    ...auth, 'http_access deny all', '',
  ].join('\n');
}

/** Any principal in the keytab (the client asks for HTTP/<the name it dialed>); no replay cache files. */
function kerberosArgs(opts: SquidOptions): string {
  return opts.kerberos ? ` -s GSS_C_NO_NAME -k ${opts.kerberos.keytab} -t none` : '';
}

/** The uid/gid squid drops to when started as root (files it reads must be theirs). */
export function lookupProxyUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('proxy:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function safeRead(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch { return ''; }
}
