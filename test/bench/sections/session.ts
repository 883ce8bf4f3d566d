/**
 * session: what ssh waits for at every connection. Spawn → SOCKS5 (or HTTP
 * CONNECT) handshake with an in-process responder that answers with the
 * reply and an SSH banner in one write → banner on stdout → stdin EOF →
 * exit; median of N runs, subjects interleaved. `node -e 0` is what any
 * Node program pays; `node floor` (test/bench/floor.cts) the least a Node
 * session does, to tell Node's cost from ours. Beside the ratio of the
 * medians (the target's), the median of the per-round ratios: each round
 * runs every subject once, back to back, so it cancels the machine's drift
 * between rounds (test/bench/NOTES.md, round 10).
 */
import { timeSession, withArgs, type Command } from '../measure.js';
import { startResponder } from '../responders.js';
import { fmt, median, ratio, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';

export interface SessionStat { medianMs: number; runsMs: number[] }

async function run(ctx: BenchContext): Promise<SectionResult> {
  const runs = ctx.quick ? 5 : 100;
  const subjects: Record<string, Command> = {
    connect: ctx.connect,
    ...(ctx.reference ? { 'connect.c': ctx.reference } : {}),
    'node -e 0': ctx.nodeE0,
    'node floor': ctx.nodeFloor,
  };
  const data: Partial<Record<'socks5' | 'http', Record<string, SessionStat>>> = {};
  const notes: string[] = [];
  for (const kind of ['socks5', 'http'] as const) {
    const responder = await startResponder(kind);
    const flag = kind === 'socks5' ? '-S' : '-H';
    const cmds: Record<string, Command> = {};
    for (const [name, cmd] of Object.entries(subjects)) {
      cmds[name] = name === 'node -e 0' ? cmd : withArgs(cmd, [flag, `127.0.0.1:${responder.port}`, 'target.example', '22']);
    }
    const ms: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((n) => [n, []]));
    try {
      for (let r = 0; r < runs + 1; r++) {
        for (const [name, cmd] of Object.entries(cmds)) {
          const t = await timeSession(cmd, ctx.env, name !== 'node -e 0').catch((err: Error) => leaveOut(cmds, name, err, notes));
          if (r > 0 && t !== undefined) ms[name]!.push(t); // run 0 warms the page cache
        }
      }
    } finally {
      await responder.close();
    }
    data[kind] = Object.fromEntries(Object.entries(ms).filter(([, xs]) => xs.length).map(([n, xs]) => [n, { medianMs: median(xs), runsMs: xs }]));
  }
  const names = Object.keys(subjects);
  const table = [['session (median ms)', ...names]];
  for (const kind of ['socks5', 'http'] as const) table.push([kind, ...names.map((n) => fmt(data[kind]?.[n]?.medianMs))]);
  const r = ratios();
  for (const [kind, max] of [['socks5', 1.1], ['http', 1.3]] as const) {
    const s = data[kind];
    r.add(`session ${kind}: connect / node floor`, ratio(s?.connect?.medianMs, s?.['node floor']?.medianMs), '≤ 1.10', (v) => v <= 1.1);
    r.add(`session ${kind}: connect / node floor, median of per-round ratios`, pairedRatio(s?.connect?.runsMs, s?.['node floor']?.runsMs), '(reference)');
    r.add(`session ${kind}: connect / node -e 0`, ratio(s?.connect?.medianMs, s?.['node -e 0']?.medianMs), `≤ ${max.toFixed(2)}`, (v) => v <= max);
    r.add(`session ${kind}: connect.c / node -e 0`, ratio(s?.['connect.c']?.medianMs, s?.['node -e 0']?.medianMs), '(reference)');
    r.add(`session ${kind}: node floor / node -e 0`, ratio(s?.['node floor']?.medianMs, s?.['node -e 0']?.medianMs), '(reference)');
  }
  return { table, ratios: r.list, data, notes };
}

/** Run i of every subject is round i + 1 (a subject left out has fewer). */
function pairedRatio(runsMs: number[] | undefined, baseMs: number[] | undefined): number | undefined {
  const rounds = Math.min(runsMs?.length ?? 0, baseMs?.length ?? 0);
  return rounds ? median(runsMs!.slice(0, rounds).map((t, i) => t / baseMs![i]!)) : undefined;
}

/**
 * A subject that fails is reported once and left out of the rest of the
 * section, except `connect` itself: without it the run has no targets to
 * check, so its failure ends the bench (and results.json is not written).
 */
function leaveOut(cmds: Record<string, Command>, name: string, err: Error, notes: string[]): undefined {
  if (name === 'connect') throw err;
  notes.push(`${name} failed, left out: ${err.message}`);
  delete cmds[name];
  return undefined;
}

export const section: BenchSection = { name: 'session', title: 'session: spawn → handshake → banner → exit', run };
