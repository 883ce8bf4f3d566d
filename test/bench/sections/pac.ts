/**
 * pac: what a PAC script costs a session. Interleaved, in one run: the same
 * HTTP CONNECT session with `-x http://…` given directly, and through
 * `-x pac+file://…` whose script (a typical corporate one: plain names and
 * the intranet direct, the rest through the proxy) names that proxy;
 * `node -e 0` for scale. Target: the PAC session's median at most
 * PAC_TARGET_MS above the direct one's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeSession, withArgs, type Command } from '../measure.js';
import { startResponder } from '../responders.js';
import { fmt, median, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';

export const PAC_TARGET_MS = 35;

/** A typical corporate PAC script naming the proxy on `port` (the pac-cache section uses it too). */
export const benchPacScript = (port: number) => `function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".intranet.example") || shExpMatch(host, "10.*")) return "DIRECT";
  if (url.substring(0, 6) == "https:") return "PROXY 127.0.0.1:${port}; DIRECT";
  return "DIRECT";
}
`;

async function run(ctx: BenchContext): Promise<SectionResult> {
  const runs = ctx.quick ? 5 : 30;
  const responder = await startResponder('http');
  const pacFile = join(ctx.tmp, 'bench.pac');
  writeFileSync(pacFile, benchPacScript(responder.port));
  const cmds: Record<string, [Command, boolean]> = {
    'connect -x http://': [withArgs(ctx.connect, ['-x', `http://127.0.0.1:${responder.port}`, 'target.example', '22']), true],
    'connect -x pac+file://': [withArgs(ctx.connect, ['-x', `pac+file://${pacFile}`, 'target.example', '22']), true],
    'node -e 0': [ctx.nodeE0, false],
  };
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((n) => [n, []]));
  try {
    for (let r = 0; r <= runs; r++) {
      for (const [name, [cmd, banner]] of Object.entries(cmds)) {
        const t = await timeSession(cmd, ctx.env, banner);
        if (r > 0) ms[name]!.push(t); // run 0 warms the page cache
      }
    }
  } finally {
    await responder.close();
  }
  const medians = Object.fromEntries(Object.entries(ms).map(([n, xs]) => [n, median(xs)]));
  const overhead = medians['connect -x pac+file://']! - medians['connect -x http://']!;
  const r = ratios();
  r.add('pac: session through pac+file minus the same with -x (ms)', overhead, `≤ ${PAC_TARGET_MS}`, (v) => v <= PAC_TARGET_MS);
  r.add('pac: that difference / node -e 0', overhead / medians['node -e 0']!, '(reference)');
  return {
    table: [['session (median ms)', ...Object.keys(cmds)], ['http', ...Object.keys(cmds).map((n) => fmt(medians[n]))]],
    ratios: r.list,
    data: { medianMs: medians, overheadMs: overhead },
  };
}

export const section: BenchSection = { name: 'pac', title: 'PAC script cost per session', run };
