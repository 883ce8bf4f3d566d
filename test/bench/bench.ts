/**
 * `npm run bench`: our `connect` side by side with connect.c (connect-proxy,
 * when installed), the relays users pick instead (ncat, OpenBSD nc, socat,
 * when installed), `node -e 0` (the floor every Node program pays) and
 * test/bench/floor.cts (a minimal Node session), section by section:
 *   session  start-up: spawn → handshake → banner → exit
 *   bulk     1 GiB each way through each relay
 *   latency  one-byte round trips through each relay
 *   memory   private memory per open idle session
 *   ssh      real ssh sessions: direct, relayed, through connect.c, with -F
 *   pac      a session through a pac+file script against the same with -x
 * Each section prints a table and checks its targets as ratios taken within
 * this run; a complete default run (no --quick, --only or --connect) writes
 * test/bench/results.json.
 *
 * Options: --quick (small sizes, few runs); --connect FILE (bench another
 * entry script as "connect", e.g. to A/B a change); --only NAME,NAME.
 * A new section: see test/bench/section.ts, then one entry in SECTIONS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary } from '../helpers/process.js';
import { withArgs, type Command } from './measure.js';
import { formatReport, type Machine } from './report.js';
import type { BenchContext, BenchSection, RelayCommand, SectionResult } from './section.js';
import { section as session } from './sections/session.js';
import { bulkSection, latencySection } from './sections/relays.js';
import { section as memory } from './sections/memory.js';
import { section as ntlm } from './sections/ntlm.js';
import { section as ssh } from './sections/ssh.js';
import { section as nodeVersions } from './sections/node-versions.js';
import { section as failover } from './sections/failover.js';
import { section as pac } from './sections/pac.js';
import { section as pacCache } from './sections/pac-cache.js';

const SECTIONS: readonly BenchSection[] = [session, bulkSection, latencySection, memory, ssh, ntlm, failover, nodeVersions, pac, pacCache];

const HERE = dirname(fileURLToPath(import.meta.url)); // build/test/bench
const ROOT = resolve(HERE, '..', '..', '..');
const OUR_CLI = join(ROOT, 'bin', 'connect.cjs');

interface Options {
  quick: boolean;
  connect: string;
  only: Set<string> | undefined;
}

function parseOptions(argv: string[]): Options {
  const opt: Options = { quick: false, connect: OUR_CLI, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opt.quick = true;
    else if (a === '--connect') opt.connect = resolve(argv[++i]!);
    else if (a === '--only') opt.only = new Set(argv[++i]!.split(','));
    else throw new Error(`unknown option ${a}`);
  }
  const unknown = [...(opt.only ?? [])].filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})`);
  return opt;
}

/** The peer relays, as a user would run them for `host port`. */
const PEER_RELAYS: Record<string, (bin: string) => RelayCommand> = {
  ncat: (bin) => (host, port) => ({ file: bin, args: [host, String(port)] }),
  // -N: shut the socket down for writing at stdin's EOF (as connect and connect.c half-close).
  nc: (bin) => (host, port) => ({ file: bin, args: ['-N', host, String(port)] }),
  // -t: after one direction's EOF, wait (up to an hour) for the other instead of 0.5 s.
  socat: (bin) => (host, port) => ({ file: bin, args: ['-t', '3600', '-', `TCP:${host}:${port}`] }),
};

function context(opt: Options, env: NodeJS.ProcessEnv, tmp: string): BenchContext {
  const connect: Command = { file: process.execPath, args: [opt.connect] };
  const refBin = findBinary('connect-proxy');
  const reference = refBin ? { file: refBin, args: [] } : undefined;
  const relays: Record<string, RelayCommand> = { connect: (h, p) => withArgs(connect, [h, String(p)]) };
  if (reference) relays['connect.c'] = (h, p) => withArgs(reference, [h, String(p)]);
  const missing: string[] = reference ? [] : ['connect-proxy (connect.c)'];
  for (const [name, make] of Object.entries(PEER_RELAYS)) {
    const bin = findBinary(name);
    if (bin) relays[name] = make(bin);
    else missing.push(name);
  }
  return {
    quick: opt.quick, env, tmp, connect, reference, relays, missing,
    nodeE0: { file: process.execPath, args: ['-e', '0'] },
    nodeFloor: { file: process.execPath, args: [join(HERE, 'floor.cjs')] },
  };
}

function machine(): Machine {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return { nproc: os.availableParallelism(), cpu, node: process.version, kernel: os.release(), memGB: Math.round(os.totalmem() / 2 ** 30) };
}

async function main(): Promise<void> {
  const opt = parseOptions(process.argv.slice(2));
  const tmp = mkdtempSync(join(os.tmpdir(), 'connect-bench-'));
  const home = mkdtempSync(join(tmp, 'home-'));
  // XDG_CACHE_HOME: the PAC cache stays in the bench's own home, not the passwd home's ~/.cache.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CACHE_HOME: join(home, '.cache'), LANG: 'C' };
  const ctx = context(opt, env, tmp);
  const results: Array<[BenchSection, SectionResult]> = [];
  try {
    for (const s of SECTIONS) {
      if (opt.only && !opt.only.has(s.name)) continue;
      process.stderr.write(`bench: ${s.name}…\n`);
      results.push([s, await s.run(ctx)]);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const m = machine();
  process.stdout.write(formatReport(m, opt.quick, results.map(([s, r]) => [s.title, r])));
  if (!opt.quick && !opt.only && opt.connect === OUR_CLI) {
    const json = {
      date: new Date().toISOString(),
      machine: m,
      sections: Object.fromEntries(results.map(([s, r]) => [s.name, withoutRuns(r.data)])),
      ratios: results.flatMap(([, r]) => r.ratios),
    };
    writeFileSync(join(ROOT, 'test', 'bench', 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  }
}

/** results.json keeps the summaries; the per-run lists stay on screen only. */
function withoutRuns(data: unknown): unknown {
  return JSON.parse(JSON.stringify(data, (k, v) => (k === 'runs' || k === 'runsMs' ? undefined : v)));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
