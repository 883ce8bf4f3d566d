/**
 * `npm run bench`: our `connect` side by side with connect.c (connect-proxy,
 * when installed) and `node -e 0` (the floor every Node program pays).
 *   session  spawn → SOCKS5 (or HTTP CONNECT) handshake → banner relayed →
 *            stdin EOF → exit; median of N runs, subjects interleaved.
 *   bulk     1 GiB each way in direct mode, stdin/stdout pipes fed and
 *            drained by other processes: wall, CPU, peak RSS; median run.
 *   latency  one-byte round trips through the relay to an echo server.
 * The session section also runs test/bench/floor.cts ("node floor"): the
 * least a Node program does for one session, to tell Node's cost from ours.
 * Prints a table and the ratios (always taken within this run); a complete
 * default run (no --quick, --only or --connect) writes test/bench/results.json.
 *
 * Options: --quick (small sizes, few runs); --connect FILE (bench another
 * entry script as "connect", e.g. to A/B a change); --only session,bulk,latency.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBulk, runLatency, startPeer, timeSession, withArgs, type BulkRun, type Command } from './measure.js';
import { startResponder } from './responders.js';
import { computeRatios, formatReport, type Report } from './report.js';
import { findBinary } from '../helpers/process.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // build/test/bench
const ROOT = resolve(HERE, '..', '..', '..');
const PEER = join(HERE, 'peer.js');
const FLOOR_SESSION = join(HERE, 'floor.cjs');
const GiB = 1 << 30;

interface Options {
  quick: boolean;
  connect: string;
  only: Set<string>;
}

function parseOptions(argv: string[]): Options {
  const opt: Options = { quick: false, connect: join(ROOT, 'bin', 'connect.cjs'), only: new Set(['session', 'bulk', 'latency']) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opt.quick = true;
    else if (a === '--connect') opt.connect = resolve(argv[++i]!);
    else if (a === '--only') opt.only = new Set(argv[++i]!.split(','));
    else throw new Error(`unknown option ${a}`);
  }
  return opt;
}

function benchEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

type Subjects = Record<string, Command>;

async function benchSession(subjects: Subjects, env: NodeJS.ProcessEnv, runs: number): Promise<Report['session']> {
  const result: Report['session'] = {};
  for (const kind of ['socks5', 'http'] as const) {
    const responder = await startResponder(kind);
    const flag = kind === 'socks5' ? '-S' : '-H';
    const cmds: Subjects = {};
    for (const [name, cmd] of Object.entries(subjects)) {
      cmds[name] = name === 'node -e 0' ? cmd : withArgs(cmd, [flag, `127.0.0.1:${responder.port}`, 'target.example', '22']);
    }
    const ms: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((n) => [n, []]));
    try {
      for (let r = 0; r < runs + 1; r++) {
        for (const [name, cmd] of Object.entries(cmds)) {
          const t = await timeSession(cmd, env, name !== 'node -e 0').catch((err: Error) => fail(cmds, name, err));
          if (r > 0 && t !== undefined) ms[name]!.push(t); // run 0 warms the page cache
        }
      }
    } finally {
      await responder.close();
    }
    result[kind] = Object.fromEntries(Object.entries(ms).filter(([, xs]) => xs.length).map(([n, xs]) => [n, { medianMs: median(xs), runsMs: xs }]));
  }
  return result;
}

/**
 * A subject that fails is reported once and left out of the rest of the
 * section, except `connect` itself: without it the run has no targets to
 * check, so its failure ends the bench (and results.json is not written).
 */
function fail(cmds: Subjects, name: string, err: Error): undefined {
  if (name === 'connect') throw err;
  process.stderr.write(`bench: ${name} failed, left out: ${err.message}\n`);
  delete cmds[name];
  return undefined;
}

async function benchBulk(subjects: Subjects, env: NodeJS.ProcessEnv, bytes: number, runs: number): Promise<Report['bulk']> {
  const result: Report['bulk'] = {};
  const tmp = mkdtempSync(join(os.tmpdir(), 'connect-bench-'));
  try {
    for (const dir of ['down', 'up'] as const) {
      const peer = await startPeer(PEER, dir === 'down' ? 'source' : 'sink', [String(bytes)]);
      const all: Record<string, BulkRun[]> = {};
      try {
        for (let r = 0; r < runs; r++) {
          for (const [name, cmd] of Object.entries(subjects)) {
            const run = await runBulk(withArgs(cmd, ['127.0.0.1', String(peer.port)]), env, dir, bytes, tmp);
            if (dir === 'up') run.bytes = Number(await peer.nextLine());
            if (run.bytes !== bytes) throw new Error(`bulk ${dir} ${name}: ${run.bytes} of ${bytes} bytes arrived`);
            (all[name] ??= []).push(run);
          }
        }
      } finally {
        peer.stop();
      }
      result[dir] = Object.fromEntries(Object.entries(all).map(([n, rs]) => [n, summariseBulk(rs, bytes)]));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}

function summariseBulk(runs: BulkRun[], bytes: number) {
  const wallS = median(runs.map((r) => r.wallS));
  return {
    wallS,
    mbPerS: bytes / 1e6 / wallS,
    cpuS: median(runs.map((r) => r.cpuS)),
    peakRssMB: Math.max(...runs.map((r) => r.rssKB)) / 1024,
    runs,
  };
}

async function benchLatency(subjects: Subjects, env: NodeJS.ProcessEnv, count: number, passes: number): Promise<Report['latency']> {
  const peer = await startPeer(PEER, 'echo');
  const samples: Record<string, number[]> = {};
  try {
    for (let p = 0; p < passes; p++) {
      for (const [name, cmd] of Object.entries(subjects)) {
        const us = await runLatency(withArgs(cmd, ['127.0.0.1', String(peer.port)]), env, count);
        (samples[name] ??= []).push(...us);
      }
    }
  } finally {
    peer.stop();
  }
  return Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, {
    roundTrips: xs.length,
    medianUs: median(xs),
    meanUs: xs.reduce((a, b) => a + b, 0) / xs.length,
    p99Us: percentile(xs, 99),
  }]));
}

function machine(): Report['machine'] {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return { nproc: os.availableParallelism(), cpu, node: process.version, kernel: os.release(), memGB: Math.round(os.totalmem() / 2 ** 30) };
}

async function main(): Promise<void> {
  const opt = parseOptions(process.argv.slice(2));
  const home = mkdtempSync(join(os.tmpdir(), 'connect-bench-home-'));
  const env = benchEnv(home);
  const ours: Command = { file: process.execPath, args: [opt.connect] };
  const ref = findBinary('connect-proxy');
  const relays: Subjects = { connect: ours, ...(ref ? { 'connect.c': { file: ref, args: [] } } : {}) };
  const withFloor: Subjects = {
    ...relays,
    'node -e 0': { file: process.execPath, args: ['-e', '0'] },
    'node floor': { file: process.execPath, args: [FLOOR_SESSION] },
  };
  const q = opt.quick;
  const report: Report = { date: new Date().toISOString(), quick: q, machine: machine(), session: {}, bulk: {}, latency: {} };
  try {
    if (opt.only.has('session')) report.session = await benchSession(withFloor, env, q ? 5 : 30);
    if (opt.only.has('bulk')) report.bulk = await benchBulk(relays, env, q ? 64 << 20 : GiB, q ? 1 : 3);
    if (opt.only.has('latency')) report.latency = await benchLatency(relays, env, q ? 300 : 2000, q ? 1 : 3);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  process.stdout.write(formatReport(report));
  const complete = !q && opt.only.size === 3 && opt.connect === join(ROOT, 'bin', 'connect.cjs');
  if (complete) {
    const json = { ...withoutRuns(report), ratios: computeRatios(report) };
    writeFileSync(join(ROOT, 'test', 'bench', 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  }
}

/** results.json keeps the summaries; the per-run lists stay on screen only. */
function withoutRuns(report: object): object {
  return JSON.parse(JSON.stringify(report, (k, v) => (k === 'runs' || k === 'runsMs' ? undefined : v)));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
