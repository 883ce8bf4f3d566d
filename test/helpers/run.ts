// Run our CLI (bin/connect.cjs) or the reference connect-proxy (connect.c 1.105)
// with a clean environment, given stdin, and a hard timeout.
//
// Children run detached (setsid): no controlling terminal, so /dev/tty cannot
// be opened and a password prompt fails the same way locally as in CI
// (tests that need a terminal drive tmux instead).
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binary, killGroup, onProcessExit, tempDir } from './process.js';
import { startFakeProxy, type FakePeer, type FakeProtocol, type Script } from './fake-proxy.js';

/** Repository root (this file runs as build/test/helpers/run.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'connect.cjs');

export interface RunOptions {
  /** Added to the clean env (PATH, HOME=fresh temp dir). Set HOME to use your own rc dir. */
  env?: Record<string, string | undefined>;
  /** Buffer: written then EOF. 'close' (default): EOF at once. 'keep-open': open until the process exits. */
  stdin?: Buffer | 'keep-open' | 'close';
  /** Kill the process group and reject after this long (default 10 s). */
  timeoutMs?: number;
  bin?: 'ours' | 'reference';
  cwd?: string;
  /** 'collect' (default) into result.stdout; 'stream': left unread for you (child.stdout), result.stdout empty. */
  stdout?: 'collect' | 'stream';
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  durationMs: number;
}

export interface Running {
  child: ChildProcess;
  /** Resolves when the process exits; rejects on timeout (after killing it). */
  result: Promise<RunResult>;
}

/**
 * PATH, a fresh HOME (no ~/.connectrc leaks in) and XDG_CACHE_HOME inside it
 * (the PAC cache would otherwise go to the passwd home's ~/.cache: the real
 * user's), then `extra`. No SSH_ASKPASS, DISPLAY, proxies.
 */
export function cleanEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, XDG_CACHE_HOME: join(home, '.cache') };
  if (process.env.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = process.env.NODE_V8_COVERAGE;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Spawns any command the same way (clean env, detached, timeout); for interactive tests. */
export function spawnProcess(file: string, args: string[], opts: RunOptions = {}): Running {
  const home = tempDir('home');
  const child = spawn(file, args, {
    cwd: opts.cwd ?? home, env: cleanEnv(home, opts.env), detached: true, stdio: ['pipe', 'pipe', 'pipe'],
  });
  const unhook = onProcessExit(() => killGroup(child));
  const what = `${file} ${args.join(' ')}`;
  const result = collect(child, opts.timeoutMs ?? 10_000, what, opts.stdout !== 'stream').finally(() => {
    unhook();
    rmSync(home, { recursive: true, force: true });
  });
  feedStdin(child, opts.stdin ?? 'close');
  return { child, result };
}

function feedStdin(child: ChildProcess, stdin: Buffer | 'keep-open' | 'close'): void {
  child.stdin?.on('error', () => { /* EPIPE when the process exits first */ });
  if (stdin === 'close') child.stdin?.end();
  else if (Buffer.isBuffer(stdin)) child.stdin?.end(stdin);
}

function collect(child: ChildProcess, timeoutMs: number, what: string, keepStdout: boolean): Promise<RunResult> {
  const started = Date.now();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  if (keepStdout) child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`timed out after ${timeoutMs} ms: ${what}\n--- stderr ---\n${Buffer.concat(err).toString()}`));
    }, timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(child); // anything it left behind in its group
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), durationMs: Date.now() - started });
    });
  });
}

export function runProcess(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return spawnProcess(file, args, opts).result;
}

/** [file, argv prefix] for our CLI or the reference connect-proxy. */
function commandFor(bin: 'ours' | 'reference' = 'ours'): [string, string[]] {
  return bin === 'ours' ? [process.execPath, [CLI]] : [binary('connect-proxy'), []];
}

export function spawnConnect(args: string[], opts: RunOptions = {}): Running {
  const [file, pre] = commandFor(opts.bin);
  return spawnProcess(file, [...pre, ...args], opts);
}

export function runConnect(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return spawnConnect(args, opts).result;
}

export interface SideBySide {
  ours: { result: RunResult; peer: FakePeer };
  reference: { result: RunResult; peer: FakePeer };
}

/**
 * Runs ours and connect-proxy on the same arguments, each against its own
 * fake `protocol` proxy running a fresh copy of `script` (args get that copy's port). Compare e.g.
 * `ours.peer.connections[0].received` with `reference.peer.connections[0].received`.
 */
export async function runBoth(
  protocol: FakeProtocol,
  makeArgs: (peerPort: number) => string[],
  script: Script,
  opts: Omit<RunOptions, 'bin' | 'env'> & { env?: RunOptions['env'] | ((peerPort: number) => RunOptions['env']) } = {},
): Promise<SideBySide> {
  const peers = [await startFakeProxy(protocol, { script }), await startFakeProxy(protocol, { script })] as const;
  const run = (port: number, bin: 'ours' | 'reference') =>
    runConnect(makeArgs(port), { ...opts, bin, env: typeof opts.env === 'function' ? opts.env(port) : opts.env });
  try {
    const [ours, reference] = await Promise.all([run(peers[0].port, 'ours'), run(peers[1].port, 'reference')]);
    return { ours: { result: ours, peer: peers[0] }, reference: { result: reference, peer: peers[1] } };
  } finally {
    await Promise.all(peers.map((p) => p.close()));
  }
}
