/**
 * How the bench runs a process and what it measures. Every child is
 * spawned with a clean environment and killed if it outlives its timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { findBinary } from '../helpers/process.js';
import { BANNER } from './responders.js';

export interface Command { file: string; args: string[] }

export function withArgs(cmd: Command, extra: string[]): Command {
  return { file: cmd.file, args: [...cmd.args, ...extra] };
}

function exited(child: ChildProcess, timeoutMs: number, what: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no exit after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
}

// ------------------------------------------------------------------ session

/**
 * One session: spawn; when `banner`, wait for the banner on stdout and then
 * close stdin; else close stdin at once. Milliseconds from spawn to exit.
 */
export async function timeSession(cmd: Command, env: NodeJS.ProcessEnv, banner: boolean): Promise<number> {
  const started = performance.now();
  const child = spawn(cmd.file, cmd.args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = exited(child, 10_000, cmd.args.join(' '));
  let out = Buffer.alloc(0);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdin!.on('error', () => {});
  if (!banner) child.stdin!.end();
  child.stdout!.on('data', (d: Buffer) => {
    out = Buffer.concat([out, d]);
    if (banner && out.length >= BANNER.length) child.stdin!.end();
  });
  const code = await done;
  const ms = performance.now() - started;
  if (code !== 0 || (banner && !out.equals(BANNER))) {
    throw new Error(`${cmd.file} ${cmd.args.join(' ')}: exit ${code}, stdout ${JSON.stringify(out.toString())} ${err.trim()}`);
  }
  return ms;
}

// ------------------------------------------------------------------- CPUs

const TASKSET = findBinary('taskset');

/**
 * Where the bulk runs' processes go on a machine of two CPUs or more: the
 * peer, which stands in for the remote host, on the first; the relay with
 * its local partner (`head` feeding it, `dd` draining it) on the last.
 * Left to the scheduler, three busy processes on two CPUs landed either
 * way run by run, and the placement, not the relay, decided the rate: a
 * run of the same relay read 640–3650 MB/s (test/bench/NOTES.md, round 11).
 * Undefined (nothing pinned) without taskset or with one CPU.
 */
export function bulkCpus(): { peer: number; relay: number } | undefined {
  const cpus = os.availableParallelism();
  return TASKSET && cpus >= 2 ? { peer: 0, relay: cpus - 1 } : undefined;
}

/** `cmd` run on CPU `cpu` (taskset -c), or as it is when no CPU is given. */
function pinned(cmd: Command, cpu: number | undefined): Command {
  return cpu === undefined || !TASKSET ? cmd : { file: TASKSET, args: ['-c', String(cpu), cmd.file, ...cmd.args] };
}

// ------------------------------------------------------------------- peers

export interface PeerProcess {
  port: number;
  /** The next line the peer prints (sink: a byte count). */
  nextLine(): Promise<string>;
  stop(): void;
}

export async function startPeer(peerScript: string, mode: string, extra: string[] = [], cpu?: number): Promise<PeerProcess> {
  const peer = pinned({ file: process.execPath, args: [peerScript, mode, ...extra] }, cpu);
  const child = spawn(peer.file, peer.args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`bench peer ${mode} exited`);
    return value as string;
  };
  const port = Number(await nextLine());
  return { port, nextLine, stop: () => { child.stdin!.end(); child.kill(); } };
}

// -------------------------------------------------------------------- bulk

export interface BulkRun {
  wallS: number;
  cpuS: number;
  rssKB: number;
  bytes: number;
}

const TIME_BIN = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));

/**
 * The relay as under ssh: stdin a pipe fed by `head -c` (up) or /dev/null
 * (down: ncat, nc and socat, unlike connect and connect.c, keep running
 * after the remote closes until their stdin ends), stdout a pipe drained
 * by `dd` (which also counts what arrived).
 * CPU time and peak RSS come from /usr/bin/time (wait4 rusage) when
 * installed, else from polling /proc.
 */
export async function runBulk(cmd: Command, env: NodeJS.ProcessEnv, dir: 'up' | 'down', bytes: number, tmp: string, cpu?: number): Promise<BulkRun> {
  const timeFile = join(tmp, 'time.txt');
  const ddFile = join(tmp, 'dd.txt');
  const feed = dir === 'up' ? `head -c ${bytes} /dev/zero | ` : '';
  const script = `${feed}"$@" | dd of=/dev/null bs=128k 2>"${ddFile}"`;
  const argv = TIME_BIN ? [TIME_BIN, '-f', '%U %S %M', '-o', timeFile, cmd.file, ...cmd.args] : [cmd.file, ...cmd.args];
  const started = performance.now();
  const shell = pinned({ file: 'sh', args: ['-c', script, 'sh', ...argv] }, cpu);
  const sh = spawn(shell.file, shell.args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const poll = TIME_BIN ? undefined : pollProc(sh.pid!, cmd.file);
  const code = await exited(sh, 300_000, `bulk ${dir}`);
  const wallS = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`bulk ${dir} ${cmd.file}: exit ${code}`);
  const usage = TIME_BIN ? parseTime(readFileSync(timeFile, 'utf8')) : poll!.stop();
  const delivered = dir === 'down' ? Number(/(\d+) bytes/.exec(readFileSync(ddFile, 'utf8'))?.[1]) : bytes;
  rmSync(timeFile, { force: true });
  return { wallS, ...usage, bytes: delivered };
}

function parseTime(text: string): { cpuS: number; rssKB: number } {
  const last = text.trim().split('\n').pop() ?? '';
  const [user, sys, rss] = last.split(/\s+/).map(Number);
  return { cpuS: user! + sys!, rssKB: rss! };
}

/** Fallback without /usr/bin/time: sample VmHWM and CPU ticks of the relay (a child of sh). */
function pollProc(shPid: number, file: string): { stop(): { cpuS: number; rssKB: number } } {
  const hz = 100;
  let last = { cpuS: 0, rssKB: 0 };
  const sample = () => {
    for (const pid of childrenOf(shPid)) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file)) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        last = { cpuS: (Number(stat[11]) + Number(stat[12])) / hz, rssKB: Math.max(last.rssKB, Number(hwm?.[1] ?? 0)) };
      } catch { /* exited meanwhile */ }
    }
  };
  const timer = setInterval(sample, 20);
  return { stop: () => { clearInterval(timer); return last; } };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// ----------------------------------------------------------------- latency

/** `count` one-byte round trips through the relay to an echo server; µs each. */
export async function runLatency(cmd: Command, env: NodeJS.ProcessEnv, count: number, warmup = 50): Promise<number[]> {
  const child = spawn(cmd.file, cmd.args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const done = exited(child, 60_000, 'latency');
  const samples: number[] = [];
  await new Promise<void>((resolve, reject) => {
    let sentAt = 0;
    let i = 0;
    const ping = () => { sentAt = performance.now(); child.stdin!.write('x'); };
    child.stdout!.on('data', (d: Buffer) => {
      for (let k = 0; k < d.length; k++) {
        if (i++ >= warmup) samples.push((performance.now() - sentAt) * 1000);
        if (i < warmup + count) ping();
        else resolve();
      }
    });
    child.once('exit', () => reject(new Error('relay exited during the latency run')));
    ping();
  });
  child.stdin!.end();
  await done;
  return samples;
}
