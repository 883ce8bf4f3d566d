// A network lab on Linux network namespaces, for tests that must prove the
// bytes went through a proxy, or show two networks. Every address lives
// only inside namespaces made here (veth pairs are created inside them,
// never in the host's namespace), and every name carries the pid, so
// parallel runs do not meet.
//
//   client  10.77.1.2 ── 10.77.1.1  proxy  10.77.2.1 ── 10.77.2.2  target
//   office  10.77.3.2 ── 10.77.3.1  proxy                              │
//   home    10.77.4.2 ─────────────────────────────────── 10.77.4.1  target
//
// client and office reach the proxy's addresses and nothing else (the proxy
// namespace does not forward), so a session that works there went through
// the proxy. home reaches the target (10.77.2.2, via 10.77.4.1) and not the
// proxy. The proxy namespace runs danted and tinyproxy; the target runs sshd.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { binary, findBinary, killGroup, onProcessExit, tempDir, type Teardown } from './process.js';
import { spawnProcess, type RunOptions, type Running } from './run.js';

export const LAB = {
  proxyForClient: '10.77.1.1', client: '10.77.1.2',
  proxyOutside: '10.77.2.1', target: '10.77.2.2',
  proxyForOffice: '10.77.3.1', office: '10.77.3.2',
  targetForHome: '10.77.4.1', home: '10.77.4.2',
  officeNet: '10.77.3.0/24', homeNet: '10.77.4.0/24',
  socksPort: 1080, httpPort: 8888, sshPort: 22,
} as const;

export type Place = 'client' | 'office' | 'home' | 'proxy' | 'target';
const PLACES: Place[] = ['client', 'office', 'home', 'proxy', 'target'];

/**
 * Why the lab cannot run here, or undefined when it can. Under CI=true the
 * lab must run: the caller gets undefined and the test fails loudly instead.
 */
export function labSkipReason(): string | undefined {
  const why = process.getuid?.() !== 0 ? 'network namespaces need root' : !findBinary('ip') ? 'ip (iproute2) is not installed' : undefined;
  return process.env.CI === 'true' ? undefined : why;
}

export interface Lab {
  /** The namespace names, e.g. `connect-1234-client`. */
  ns: Record<Place, string>;
  /** Runs a command inside a namespace, as spawnProcess (clean env, detached, timeout). */
  spawnIn(place: Place, file: string, args: string[], opts?: RunOptions): Running;
  /** danted on both proxy addresses, port LAB.socksPort, to the target's network. */
  startDanted(): Promise<void>;
  /** tinyproxy on every proxy address, port LAB.httpPort. */
  startTinyproxy(): Promise<void>;
  /** sshd on the target (port 22, key login as the current user). */
  startSshd(): Promise<LabSshd>;
  /** Files the servers logged to (danted, tinyproxy, sshd). */
  log(name: 'danted' | 'tinyproxy' | 'sshd'): string;
  close(): void;
}

export interface LabSshd {
  user: string;
  keyFile: string;
  /** ssh options for this sshd (no host; add `-F file` or a ProxyCommand yourself). */
  sshOptions(): string[];
}

export async function startLab(t: Teardown): Promise<Lab> {
  const tag = `connect-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const ns = Object.fromEntries(PLACES.map((p) => [p, `${tag}-${p}`])) as Record<Place, string>;
  const dir = tempDir('lab');
  const children: ChildProcess[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const c of children) killGroup(c);
    for (const name of Object.values(ns)) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  const unhook = onProcessExit(close);
  t.after(() => { unhook(); close(); });
  try {
    buildNetwork(ns, process.pid);
  } catch (err) {
    close();
    throw err;
  }

  const daemon = async (place: Place, name: string, file: string, args: string[], address: string, port: number) => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn('ip', ['netns', 'exec', ns[place], file, ...args], { cwd: dir, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    children.push(child);
    await waitInside(ns[place], address, port, () => child.exitCode === null, () => readLog(dir, name));
  };

  return {
    ns,
    spawnIn: (place, file, args, opts) => spawnProcess('ip', ['netns', 'exec', ns[place], file, ...args], opts),
    startDanted: () => {
      const conf = join(dir, 'danted.conf');
      writeFileSync(conf, dantedConfig(join(dir, 'danted.log')));
      return daemon('proxy', 'danted', binary('danted'), ['-f', conf, '-N', '1', '-p', join(dir, 'danted.pid')], LAB.proxyForClient, LAB.socksPort);
    },
    startTinyproxy: () => {
      const conf = join(dir, 'tinyproxy.conf');
      writeFileSync(conf, tinyproxyConfig(join(dir, 'tinyproxy.log')));
      return daemon('proxy', 'tinyproxy', binary('tinyproxy'), ['-d', '-c', conf], LAB.proxyForClient, LAB.httpPort);
    },
    startSshd: async () => {
      const keys = sshKeys(dir);
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      await daemon('target', 'sshd', binary('sshd'), ['-D', '-e', '-f', keys.config], LAB.target, LAB.sshPort);
      return { user: keys.user, keyFile: keys.client, sshOptions: () => sshOptions(keys.client) };
    },
    log: (name) => readLog(dir, name),
    close,
  };
}

function readLog(dir: string, name: string): string {
  try { return readFileSync(join(dir, `${name}.log`), 'utf8'); } catch { return ''; }
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

/** Namespaces, veth pairs made inside them, addresses, one route (home → target). */
function buildNetwork(ns: Record<Place, string>, pid: number): void {
  for (const name of Object.values(ns)) ip('netns', 'add', name);
  for (const name of Object.values(ns)) ip('-n', name, 'link', 'set', 'lo', 'up');
  const links: [Place, string, Place, string][] = [
    ['proxy', LAB.proxyForClient, 'client', LAB.client],
    ['proxy', LAB.proxyOutside, 'target', LAB.target],
    ['proxy', LAB.proxyForOffice, 'office', LAB.office],
    ['target', LAB.targetForHome, 'home', LAB.home],
  ];
  links.forEach(([a, addrA, b, addrB], i) => {
    const [devA, devB] = [`v${pid}a${i}`, `v${pid}b${i}`];
    ip('-n', ns[a], 'link', 'add', devA, 'type', 'veth', 'peer', 'name', devB, 'netns', ns[b]);
    ip('-n', ns[a], 'addr', 'add', `${addrA}/24`, 'dev', devA);
    ip('-n', ns[b], 'addr', 'add', `${addrB}/24`, 'dev', devB);
    ip('-n', ns[a], 'link', 'set', devA, 'up');
    ip('-n', ns[b], 'link', 'set', devB, 'up');
  });
  ip('-n', ns.home, 'route', 'add', `${LAB.target}/32`, 'via', LAB.targetForHome);
}

/** Waits until something inside `netns` accepts on address:port (probed from inside, with bash's /dev/tcp). */
async function waitInside(netns: string, address: string, port: number, alive: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = spawnSync('ip', ['netns', 'exec', netns, 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`], { stdio: 'ignore' });
    if (r.status === 0) return;
    if (!alive() || Date.now() > deadline) throw new Error(`nothing listens on ${address}:${port} in ${netns}\n--- log ---\n${log()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function dantedConfig(logFile: string): string {
  return [
    `logoutput: ${logFile}`,
    `internal: ${LAB.proxyForClient} port = ${LAB.socksPort}`,
    `internal: ${LAB.proxyForOffice} port = ${LAB.socksPort}`,
    `external: ${LAB.proxyOutside}`,
    'clientmethod: none', 'socksmethod: none',
    'user.privileged: root', 'user.unprivileged: nobody',
    'client pass {\n  from: 10.77.0.0/16 to: 0.0.0.0/0\n  log: error\n}',
    `socks pass {\n  from: 10.77.0.0/16 to: ${LAB.target}/32\n  command: connect\n  protocol: tcp\n  log: connect disconnect error\n}`,
    'socks block {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}',
    '',
  ].join('\n');
}

function tinyproxyConfig(logFile: string): string {
  return [
    `Port ${LAB.httpPort}`, 'Timeout 60', `LogFile "${logFile}"`, 'LogLevel Connect',
    'MaxClients 20', 'Allow 10.77.0.0/16', 'DisableViaHeader Yes', '',
  ].join('\n');
}

function sshKeys(dir: string): { user: string; client: string; config: string } {
  const keygen = binary('ssh-keygen');
  for (const k of ['host_ed25519', 'client_ed25519']) spawnSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', join(dir, k)]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')));
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `Port ${LAB.sshPort}`, `ListenAddress ${LAB.target}`, 'AddressFamily inet',
    `HostKey ${join(dir, 'host_ed25519')}`, 'PidFile none', 'UsePAM no', 'PermitRootLogin yes', 'StrictModes no',
    'PubkeyAuthentication yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'UseDNS no', 'PrintMotd no', 'PrintLastLog no', 'LogLevel VERBOSE', '',
  ].join('\n'));
  return { user: userInfo().username, client: join(dir, 'client_ed25519'), config };
}

function sshOptions(key: string): string[] {
  const o = (kv: string) => ['-o', kv];
  return ['-i', key, ...o('IdentitiesOnly=yes'), ...o('UserKnownHostsFile=/dev/null'), ...o('StrictHostKeyChecking=no'),
    ...o('BatchMode=yes'), ...o('LogLevel=ERROR'), ...o('ConnectTimeout=10')];
}
