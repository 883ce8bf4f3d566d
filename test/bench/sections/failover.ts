/**
 * Bench section "failover": what a dead first candidate costs. Interleaved,
 * in one run: a direct session (`connect 127.0.0.1 PORT` to a banner
 * server) and the same session through `-x socks5://127.0.0.1:DEAD,direct://`,
 * where DEAD refuses at once (a closed port), so the route fails over to
 * direct. The figure (target ≤ 5 ms) is the median of the paired
 * differences (each failover run right after a direct one), which a loaded
 * machine's drift disturbs less than the difference of the medians (printed
 * too), with each session's mean CPU time (GNU time) beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../helpers/process.js';
import { freePort } from '../../helpers/ports.js';
import { timeSession, withArgs } from '../measure.js';
import { BANNER } from '../responders.js';
import { fmt, median, ratios, type BenchSection } from '../section.js';

export const FAILOVER_TARGET_MS = 5;
const TIME = findBinary('time');

/** A target that speaks first (as sshd does) and closes when the client does. */
async function bannerTarget(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.on('end', () => s.end());
    s.write(BANNER);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

export const section: BenchSection = {
  name: 'failover',
  title: 'a dead first candidate, then direct:// (-x dead,direct://) against a direct session',
  async run(ctx) {
    const runs = ctx.quick ? 5 : 100;
    const target = await bannerTarget();
    const dead = await freePort();
    const tmp = mkdtempSync(join(os.tmpdir(), 'connect-bench-failover-'));
    const timeFile = join(tmp, 'time');
    const kinds = {
      direct: withArgs(ctx.connect, ['127.0.0.1', String(target.port)]),
      failover: withArgs(ctx.connect, ['-x', `socks5://127.0.0.1:${dead},direct://`, '127.0.0.1', String(target.port)]),
    };
    const ms = { direct: [] as number[], failover: [] as number[] };
    const cpu = { direct: [] as number[], failover: [] as number[] };
    try {
      for (let r = 0; r <= runs; r++) { // round 0 warms up
        for (const kind of ['direct', 'failover'] as const) {
          const s = kinds[kind];
          const cmd = TIME ? { file: TIME, args: ['-f', '%U %S', '-o', timeFile, s.file, ...s.args] } : s;
          const t = await timeSession(cmd, ctx.env, true);
          if (r === 0) continue;
          ms[kind].push(t);
          if (TIME) cpu[kind].push(readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0) * 1000);
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      await target.close();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const paired = median(ms.failover.map((t, i) => t - ms.direct[i]!));
    const data = {
      directMs: median(ms.direct), failoverMs: median(ms.failover), pairedExtraMs: paired, runs,
      ...(TIME && { cpu: { directMs: mean(cpu.direct), failoverMs: mean(cpu.failover) } }),
    };
    const r = ratios();
    r.add('failover: dead,direct:// − direct, median of paired runs (ms)', paired, `≤ ${FAILOVER_TARGET_MS.toFixed(2)}`, (v) => v <= FAILOVER_TARGET_MS);
    r.add('failover: dead,direct:// − direct, difference of the medians (ms)', data.failoverMs - data.directMs, '(reference)');
    if (data.cpu) r.add('failover: dead,direct:// − direct, mean CPU per session (ms)', data.cpu.failoverMs - data.cpu.directMs, '(reference)');
    const table = [
      ['session', 'median ms', 'mean CPU ms'],
      ['connect 127.0.0.1 PORT (direct)', fmt(data.directMs), fmt(data.cpu?.directMs)],
      ['connect -x socks5://DEAD,direct:// 127.0.0.1 PORT', fmt(data.failoverMs), fmt(data.cpu?.failoverMs)],
    ];
    return { table, ratios: r.list, data, ...(TIME ? {} : { notes: ['GNU time not installed: no CPU figures'] }) };
  },
};
