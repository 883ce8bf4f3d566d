/**
 * Start-up under every installed Node: `node -e 0`, `connect -V` and a
 * SOCKS5 session (as the session section), subjects interleaved round by
 * round, median of the runs after a warm-up round. Besides the node running
 * the bench, it finds the official binaries .ci/run installs
 * (/opt/connect-ci/node-X/bin/node, or $CONNECT_CI_NODE_CACHE) and any
 * in $CONNECT_BENCH_NODES (colon-separated paths). On Node 22+ it also times
 * the session with the bundle loaded by a plain require() through Node's
 * module compile cache (NODE_COMPILE_CACHE) and without any cache, against
 * bin/connect.cjs's own code cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { timeSession, withArgs, type Command } from '../measure.js';
import { startResponder } from '../responders.js';
import { fmt, median, ratio, ratios, type BenchContext, type BenchSection, type SectionResult } from '../section.js';

export interface VersionStat { node: string; path: string; medianMs: Record<string, number> }

/** Node binaries to compare, one per version, the bench's own first. */
export function installedNodes(): { version: string; path: string }[] {
  const cache = process.env.CONNECT_CI_NODE_CACHE ?? '/opt/connect-ci';
  const found = existsSync(cache) ? readdirSync(cache).map((d) => join(cache, d, 'bin', 'node')) : [];
  const extra = (process.env.CONNECT_BENCH_NODES ?? '').split(':').filter(Boolean);
  const seen = new Map<string, string>();
  for (const path of [process.execPath, ...extra, ...found]) {
    const r = spawnSync(path, ['-p', 'process.version'], { encoding: 'utf8' });
    const version = r.status === 0 ? r.stdout.trim() : '';
    if (version && !seen.has(version)) seen.set(version, path);
  }
  return [...seen].map(([version, path]) => ({ version, path }));
}

async function measure(connect: string, env: NodeJS.ProcessEnv, runs: number): Promise<VersionStat[]> {
  const responder = await startResponder('socks5');
  const session = ['-S', `127.0.0.1:${responder.port}`, 'target.example', '22'];
  const plain = join(import.meta.dirname, '..', 'plain-launcher.cjs');
  const cacheRoot = mkdtempSync(join(os.tmpdir(), 'connect-bench-compile-cache-'));
  const subjects: { node: string; name: string; cmd: Command; env: NodeJS.ProcessEnv; banner: boolean }[] = [];
  const nodes = installedNodes();
  for (const { version, path } of nodes) {
    const add = (name: string, cmd: Command, banner: boolean, extraEnv: NodeJS.ProcessEnv = {}) =>
      subjects.push({ node: version, name, cmd, env: { ...env, ...extraEnv }, banner });
    add('node -e 0', { file: path, args: ['-e', '0'] }, false);
    add('connect -V', { file: path, args: [connect, '-V'] }, false);
    add('session (own code cache)', withArgs({ file: path, args: [connect] }, session), true);
    if (Number(version.slice(1).split('.')[0]) >= 22) {
      add('session (module compile cache)', withArgs({ file: path, args: [plain] }, session), true, { NODE_COMPILE_CACHE: join(cacheRoot, version) });
      add('session (no cache)', withArgs({ file: path, args: [plain] }, session), true);
    }
  }
  const ms = subjects.map(() => [] as number[]);
  try {
    for (let r = 0; r < runs + 1; r++) {
      for (const [i, s] of subjects.entries()) {
        const t = await timeSession(s.cmd, s.env, s.banner);
        if (r > 0) ms[i]!.push(t); // round 0: page cache, and each V8 writes its own code cache
      }
    }
  } finally {
    await responder.close();
    rmSync(cacheRoot, { recursive: true, force: true });
  }
  return nodes.map(({ version, path }) => ({
    node: version, path,
    medianMs: Object.fromEntries(subjects.flatMap((s, i) => (s.node === version ? [[s.name, median(ms[i]!)]] : []))),
  }));
}

const OURS = 'session (own code cache)';
const NODES_CACHE = 'session (module compile cache)';

async function run(ctx: BenchContext): Promise<SectionResult> {
  const connect = ctx.connect.args[0]!;
  const stats = await measure(connect, ctx.env, ctx.quick ? 5 : 20);
  const names = [...new Set(stats.flatMap((s) => Object.keys(s.medianMs)))];
  const table = [
    ['start-up (median ms)', ...stats.map((s) => s.node)],
    ...names.map((n) => [n, ...stats.map((s) => fmt(s.medianMs[n]))]),
  ];
  const r = ratios();
  for (const s of stats) {
    r.add(`${s.node}: session / node -e 0`, ratio(s.medianMs[OURS], s.medianMs['node -e 0']), '(reference)');
    r.add(`${s.node}: module compile cache / own code cache`, ratio(s.medianMs[NODES_CACHE], s.medianMs[OURS]), '(reference)');
  }
  const notes = [
    `nodes: ${stats.map((s) => `${s.node} ${s.path}`).join('; ')}`,
    ...(stats.length < 2 ? ['only one Node found: run .ci/run, or set CONNECT_BENCH_NODES=/path/to/node:…'] : []),
  ];
  return { table, ratios: r.list, data: stats, notes };
}

export const section: BenchSection = { name: 'node-versions', title: 'Start-up under every installed Node', run };
