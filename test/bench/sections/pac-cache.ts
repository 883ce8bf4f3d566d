/**
 * pac-cache: what the on-disk PAC cache saves a pac+http session.
 * Interleaved, in one run, the same HTTP CONNECT session: with `-x http://`
 * given directly; through `pac+file://`; through `pac+http://` with
 * `--pac-cache off` (fetched at every start, as before the cache); and
 * through `pac+http://` with the cache (the warm-up round fills it, every
 * measured round reads it). The script server is on loopback, in this
 * process: the least a fetch can cost (a real PAC server is farther away).
 * The server counts requests per command, so the table shows that the
 * cached runs really asked nobody.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeSession, withArgs, type Command } from '../measure.js';
import { startResponder } from '../responders.js';
import { fmt, median, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';
import { benchPacScript } from './pac.js';


async function run(ctx: BenchContext): Promise<SectionResult> {
  const runs = ctx.quick ? 5 : 30;
  const responder = await startResponder('http');
  const text = benchPacScript(responder.port);
  const pacFile = join(ctx.tmp, 'bench-cache.pac');
  writeFileSync(pacFile, text);
  const requests: Record<string, number> = { uncached: 0, cached: 0 };
  const server = createServer((req, res) => {
    const which = req.url === '/cached.pac' ? 'cached' : 'uncached';
    requests[which]!++;
    res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `pac+http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const session = (args: string[]) => withArgs(ctx.connect, [...args, 'target.example', '22']);
  const cmds: Record<string, Command> = {
    '-x http://': session(['-x', `http://127.0.0.1:${responder.port}`]),
    'pac+file': session(['-x', `pac+file://${pacFile}`]),
    'pac+http, cache off': session(['--pac-cache', 'off', '-x', `${base}/uncached.pac`]),
    'pac+http, cached': session(['-x', `${base}/cached.pac`]),
  };
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((n) => [n, []]));
  try {
    for (let r = 0; r <= runs; r++) {
      for (const [name, cmd] of Object.entries(cmds)) {
        const t = await timeSession(cmd, ctx.env, true);
        if (r > 0) ms[name]!.push(t); // round 0 warms the page cache and fills the PAC cache
      }
    }
  } finally {
    await responder.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const m = Object.fromEntries(Object.entries(ms).map(([n, xs]) => [n, median(xs)]));
  const r = ratios();
  r.add('pac-cache: pac+http with the cache minus pac+file (ms)', m['pac+http, cached']! - m['pac+file']!, '(reference)');
  r.add('pac-cache: pac+http without the cache minus with it (ms)', m['pac+http, cache off']! - m['pac+http, cached']!, '(reference)');
  r.add('pac-cache: requests the cached command made (the warm-up only)', requests['cached']!, '= 1', (v) => v === 1);
  return {
    table: [['session (median ms)', ...Object.keys(cmds)], ['http', ...Object.keys(cmds).map((n) => fmt(m[n]))]],
    ratios: r.list,
    data: { medianMs: m, requests, runs },
    notes: [`script requests: cache off ${requests['uncached']} (one per run), cached ${requests['cached']}`],
  };
}

export const section: BenchSection = { name: 'pac-cache', title: 'PAC cache: a pac+http session with and without it', run };
