/** The bench's results: their shape, the ratios against the targets, the printed table. */

export interface SessionStat { medianMs: number; runsMs: number[] }
export interface BulkStat { wallS: number; mbPerS: number; cpuS: number; peakRssMB: number; runs: unknown[] }
export interface LatencyStat { roundTrips: number; medianUs: number; meanUs: number; p99Us: number }

export interface Report {
  date: string;
  quick: boolean;
  machine: { nproc: number; cpu: string; node: string; kernel: string; memGB: number };
  session: Partial<Record<'socks5' | 'http', Record<string, SessionStat>>>;
  bulk: Partial<Record<'up' | 'down', Record<string, BulkStat>>>;
  latency: Record<string, LatencyStat>;
}

/** ok: whether the target is met; absent for "(reference)" rows, which have none. */
export interface Ratio { name: string; value: number; target: string; ok?: boolean }

const OURS = 'connect';
const REF = 'connect.c';
const FLOOR = 'node -e 0';
/** test/bench/floor.cts: a minimal Node session, for reference. */
const MINIMAL = 'node floor';

export function computeRatios(r: Report): Ratio[] {
  const out: Ratio[] = [];
  const add = (name: string, value: number | undefined, target: string, ok?: (v: number) => boolean) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ name, value, target, ...(ok ? { ok: ok(value) } : {}) });
  };
  for (const [kind, max] of [['socks5', 1.1], ['http', 1.3]] as const) {
    const s = r.session[kind];
    const floor = s?.[FLOOR]?.medianMs;
    add(`session ${kind}: connect / node -e 0`, ratio(s?.[OURS]?.medianMs, floor), `≤ ${max.toFixed(2)}`, (v) => v <= max);
    add(`session ${kind}: connect.c / node -e 0`, ratio(s?.[REF]?.medianMs, floor), '(reference)');
    add(`session ${kind}: node floor / node -e 0`, ratio(s?.[MINIMAL]?.medianMs, floor), '(reference)');
  }
  for (const dir of ['down', 'up'] as const) {
    const b = r.bulk[dir];
    add(`bulk ${dir}: throughput connect / connect.c`, ratio(b?.[OURS]?.mbPerS, b?.[REF]?.mbPerS), '≥ 3.00', (v) => v >= 3);
    add(`bulk ${dir}: peak RSS of connect (MB)`, b?.[OURS]?.peakRssMB, '≤ 50', (v) => v <= 50);
  }
  const l = r.latency;
  add('latency: median round trip connect / connect.c', ratio(l[OURS]?.medianUs, l[REF]?.medianUs), '≤ 1.00', (v) => v <= 1);
  return out;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a / b;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

const f = (v: number | undefined, digits = 1) => (v === undefined ? '–' : v.toFixed(digits));

function subjectsOf(r: Report): string[] {
  const names = new Set<string>();
  for (const s of Object.values(r.session)) Object.keys(s ?? {}).forEach((n) => names.add(n));
  for (const b of Object.values(r.bulk)) Object.keys(b ?? {}).forEach((n) => names.add(n));
  Object.keys(r.latency).forEach((n) => names.add(n));
  return [OURS, REF, FLOOR, MINIMAL].filter((n) => names.has(n));
}

function figuresTable(r: Report): string {
  const names = subjectsOf(r);
  const rows: string[][] = [['measure', ...names]];
  for (const kind of ['socks5', 'http'] as const) {
    const s = r.session[kind];
    if (s) rows.push([`session ${kind} (median ms)`, ...names.map((n) => f(s[n]?.medianMs))]);
  }
  for (const dir of ['down', 'up'] as const) {
    const b = r.bulk[dir];
    if (!b) continue;
    const label = dir === 'down' ? 'remote → stdout' : 'stdin → remote';
    rows.push([`bulk ${label}: MB/s`, ...names.map((n) => f(b[n]?.mbPerS, 0))]);
    rows.push([`bulk ${label}: CPU s`, ...names.map((n) => f(b[n]?.cpuS, 2))]);
    rows.push([`bulk ${label}: peak RSS MB`, ...names.map((n) => f(b[n]?.peakRssMB))]);
  }
  if (Object.keys(r.latency).length) {
    rows.push(['latency median µs', ...names.map((n) => f(r.latency[n]?.medianUs))]);
    rows.push(['latency p99 µs', ...names.map((n) => f(r.latency[n]?.p99Us))]);
  }
  return table(rows);
}

function ratiosTable(ratios: Ratio[]): string {
  return table([['ratio', 'value', 'target', ''], ...ratios.map((x) => [x.name, x.value.toFixed(2), x.target, x.ok === undefined ? '' : x.ok ? 'ok' : 'MISSED'])]);
}

export function formatReport(r: Report): string {
  const m = r.machine;
  const head = `${m.nproc} × ${m.cpu}, ${m.memGB} GB, Linux ${m.kernel}, Node ${m.node}${r.quick ? ' (--quick)' : ''}`;
  return `\n${head}\n\n${figuresTable(r)}\n\n${ratiosTable(computeRatios(r))}\n`;
}
