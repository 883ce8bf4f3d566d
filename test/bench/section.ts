/**
 * What a bench section is. A section measures one thing, prints one table
 * and checks its targets as ratios taken within the same run. To add one:
 * a file test/bench/sections/NAME.ts exporting `section: BenchSection`, and
 * its entry in SECTIONS (test/bench/bench.ts). `--only NAME` runs it alone.
 */
import type { Command } from './measure.js';

/** A relay command for `host port` (connect, connect.c, ncat, nc, socat). */
export type RelayCommand = (host: string, port: number) => Command;

export interface BenchContext {
  /** --quick: small sizes, few runs. */
  quick: boolean;
  /** Clean environment for every child (PATH, a temporary HOME, LANG=C). */
  env: NodeJS.ProcessEnv;
  /** A scratch directory for this run (removed afterwards). */
  tmp: string;
  /** Our CLI (bin/connect.cjs, or --connect FILE) run by this Node. */
  connect: Command;
  /** connect.c (connect-proxy), when installed. */
  reference: Command | undefined;
  /** `node -e 0` and test/bench/floor.cts (a minimal Node session). */
  nodeE0: Command;
  nodeFloor: Command;
  /**
   * The relays side by side (plain TCP to host:port): connect, connect.c and
   * the ones a user would pick instead (ncat, OpenBSD nc, socat) that are installed.
   */
  relays: Record<string, RelayCommand>;
  /** Relays asked for but not installed, for the report's notes. */
  missing: string[];
}

/** ok: whether the target is met; absent for "(reference)" rows, which have none. */
export interface Ratio { name: string; value: number; target: string; ok?: boolean }

export interface SectionResult {
  /** Printed under the section's title: the first row is the header. */
  table: string[][];
  ratios: Ratio[];
  /** Kept in results.json under the section's name (no per-run lists). */
  data: unknown;
  /** One line each, printed under the table (what was skipped and why). */
  notes?: string[];
}

export interface BenchSection {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/** Collects ratios, skipping the ones a missing subject left undefined. */
export function ratios(): { list: Ratio[]; add(name: string, value: number | undefined, target: string, ok?: (v: number) => boolean): void } {
  const list: Ratio[] = [];
  return {
    list,
    add(name, value, target, ok) {
      if (value !== undefined && Number.isFinite(value)) list.push({ name, value, target, ...(ok ? { ok: ok(value) } : {}) });
    },
  };
}

export const fmt = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
