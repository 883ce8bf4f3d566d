/**
 * ssh: real OpenSSH sessions to a loopback sshd, four ways: direct (no
 * ProxyCommand), through our relay (`connect %h %p`), through connect.c,
 * and with `connect -F` (ProxyUseFdpass: the socket handed to ssh, no
 * process in the data path). For each: session set-up (`ssh … true`),
 * one-byte round trips through `cat`, and a bulk transfer (remote
 * `head -c N /dev/zero` → ssh → this process), timed from the first byte to
 * the last: the session's set-up has a row of its own, and in a 200 MB
 * transfer it would otherwise be a third of the time. The rate over the
 * whole command, set-up included, is kept as a reference row. For -F also
 * how long the proxy command lives, and whether it is gone while the
 * session is open.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { findBinary } from '../../helpers/process.js';
import { startSshd, type SshdHandle } from '../../helpers/servers.js';
import { runLatency, type Command } from '../measure.js';
import { fmt, median, ratio, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';
import { latencyStat, type LatencyStat } from './relays.js';

const MB = 1 << 20;

export interface SshStat {
  setupMs: number;
  roundTrip: LatencyStat;
  /** First byte to last. */
  bulkMBperS: number;
  /** Spawn to exit: the session's set-up included. */
  bulkWithSetupMBperS: number;
}

export interface SshData {
  modes: Record<string, SshStat>;
  fdpassLifetimeMs?: number;
  /** Proxy command processes still there while a -F session is open (0: gone). */
  fdpassProcessesLeft?: number;
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const ssh = findBinary('ssh');
  if (!findBinary('sshd') || !ssh) return { table: [], ratios: [], data: {}, notes: ['ssh or sshd is not installed: section skipped'] };
  const sshd = await startSshd();
  const tmp = mkdtempSync(join(ctx.tmp, 'ssh-'));
  try {
    return await measureAll(ctx, ssh, sshd, tmp);
  } finally {
    await sshd.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function measureAll(ctx: BenchContext, ssh: string, sshd: SshdHandle, tmp: string): Promise<SectionResult> {
  const ours = commandLine(ctx.connect);
  const modes: Record<string, string[]> = {
    direct: sshd.sshArgs(),
    connect: sshd.sshArgs(`${ours} %h %p`),
    ...(ctx.reference ? { 'connect.c': sshd.sshArgs(`${commandLine(ctx.reference)} %h %p`) } : {}),
    'connect -F': ['-o', 'ProxyUseFdpass=yes', ...sshd.sshArgs(`${ours} -F %h %p`)],
  };
  // Many short passes, order rotated, the median of the pass medians: each
  // pass is a new ssh session, and on this machine one session's round
  // trips and bulk rate scatter widely from the next one's (test/bench/NOTES.md, round 10).
  const passes = ctx.quick ? 2 : 45;
  const setupRuns = ctx.quick ? 2 : 7;
  const bulkRuns = ctx.quick ? 1 : 15;
  const trips = ctx.quick ? 200 : 300;
  const bytes = (ctx.quick ? 50 : 200) * MB;
  const setup: Record<string, number[]> = {};
  const tripMedians: Record<string, number[]> = {};
  const samples: Record<string, number[]> = {};
  const bulk: Record<string, number[]> = {};
  const bulkWithSetup: Record<string, number[]> = {};
  for (let p = 0; p < passes; p++) {
    for (const [name, args] of rotate(Object.entries(modes), p)) {
      if (p < setupRuns) (setup[name] ??= []).push(await timeSsh({ file: ssh, args: [...args, 'true'] }, ctx.env));
      const xs = await runLatency({ file: ssh, args: [...args, 'cat'] }, ctx.env, trips);
      (tripMedians[name] ??= []).push(median(xs));
      (samples[name] ??= []).push(...xs);
      if (p >= bulkRuns) continue;
      const b = await runTransfer({ file: ssh, args: [...args, `head -c ${bytes} /dev/zero`] }, ctx.env);
      if (b.bytes !== bytes) throw new Error(`ssh bulk ${name}: ${b.bytes} of ${bytes} bytes arrived`);
      (bulk[name] ??= []).push(bytes / 1e6 / b.transferS);
      (bulkWithSetup[name] ??= []).push(bytes / 1e6 / b.wholeS);
    }
  }
  const data: SshData = {
    modes: Object.fromEntries(Object.keys(modes).map((n) => [n, {
      setupMs: median(setup[n]!),
      roundTrip: { ...latencyStat(samples[n]!), medianUs: median(tripMedians[n]!) },
      bulkMBperS: median(bulk[n]!),
      bulkWithSetupMBperS: median(bulkWithSetup[n]!),
    }])),
    fdpassLifetimeMs: await fdpassLifetime(ctx, ssh, sshd, tmp, setupRuns),
    fdpassProcessesLeft: await fdpassProcessesLeft(ctx, ssh, sshd, tmp),
  };
  return { table: tableOf(data), ratios: ratiosOf(data), data };
}

function tableOf(data: SshData): string[][] {
  const names = Object.keys(data.modes);
  const m = (f: (s: SshStat) => number, digits = 1) => names.map((n) => fmt(f(data.modes[n]!), digits));
  return [
    ['ssh to the loopback sshd', ...names],
    ['session set-up (ssh … true), median ms', ...m((s) => s.setupMs)],
    ['round trip through cat: median µs (of pass medians)', ...m((s) => s.roundTrip.medianUs)],
    ['round trip through cat: p99 µs', ...m((s) => s.roundTrip.p99Us)],
    ['bulk remote → local, first byte to last: MB/s', ...m((s) => s.bulkMBperS, 0)],
    ['bulk remote → local, set-up included: MB/s', ...m((s) => s.bulkWithSetupMBperS, 0)],
    ['proxy command lifetime, median ms', ...names.map((n) => (n === 'connect -F' ? fmt(data.fdpassLifetimeMs) : n === 'direct' ? '–' : 'session'))],
    ['proxy processes per open session', ...names.map((n) => (n === 'connect -F' ? String(data.fdpassProcessesLeft ?? '–') : n === 'direct' ? '0' : '1'))],
  ];
}

function ratiosOf(data: SshData): SectionResult['ratios'] {
  const s = data.modes;
  const rt = (n: string) => s[n]?.roundTrip.medianUs;
  const r = ratios();
  r.add('ssh round trip: connect -F / direct', ratio(rt('connect -F'), rt('direct')), '≤ 1.05', (v) => v <= 1.05);
  r.add('ssh round trip: connect -F / connect.c', ratio(rt('connect -F'), rt('connect.c')), '≤ 0.90', (v) => v <= 0.9);
  r.add('ssh round trip: connect / direct', ratio(rt('connect'), rt('direct')), '(reference)');
  r.add('ssh round trip: connect.c / direct', ratio(rt('connect.c'), rt('direct')), '(reference)');
  r.add('ssh bulk: connect -F / direct', ratio(s['connect -F']?.bulkMBperS, s.direct?.bulkMBperS), '≥ 0.95', (v) => v >= 0.95);
  r.add('ssh bulk: connect / direct', ratio(s.connect?.bulkMBperS, s.direct?.bulkMBperS), '(reference)');
  r.add('ssh bulk, set-up included: connect -F / direct', ratio(s['connect -F']?.bulkWithSetupMBperS, s.direct?.bulkWithSetupMBperS), '(reference)');
  r.add('ssh -F: proxy command processes per open session', data.fdpassProcessesLeft, '= 0', (v) => v === 0);
  return r.list;
}

/** Each pass starts with the next mode, so that no mode always runs first. */
function rotate<T>(xs: T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/** As ssh's ProxyCommand (run by /bin/sh): the bench's paths carry no blanks or quotes. */
function commandLine(cmd: Command): string {
  return [cmd.file, ...cmd.args].join(' ');
}

/**
 * One `ssh … head -c N /dev/zero`, its stdout read here: seconds from the
 * first byte to exit, from spawn to exit, and the bytes that arrived.
 */
async function runTransfer(cmd: Command, env: NodeJS.ProcessEnv): Promise<{ transferS: number; wholeS: number; bytes: number }> {
  const started = performance.now();
  let first = 0;
  let bytes = 0;
  const child = spawn(cmd.file, cmd.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout!.on('data', (d: Buffer) => {
    if (bytes === 0) first = performance.now();
    bytes += d.length;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve); // after stdout's last byte
  });
  const ended = performance.now();
  if (code !== 0) throw new Error(`ssh ${cmd.args.join(' ')}: exit ${code} ${err.trim()}`);
  return { transferS: (ended - first) / 1000, wholeS: (ended - started) / 1000, bytes };
}

/** Spawn → exit of one `ssh … true`, in ms. */
async function timeSsh(cmd: Command, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(cmd.file, cmd.args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`ssh ${cmd.args.join(' ')}: exit ${code} ${err.trim()}`);
  return performance.now() - started;
}

/** How long `connect -F` runs: from before its start to after its exit, in a wrapping shell (%% is ssh's escape for %). */
async function fdpassLifetime(ctx: BenchContext, ssh: string, sshd: SshdHandle, tmp: string, runs: number): Promise<number> {
  const file = join(tmp, 'lifetime');
  const wrapped = `sh -c 'S=$(date +%%s%%N); ${commandLine(ctx.connect)} -F "$0" "$1"; E=$(date +%%s%%N); echo $S $E >> ${file}' %h %p`;
  for (let i = 0; i < runs; i++) await timeSsh({ file: ssh, args: ['-o', 'ProxyUseFdpass=yes', ...sshd.sshArgs(wrapped), 'true'] }, ctx.env);
  const spans = readFileSync(file, 'utf8').trim().split('\n').map((l) => { const [s, e] = l.split(' ').map(BigInt); return Number(e! - s!) / 1e6; });
  return median(spans);
}

/** Opens a -F session (ssh … cat), echoes a line through it, and looks for the proxy command's process. */
async function fdpassProcessesLeft(ctx: BenchContext, ssh: string, sshd: SshdHandle, tmp: string): Promise<number> {
  const pidFile = join(tmp, 'pid');
  const wrapped = `sh -c 'echo $$ > ${pidFile}; exec ${commandLine(ctx.connect)} -F "$0" "$1"' %h %p`;
  const child = spawn(ssh, ['-o', 'ProxyUseFdpass=yes', ...sshd.sshArgs(wrapped), 'cat'], { env: ctx.env, stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    child.stdin!.write('ping\n');
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`ssh -F session exited (${code}) before echoing`)));
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return existsSync(`/proc/${pid}`) ? 1 : 0;
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export const section: BenchSection = { name: 'ssh', title: 'ssh: real sessions, direct, relayed and with -F', run };
