/**
 * bulk and latency: the relay side by side with connect.c and the relays a
 * user would pick instead (ncat, OpenBSD nc, socat; each when installed),
 * all in direct mode to a loopback peer process.
 *   bulk     1 GiB each way (64 MiB with --quick), as under ssh: stdin and
 *            stdout pipes fed and drained by other processes; wall time of
 *            the pipeline, CPU and peak RSS of the relay; median of 5 runs;
 *            the peer on one CPU, the relay and its pipes on another (bulkCpus).
 *   latency  one-byte round trips through the relay to an echo server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bulkCpus, runBulk, runLatency, startPeer, type BulkRun } from '../measure.js';
import { fmt, median, percentile, ratio, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'peer.js');
const GiB = 1 << 30;
/** The relays users pick instead of ours: the best of these is the bar. */
export const PEER_RELAYS = ['ncat', 'nc', 'socat'];

export interface BulkStat { wallS: number; mbPerS: number; cpuS: number; peakRssMB: number }
export interface LatencyStat { roundTrips: number; medianUs: number; meanUs: number; p99Us: number }

async function bulk(ctx: BenchContext): Promise<SectionResult> {
  const bytes = ctx.quick ? 64 << 20 : GiB;
  const runs = ctx.quick ? 1 : 5;
  const data: Partial<Record<'down' | 'up', Record<string, BulkStat>>> = {};
  const tmp = mkdtempSync(join(ctx.tmp, 'bulk-'));
  const cpus = bulkCpus();
  try {
    for (const dir of ['down', 'up'] as const) {
      const peer = await startPeer(PEER, dir === 'down' ? 'source' : 'sink', [String(bytes)], cpus?.peer);
      const all: Record<string, BulkRun[]> = {};
      try {
        for (let r = 0; r < runs; r++) {
          for (const [name, relay] of Object.entries(ctx.relays)) {
            const run = await runBulk(relay('127.0.0.1', peer.port), ctx.env, dir, bytes, tmp, cpus?.relay);
            if (dir === 'up') run.bytes = Number(await peer.nextLine());
            if (run.bytes !== bytes) throw new Error(`bulk ${dir} ${name}: ${run.bytes} of ${bytes} bytes arrived`);
            (all[name] ??= []).push(run);
          }
        }
      } finally {
        peer.stop();
      }
      data[dir] = Object.fromEntries(Object.entries(all).map(([n, rs]) => [n, summarise(rs, bytes)]));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const names = Object.keys(ctx.relays);
  const table = [['bulk', ...names]];
  for (const dir of ['down', 'up'] as const) {
    const b = data[dir]!;
    const label = dir === 'down' ? 'remote → stdout' : 'stdin → remote';
    table.push([`${label}: MB/s`, ...names.map((n) => fmt(b[n]?.mbPerS, 0))]);
    table.push([`${label}: CPU s`, ...names.map((n) => fmt(b[n]?.cpuS, 2))]);
    table.push([`${label}: peak RSS MB`, ...names.map((n) => fmt(b[n]?.peakRssMB))]);
  }
  const r = ratios();
  for (const dir of ['down', 'up'] as const) {
    const b = data[dir]!;
    const best = bestPeer(b, (s) => s.mbPerS, 'max');
    r.add(`bulk ${dir}: connect / best peer relay (${best?.name ?? '–'})`, ratio(b.connect?.mbPerS, best?.value), '≥ 1.00', (v) => v >= 1);
    r.add(`bulk ${dir}: connect / connect.c`, ratio(b.connect?.mbPerS, b['connect.c']?.mbPerS), '≥ 3.00', (v) => v >= 3);
    r.add(`bulk ${dir}: peak RSS of connect (MB)`, b.connect?.peakRssMB, '≤ 50', (v) => v <= 50);
  }
  const placement = cpus ? `CPUs: the peer on ${cpus.peer}, each relay with head/dd on ${cpus.relay}` : 'CPUs: not pinned (no taskset, or one CPU)';
  return { table, ratios: r.list, data, notes: [placement, ...missingNotes(ctx)] };
}

function summarise(runs: BulkRun[], bytes: number): BulkStat {
  const wallS = median(runs.map((r) => r.wallS));
  return { wallS, mbPerS: bytes / 1e6 / wallS, cpuS: median(runs.map((r) => r.cpuS)), peakRssMB: Math.max(...runs.map((r) => r.rssKB)) / 1024 };
}

async function latency(ctx: BenchContext): Promise<SectionResult> {
  const count = ctx.quick ? 300 : 2000;
  const passes = ctx.quick ? 1 : 3;
  const peer = await startPeer(PEER, 'echo');
  const samples: Record<string, number[]> = {};
  try {
    for (let p = 0; p < passes; p++) {
      for (const [name, relay] of Object.entries(ctx.relays)) {
        (samples[name] ??= []).push(...(await runLatency(relay('127.0.0.1', peer.port), ctx.env, count)));
      }
    }
  } finally {
    peer.stop();
  }
  const data: Record<string, LatencyStat> = Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, latencyStat(xs)]));
  const names = Object.keys(ctx.relays);
  const table = [
    ['latency (one-byte round trip)', ...names],
    ['median µs', ...names.map((n) => fmt(data[n]?.medianUs))],
    ['p99 µs', ...names.map((n) => fmt(data[n]?.p99Us))],
  ];
  const r = ratios();
  r.add('latency: median round trip connect / connect.c', ratio(data.connect?.medianUs, data['connect.c']?.medianUs), '≤ 1.25', (v) => v <= 1.25);
  const best = bestPeer(data, (s) => s.medianUs, 'min');
  r.add(`latency: median round trip connect / best peer relay (${best?.name ?? '–'})`, ratio(data.connect?.medianUs, best?.value), '(reference)');
  return { table, ratios: r.list, data, notes: missingNotes(ctx) };
}

export function latencyStat(xs: number[]): LatencyStat {
  return { roundTrips: xs.length, medianUs: median(xs), meanUs: xs.reduce((a, b) => a + b, 0) / xs.length, p99Us: percentile(xs, 99) };
}

function bestPeer<T>(stats: Record<string, T>, value: (s: T) => number, pick: 'max' | 'min'): { name: string; value: number } | undefined {
  let best: { name: string; value: number } | undefined;
  for (const name of PEER_RELAYS) {
    const s = stats[name];
    if (s === undefined) continue;
    const v = value(s);
    if (!best || (pick === 'max' ? v > best.value : v < best.value)) best = { name, value: v };
  }
  return best;
}

function missingNotes(ctx: BenchContext): string[] {
  return ctx.missing.map((name) => `${name} is not installed: left out`);
}

export const bulkSection: BenchSection = { name: 'bulk', title: 'bulk: each way through the relay (1 GiB; 64 MiB with --quick)', run: bulk };
export const latencySection: BenchSection = { name: 'latency', title: 'latency: one-byte round trips through the relay', run: latency };
