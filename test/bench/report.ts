/** The bench's printed report: each section's table, then every ratio with its verdict. */
import type { Ratio, SectionResult } from './section.js';

export interface Machine { nproc: number; cpu: string; node: string; kernel: string; memGB: number }

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

export function ratiosTable(ratios: Ratio[]): string {
  return table([['ratio', 'value', 'target', ''], ...ratios.map((x) => [x.name, x.value.toFixed(2), x.target, x.ok === undefined ? '' : x.ok ? 'ok' : 'MISSED'])]);
}

export function formatReport(m: Machine, quick: boolean, results: Array<[title: string, result: SectionResult]>): string {
  const head = `${m.nproc} × ${m.cpu}, ${m.memGB} GB, Linux ${m.kernel}, Node ${m.node}${quick ? ' (--quick)' : ''}`;
  const parts = results.map(([title, r]) => {
    const notes = (r.notes ?? []).map((n) => `note: ${n}\n`).join('');
    return `## ${title}\n\n${r.table.length > 1 ? `${table(r.table)}\n` : ''}${notes}`;
  });
  const all = results.flatMap(([, r]) => r.ratios);
  return `\n${head}\n\n${parts.join('\n')}\n${all.length ? ratiosTable(all) : ''}\n`;
}
