// Real servers (danted, sshd, tinyproxy) as child processes on free loopback
// ports, each with its config, keys and log in a fresh temp dir.
//
// Every server runs in its own process group (detached) and is killed with
// its whole group by stop(), by t.after() when a test context is given, and
// in any case when the test process exits (exit, SIGINT, SIGTERM).
//
// Server quirks worth knowing (verified on Debian 12):
// - Dante 1.4.2 speaks SOCKS4 with `socksmethod: none` but has NO SOCKS4a:
//   it takes 0.0.0.x literally (rule block, or EINVAL) and answers 91.
//   Test 4a against the fake proxy (fake-proxy.ts, e.g. socks4Script), never danted.
// - danted `socksmethod: username` checks /etc/shadow (needs root); SOCKS4
//   cannot authenticate, so `socks4: true` adds method none, which also
//   admits a SOCKS5 client offering only none.
// - tinyproxy 1.11: no ConnectPort line = CONNECT to any port. 407 with
//   `Proxy-Authenticate: Basic realm="Tinyproxy"`, but a wrong password gets
//   401 Unauthorized. It does not half-close: a client FIN right after the
//   200 drops both sides, possibly before the target's banner is relayed.
// - connect-proxy asks /dev/tty for a missing password; children of run.ts
//   have no controlling terminal, so it prints "Unable to open /dev/tty" and
//   goes on SENDING THE PROMPT as the password (SOCKS5: "Enter SOCKS5
//   password for u@host: "; HTTP: Basic
//   base64("root:Enter proxy authentication password for root@host: ")).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

import { binary, killGroup, onProcessExit, tempDir, type Teardown } from './process.js';

// ---------------------------------------------------------------- launcher

export interface ServerHandle {
  host: string;
  port: number;
  /** Temp dir with config, keys, log; removed by stop(). */
  dir: string;
  logFile: string;
  pid: number;
  /** Current log contents (dump it when a test fails). */
  log(): string;
  stop(): Promise<void>;
}

export interface LaunchSpec {
  name: string;
  dir: string;
  logFile: string;
  /** Writes config for this port, returns [binary, args]. */
  prepare(port: number): [string, string[]];
  /** Added to this process's environment for the server. */
  env?: NodeJS.ProcessEnv;
  t?: Teardown;
}

export async function launch(spec: LaunchSpec): Promise<ServerHandle> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launchOnce(spec, port);
    } catch (err) {
      lastErr = err; // likely lost the port race; retry on a new port
    }
  }
  rmSync(spec.dir, { recursive: true, force: true });
  throw lastErr;
}

async function launchOnce(spec: LaunchSpec, port: number): Promise<ServerHandle> {
  const [bin, args] = spec.prepare(port);
  const out = openSync(spec.logFile, 'a');
  const env = spec.env ? { ...process.env, ...spec.env } : process.env;
  const child = spawn(bin, args, { cwd: spec.dir, detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
  child.unref(); // a forgotten server must not keep the test process alive; 'exit' kills it
  let exited = false;
  const gone = new Promise<void>((r) => child.once('exit', () => { exited = true; r(); }));
  const remove = onProcessExit(() => { killGroup(child); rmSync(spec.dir, { recursive: true, force: true }); });
  const log = () => { try { return readFileSync(spec.logFile, 'utf8'); } catch { return ''; } };
  try {
    await waitForPort(port, '127.0.0.1', 10_000, () => !exited);
  } catch (err) {
    killGroup(child); await gone; remove();
    throw new Error(`${spec.name} did not start: ${(err as Error).message}\n--- log ---\n${log()}`);
  }
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopChild(child, gone).then(() => {
    remove();
    rmSync(spec.dir, { recursive: true, force: true });
  }));
  spec.t?.after(stop);
  return { host: '127.0.0.1', port, dir: spec.dir, logFile: spec.logFile, pid: child.pid ?? 0, log, stop };
}

async function stopChild(child: ChildProcess, gone: Promise<void>): Promise<void> {
  // The child is unref'd so a forgotten server cannot keep the tests alive;
  // while we wait for its exit it must keep the loop alive (Node 22+'s test
  // runner fails a test whose promise outlives an empty event loop).
  child.ref();
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 2_000);
  await gone;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // stragglers forked by the server
}

const isRoot = () => process.getuid?.() === 0;

// ------------------------------------------------------------------ danted

export interface DantedOptions {
  /** Only matters with userpass: also accept method none, so SOCKS4 clients pass. */
  socks4?: boolean;
  /** SOCKS5 username/password (RFC 1929) checked against a throwaway SYSTEM user. */
  userpass?: { user: string; password: string };
  /** Dante debug level in the log (0 default). */
  debug?: number;
  t?: Teardown;
}

export async function startDanted(opts: DantedOptions = {}): Promise<ServerHandle> {
  const bin = binary('danted');
  if (opts.userpass) ensureSystemUser(opts.userpass.user, opts.userpass.password);
  const dir = tempDir('danted');
  const logFile = join(dir, 'danted.log');
  const conf = join(dir, 'danted.conf');
  return launch({
    name: 'danted', dir, logFile, t: opts.t,
    prepare: (port) => {
      writeFileSync(conf, dantedConfig(port, logFile, opts));
      return [bin, ['-f', conf, '-N', '1', '-p', join(dir, 'danted.pid')]];
    },
  });
}

function dantedConfig(port: number, logFile: string, opts: DantedOptions): string {
  const methods = opts.userpass ? (opts.socks4 ? 'username none' : 'username') : 'none';
  return [
    `logoutput: ${logFile}`,
    `debug: ${opts.debug ?? 0}`,
    `internal: 127.0.0.1 port = ${port}`,
    'external: 127.0.0.1',
    'clientmethod: none',
    `socksmethod: ${methods}`,
    ...(isRoot() ? ['user.privileged: root', 'user.unprivileged: nobody'] : []),
    'client pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  log: error\n}',
    'socks pass {\n  from: 127.0.0.0/8 to: 127.0.0.0/8\n  command: connect\n  protocol: tcp\n  log: connect disconnect error\n}',
    'socks block {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}',
    '',
  ].join('\n');
}

/**
 * Creates (or re-passwords) a throwaway system user for danted's `username`
 * method: no home, shell /usr/sbin/nologin. Needs root. The user is left in
 * place (other test files may be using it). Refuses names not starting with
 * "connecttest" so a typo can never re-password a real account.
 */
function ensureSystemUser(user: string, password: string): void {
  if (!/^connecttest[a-z0-9_-]*$/.test(user)) throw new Error(`refusing to touch system user ${user}: name must start with "connecttest"`);
  if (!isRoot()) throw new Error('danted userpass needs root (useradd, chpasswd, reading /etc/shadow)');
  retry(() => {
    try { execFileSync('id', [user], { stdio: 'ignore' }); } catch {
      execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', user], { stdio: 'pipe' });
    }
    execFileSync('chpasswd', [], { input: `${user}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  });
}

function retry(fn: () => void, times = 5): void {
  for (let i = 1; ; i++) {
    try { fn(); return; } catch (err) {
      if (i >= times) throw err; // /etc/passwd lock held by a parallel test file
      execFileSync('sleep', ['0.2']);
    }
  }
}

// -------------------------------------------------------------------- sshd

export interface SshdHandle extends ServerHandle {
  user: string;
  /** Client private key accepted by this sshd. */
  keyFile: string;
  /** Full `ssh` argument list up to and including user@127.0.0.1; append the remote command. */
  sshArgs(proxyCommand?: string): string[];
}

export async function startSshd(opts: { t?: Teardown } = {}): Promise<SshdHandle> {
  const bin = binary('sshd');
  const dir = tempDir('sshd');
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const keygen = binary('ssh-keygen');
  for (const k of ['host_ed25519', 'client_ed25519']) {
    execFileSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', join(dir, k)]);
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')));
  const conf = join(dir, 'sshd_config');
  const h = await launch({
    name: 'sshd', dir, logFile: join(dir, 'sshd.log'), t: opts.t,
    prepare: (port) => {
      writeFileSync(conf, sshdConfig(port, dir));
      return [bin, ['-D', '-e', '-f', conf]];
    },
  });
  const user = userInfo().username;
  const keyFile = join(dir, 'client_ed25519');
  return { ...h, user, keyFile, sshArgs: (pc?: string) => sshArgs(h.port, keyFile, user, pc) };
}

function sshdConfig(port: number, dir: string): string {
  return [
    `Port ${port}`, 'ListenAddress 127.0.0.1', 'AddressFamily inet',
    `HostKey ${join(dir, 'host_ed25519')}`, 'PidFile none',
    'UsePAM no', 'PermitRootLogin yes', 'StrictModes no',
    'PubkeyAuthentication yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'UseDNS no', 'PrintMotd no', 'PrintLastLog no', 'MaxStartups 100', 'MaxSessions 100',
    'LogLevel VERBOSE', '',
  ].join('\n');
}

function sshArgs(port: number, key: string, user: string, proxyCommand?: string): string[] {
  const o = (kv: string) => ['-o', kv];
  return [
    '-F', '/dev/null', '-i', key,
    ...o('IdentitiesOnly=yes'), ...o('UserKnownHostsFile=/dev/null'), ...o('StrictHostKeyChecking=no'),
    ...o('BatchMode=yes'), ...o('LogLevel=ERROR'), ...o('ConnectTimeout=10'),
    ...(proxyCommand ? o(`ProxyCommand=${proxyCommand}`) : []),
    '-p', String(port), `${user}@127.0.0.1`,
  ];
}

// --------------------------------------------------------------- tinyproxy

export interface TinyproxyOptions {
  basicAuth?: { user: string; password: string };
  t?: Teardown;
}

export async function startTinyproxy(opts: TinyproxyOptions = {}): Promise<ServerHandle> {
  const bin = binary('tinyproxy');
  const dir = tempDir('tinyproxy');
  const logFile = join(dir, 'tinyproxy.log');
  const conf = join(dir, 'tinyproxy.conf');
  return launch({
    name: 'tinyproxy', dir, logFile, t: opts.t,
    prepare: (port) => {
      writeFileSync(conf, tinyproxyConfig(port, logFile, opts));
      return [bin, ['-d', '-c', conf]];
    },
  });
}

function tinyproxyConfig(port: number, logFile: string, opts: TinyproxyOptions): string {
  const auth = opts.basicAuth;
  return [
    `Port ${port}`, 'Listen 127.0.0.1', 'Timeout 60', `LogFile "${logFile}"`, 'LogLevel Info',
    'MaxClients 100', 'Allow 127.0.0.1', 'DisableViaHeader Yes',
    // No ConnectPort line at all = CONNECT allowed to every port.
    ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
    '',
  ].join('\n');
}
