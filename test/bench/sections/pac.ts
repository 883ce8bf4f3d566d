/**
 * Bench section "pac": what a PAC script costs a session. Interleaved, in
 * one run: the same HTTP CONNECT session with `-x http://…` given directly,
 * and through `-x pac+file://…` whose script (a typical corporate one:
 * plain names and the intranet direct, everything else through the proxy)
 * names that proxy; `node -e 0` for scale. Target: the PAC session's median
 * at most PAC_TARGET_MS above the direct one's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { timeSession, withArgs, type Command } from '../measure.js';
import { startResponder } from '../responders.js';

export const PAC_TARGET_MS = 35;

export interface PacBenchInput {
  connect: Command;
  node: Command;
  env: NodeJS.ProcessEnv;
  runs: number;
}

export interface PacBenchResult {
  medianMs: Record<string, number>;
  runsMs: Record<string, number[]>;
  /** PAC median minus direct median, ms. */
  overheadMs: number;
}

const script = (port: number) => `function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".intranet.example") || shExpMatch(host, "10.*")) return "DIRECT";
  if (url.substring(0, 6) == "https:") return "PROXY 127.0.0.1:${port}; DIRECT";
  return "DIRECT";
}
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function benchPac(input: PacBenchInput): Promise<PacBenchResult> {
  const responder = await startResponder('http');
  const dir = mkdtempSync(join(os.tmpdir(), 'connect-bench-pac-'));
  const pacFile = join(dir, 'proxy.pac');
  writeFileSync(pacFile, script(responder.port));
  const cmds: Record<string, [Command, boolean]> = {
    'connect -x http://': [withArgs(input.connect, ['-x', `http://127.0.0.1:${responder.port}`, 'target.example', '22']), true],
    'connect -x pac+file://': [withArgs(input.connect, ['-x', `pac+file://${pacFile}`, 'target.example', '22']), true],
    'node -e 0': [input.node, false],
  };
  const runsMs: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((n) => [n, []]));
  try {
    // One warm-up round (page cache, code cache), then `runs` interleaved rounds.
    for (let r = 0; r <= input.runs; r++) {
      for (const [name, [cmd, banner]] of Object.entries(cmds)) {
        const ms = await timeSession(cmd, input.env, banner);
        if (r > 0) runsMs[name]!.push(ms);
      }
    }
  } finally {
    await responder.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const medianMs = Object.fromEntries(Object.entries(runsMs).map(([n, xs]) => [n, median(xs)]));
  return { medianMs, runsMs, overheadMs: medianMs['connect -x pac+file://']! - medianMs['connect -x http://']! };
}
